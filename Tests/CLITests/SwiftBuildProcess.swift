import Foundation
import Glibc

/// Runs the `swiftbuild` binary that `swift build` put next to the test bundle.
struct SwiftBuildProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The binary: `$SWIFTBUILD_BINARY`, else `swiftbuild` beside the running test executable.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["SWIFTBUILD_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("swiftbuild")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/swiftbuild")
    }

    /// Makes a store at `store` holding `busybox:latest` (scripts/make-busybox-base).
    static func makeBusyboxStore(at store: URL) throws {
        let script = repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path
        try ExternalTool.run(["env", "SWIFTBUILD=\(binary.path)", script, "--root", store.path])
    }

    /// Runs `swiftbuild arguments...` in `directory`, feeding `input` on standard input,
    /// with `environment` added to the test's own.
    static func run(
        _ arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), error = Pipe(), standardInput = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(Data(input.utf8)) }
        try standardInput.fileHandleForWriting.close()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errData, as: UTF8.self))
    }
}

/// The repository's root directory, found from this source file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftbuild-test-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// One test's temporary directory: a store (with the busybox base when asked), a context
/// directory, and `swiftbuild build` of a Dockerfile written into that context.
struct BuildWorkspace {
    let work: URL
    let store: URL
    let context: URL

    init(busybox: Bool) throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        if busybox { try SwiftBuildProcess.makeBusyboxStore(at: store) }
    }

    /// Writes `dockerfile` into the context and builds it with plain progress.
    func build(_ dockerfile: String, _ arguments: [String] = []) throws -> SwiftBuildProcess.Result {
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    /// The root filesystem of `image` in the store, unpacked by umoci into the work directory.
    func unpack(_ image: String) throws -> URL {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
        return bundle.appendingPathComponent("rootfs")
    }

    func remove() {
        try? FileManager.default.removeItem(at: work)
    }
}

/// The text of the file at `path` inside an unpacked image's `root`.
func text(_ path: String, in root: URL) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
}

/// Whether anything (a dangling symlink too) is at `path` inside `root`.
func exists(_ path: String, in root: URL) -> Bool {
    var status = stat()
    return lstat(root.appendingPathComponent(path).path, &status) == 0
}

/// The files under `directory` whose bytes, or whose bytes gunzipped, hold `needle`: where a
/// secret or a host path must never be found (a store's blobs, an image's files).
func files(under directory: URL, containing needle: String) throws -> [String] {
    let script =
        #"find "$1" -type f | while IFS= read -r f; do { cat "$f"; zcat -f "$f" 2>/dev/null; } | grep -qF -e "$2" && echo "$f"; done; true"#
    return try ExternalTool.run(["sh", "-c", script, "sh", directory.path, needle]).split(separator: "\n").map(String.init)
}
