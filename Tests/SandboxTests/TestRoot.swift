import Foundation
import Glibc
import Sandbox
import System

/// A scratch directory for one test, removed (with everything mounted under it) at the end.
final class Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/sandbox-test-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SystemError.last("mkdtemp")
        }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A new directory under the scratch directory.
    func directory(_ name: String) throws -> String {
        let result = path + "/" + name
        try FileManager.default.createDirectory(atPath: result, withIntermediateDirectories: true)
        return result
    }
}

/// Root filesystems for tests, made of the host's static busybox.
enum TestRoot {
    static let applets = [
        "sh", "echo", "cat", "ls", "id", "hostname", "ps", "sleep", "mount", "rm", "mkdir",
        "kill", "env", "pwd", "true", "test", "grep", "stat", "touch", "ip", "wc", "tr", "sort", "sed"
    ]

    /// A directory with only `bin/busybox` and its applet links: no `/proc`, `/sys`, `/dev`
    /// or `/etc`, so every mount point has to be created for the step.
    static func busybox(at root: String) throws {
        let bin = root + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bin + "/busybox")
        for applet in applets {
            try FileManager.default.createSymbolicLink(atPath: bin + "/" + applet, withDestinationPath: "busybox")
        }
    }

    /// The busybox root plus every mount point the sandbox needs, as an image would have them.
    static func busyboxWithMountPoints(at root: String) throws {
        try busybox(at: root)
        for directory in ["proc", "sys", "dev", "etc"] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        for file in ["etc/hosts", "etc/hostname", "etc/resolv.conf"] {
            try Data("from the image\n".utf8).write(to: URL(fileURLWithPath: root + "/" + file))
        }
    }
}

/// The outcome of a step and what it printed.
struct StepResult {
    var status: ExitStatus
    var output: String
}

/// Runs `script` with `sh -c` (or `arguments` as given) and captures the output in a file.
func runStep(_ configuration: SandboxConfiguration, scratch: Scratch) async throws -> StepResult {
    let outputPath = scratch.path + "/output-\(UUID().uuidString)"
    let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw SystemError.last("open", path: outputPath) }
    defer { close(fd) }
    let status = try await Sandbox.run(configuration, output: fd)
    let output = try String(contentsOfFile: outputPath, encoding: .utf8)
    return StepResult(status: status, output: output)
}

/// A configuration running `sh -c script` in `root`, with a PATH.
func shell(_ script: String, in root: String) -> SandboxConfiguration {
    var configuration = SandboxConfiguration(rootfs: root, arguments: ["sh", "-c", script])
    configuration.environment = ["PATH=/bin"]
    return configuration
}

/// The lines of this process's mountinfo that mention `path`.
func mounts(under path: String) throws -> [String] {
    try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        .split(separator: "\n").map(String.init).filter { $0.contains(path) }
}

/// The entries under `root`, relative, sorted.
func tree(_ root: String) throws -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: root) else { return [] }
    return enumerator.compactMap { $0 as? String }.sorted()
}

let isRoot = getuid() == 0

/// Whether a process whose command line contains `pattern` is running (`pgrep -f`).
func processIsRunning(matching pattern: String) throws -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
    process.arguments = ["-f", pattern]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus == 0
}
