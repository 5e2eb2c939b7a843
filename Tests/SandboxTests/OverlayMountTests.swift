import Foundation
import Testing

@testable import Sandbox

@Suite("Overlay mounts", .enabled(if: isRoot, "mounting needs root"))
struct OverlayMountTests {
    /// The type, device number and xattrs of every entry under `root` (read with Python:
    /// Glibc's Swift module has no `llistxattr`).
    static func describe(_ root: String) throws -> [String: String] {
        let script = """
            import os, stat, sys
            root = sys.argv[1]
            for directory, names, files in os.walk(root):
                for name in sorted(names + files):
                    path = os.path.join(directory, name)
                    info = os.lstat(path)
                    if stat.S_ISDIR(info.st_mode): kind = "dir"
                    elif stat.S_ISREG(info.st_mode): kind = "file"
                    elif stat.S_ISCHR(info.st_mode): kind = "char %d:%d" % (os.major(info.st_rdev), os.minor(info.st_rdev))
                    else: kind = "other"
                    for key in sorted(os.listxattr(path, follow_symlinks=False)):
                        kind += " %s=%s" % (key, os.getxattr(path, key, follow_symlinks=False).decode())
                    print("%s\t%s" % (os.path.relpath(path, root), kind))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, root]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            result[fields[0]] = fields.count > 1 ? fields[1] : ""
        }
        return result
    }

    @Test("a step over two lowers: the upper dir is exactly the diff")
    func upperIsTheDiff() async throws {
        let scratch = try Scratch()
        let bottom = try scratch.directory("bottom")
        try TestRoot.busyboxWithMountPoints(at: bottom)
        try FileManager.default.createDirectory(atPath: bottom + "/dir/sub", withIntermediateDirectories: true)
        try Data("a".utf8).write(to: URL(fileURLWithPath: bottom + "/dir/a"))
        try Data("b".utf8).write(to: URL(fileURLWithPath: bottom + "/dir/sub/b"))
        let top = try scratch.directory("top")
        try FileManager.default.createDirectory(atPath: top + "/dir", withIntermediateDirectories: true)
        try Data("victim".utf8).write(to: URL(fileURLWithPath: top + "/victim"))
        try Data("c".utf8).write(to: URL(fileURLWithPath: top + "/dir/c"))
        let upper = try scratch.directory("upper")
        let work = try scratch.directory("work")
        let merged = try scratch.directory("merged")

        try OverlayMount.mount(
            lowerDirectories: [top, bottom], upperDirectory: upper, workDirectory: work,
            target: merged)
        let result: StepResult
        do {
            result = try await runStep(
                shell("rm /victim && rm -rf /dir && mkdir /dir && echo new > /dir/new && ls /dir", in: merged),
                scratch: scratch)
        } catch {
            try OverlayMount.unmount(merged)
            throw error
        }
        try OverlayMount.unmount(merged)

        #expect(result.status == .exited(0))
        #expect(result.output == "new\n")
        #expect(
            try Self.describe(upper) == [
                "victim": "char 0:0",
                "dir": "dir trusted.overlay.opaque=y",
                "dir/new": "file"
            ])
        // The work dir (removed by its owner after the step) keeps overlay's shared whiteout
        // inode, work/#N, hard-linked to the whiteout in the upper dir, and the mark of a
        // volatile mount (work/incompat/volatile and its dirty file: the upper dir was not
        // synced at unmount); nothing else.
        let workTree = try tree(work)
        #expect(
            workTree.allSatisfy {
                $0 == "work" || $0.hasPrefix("work/#") || $0 == "work/incompat" || $0.hasPrefix("work/incompat/volatile")
            },
            "work dir: \(workTree)")
        #expect(workTree.contains("work/incompat/volatile"), "not mounted volatile: \(workTree)")
        #expect(try mounts(under: scratch.path).isEmpty)
    }

    @Test("more lower directories than one page of mount(2) options can name")
    func manyLowers() throws {
        let scratch = try Scratch()
        let prefix = String(repeating: "long-layer-directory-name-", count: 3)
        var lowers: [String] = []
        for index in 0..<120 {
            let lower = try scratch.directory("\(prefix)\(index)")
            try Data("\(index)".utf8).write(to: URL(fileURLWithPath: lower + "/layer-\(index)"))
            lowers.append(lower)
        }
        #expect(lowers.joined(separator: ":").utf8.count > 4096)
        let merged = try scratch.directory("merged")
        try OverlayMount.mount(
            lowerDirectories: lowers, upperDirectory: try scratch.directory("upper"),
            workDirectory: try scratch.directory("work"), target: merged)
        let entries = try FileManager.default.contentsOfDirectory(atPath: merged)
        try OverlayMount.unmount(merged)
        #expect(entries.count == 120)
        #expect(try mounts(under: scratch.path).isEmpty)
    }

    @Test("the mount(2) fallback mounts the same overlay")
    func classicMount() throws {
        let scratch = try Scratch()
        let top = try scratch.directory("top")
        let bottom = try scratch.directory("bottom")
        try Data("top".utf8).write(to: URL(fileURLWithPath: top + "/file"))
        try Data("bottom".utf8).write(to: URL(fileURLWithPath: bottom + "/file"))
        try Data("only".utf8).write(to: URL(fileURLWithPath: bottom + "/other"))
        let merged = try scratch.directory("merged")
        try OverlayMount.mountClassic(
            lowerDirectories: [top, bottom], upperDirectory: try scratch.directory("upper"),
            workDirectory: try scratch.directory("work"), target: merged)
        let file = try String(contentsOfFile: merged + "/file", encoding: .utf8)
        let other = try String(contentsOfFile: merged + "/other", encoding: .utf8)
        let options = try mounts(under: merged).joined()
        try OverlayMount.unmount(merged)
        #expect(file == "top" && other == "only")
        #expect(options.contains("redirect_dir=off") || !options.contains("redirect_dir=on"))
        #expect(try mounts(under: scratch.path).isEmpty)
    }

    @Test("no lower directory (FROM scratch): the upper dir itself")
    func scratchImage() throws {
        let scratch = try Scratch()
        let upper = try scratch.directory("upper")
        let merged = try scratch.directory("merged")
        try OverlayMount.mount(
            lowerDirectories: [], upperDirectory: upper, workDirectory: try scratch.directory("work"),
            target: merged)
        try Data("x".utf8).write(to: URL(fileURLWithPath: merged + "/written"))
        try OverlayMount.unmount(merged)
        #expect(try tree(upper) == ["written"])
        #expect(try mounts(under: scratch.path).isEmpty)
    }

    @Test("errors name the step, the target and the kernel's explanation")
    func errors() throws {
        let scratch = try Scratch()
        let error = #expect(throws: SandboxError.self) {
            try OverlayMount.mount(
                lowerDirectories: [scratch.path + "/missing"], upperDirectory: scratch.path,
                workDirectory: scratch.path, target: scratch.path)
        }
        #expect(error?.description.contains("lowerdir+") == true)
        #expect(error?.description.contains("ENOENT") == true)
        #expect(throws: SandboxError.self) { try OverlayMount.unmount(scratch.path) }
    }
}
