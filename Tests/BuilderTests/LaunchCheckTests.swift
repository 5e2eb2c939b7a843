import ELF
import Foundation
import Testing

@testable import Builder

/// The launch check on a small root built in a temporary directory: what `execve` of a file
/// in an image would say, never by running it.
@Suite("Launch check (execve of image files)")
struct LaunchCheckTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("launch-\(UUID().uuidString)")
        for sub in ["bin", "usr/bin", "app"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    func write(_ path: String, _ text: String, mode: Int = 0o755) throws {
        let url = directory.appendingPathComponent(path)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }

    /// A static executable for `machine` (`e_machine`), see ``staticELF(machine:)``.
    func writeStaticELF(_ path: String, machine: UInt16) throws {
        let url = directory.appendingPathComponent(path)
        try staticELF(machine: machine).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
    }

    func check(architecture: String = "amd64", path: String = "/bin") -> LaunchCheck {
        let root = ImageRoot(directory.path)
        return LaunchCheck(
            root: root, resolver: DependencyResolver(root: root),
            platform: ImagePlatform(architecture: architecture), environment: ["PATH=\(path)"])
    }

    @Test func shebangLinesAreSplitAsTheKernelDoes() {
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(
            LaunchCheck.content(of: Array("#!/usr/bin/env python3\nprint()".utf8))
                == .script(interpreter: "/usr/bin/env", argument: "python3"))
        #expect(LaunchCheck.content(of: Array("#! /bin/sh -e -u \t\n".utf8)) == .script(interpreter: "/bin/sh", argument: "-e -u"))
        #expect(LaunchCheck.content(of: Array("#!\n".utf8)) == .emptyShebang)
        #expect(LaunchCheck.content(of: [0x7F, 0x45, 0x4C, 0x46, 2]) == .elf)
        #expect(LaunchCheck.content(of: Array("echo hi\n".utf8)) == .other)
    }

    @Test func anAmd64ExecutableInAnArm64ImageIsAnExecFormatError() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeStaticELF("app/tool", machine: 62)
        #expect(check(architecture: "amd64").findings(exec: "/app/tool").isEmpty)
        let findings = check(architecture: "arm64").findings(exec: "/app/tool")
        #expect(findings == ["exec /app/tool: exec format error (an ELFCLASS64 x86_64 file in a linux/arm64 image)"])
    }

    @Test func scriptsNeedTheirInterpreterAndEnvItsProgram() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeStaticELF("bin/sh", machine: 62)
        try writeStaticELF("usr/bin/env", machine: 62)
        try write("app/a.sh", "#!/bin/sh\necho a\n")
        try write("app/b.py", "#!/usr/bin/python3\n")
        try write("app/c.py", "#!/usr/bin/env python3\n")
        try write("app/d.sh", "#!/bin/sh\n", mode: 0o644)
        try write("app/e.txt", "plain text\n")
        let launcher = check(path: "/bin:/usr/bin")
        #expect(launcher.findings(exec: "/app/a.sh").isEmpty)
        #expect(
            launcher.findings(exec: "/app/b.py") == [
                "exec /app/b.py: no such file or directory (its #! interpreter /usr/bin/python3 is missing from the image)"
            ])
        #expect(
            launcher.findings(exec: "/app/c.py") == [
                "/usr/bin/env: 'python3': No such file or directory (/app/c.py runs python3, which is in none of the image's PATH directories /bin:/usr/bin)"
            ])
        #expect(launcher.findings(exec: "/app/d.sh") == ["exec /app/d.sh: permission denied (the file is not executable)"])
        #expect(launcher.findings(exec: "/app/e.txt") == ["exec /app/e.txt: exec format error (neither an ELF file nor a #! script)"])
        #expect(launcher.findings(exec: "/app/none") == ["exec /app/none: no such file or directory"])
        // Once python3 is on PATH, env finds it.
        try writeStaticELF("usr/bin/python3", machine: 62)
        #expect(check(path: "/bin:/usr/bin").findings(exec: "/app/c.py").isEmpty)
    }

    @Test func entrypointProgramsAreLookedUpLikeRuncAndTheShell() {
        defer { try? FileManager.default.removeItem(at: directory) }
        let lookUp: (String) -> String? = { $0 == "sh" ? "/bin/sh" : nil }
        #expect(
            LaunchCheck.programs(argv: ["/app/x", "a"], workingDirectory: nil, lookUp: lookUp)
                == [.init(path: "/app/x", name: "/app/x")])
        #expect(
            LaunchCheck.programs(argv: ["./x"], workingDirectory: "/srv", lookUp: lookUp)
                == [.init(path: "/srv/./x", name: "./x")])
        #expect(LaunchCheck.programs(argv: ["tool"], workingDirectory: nil, lookUp: lookUp) == [.init(path: nil, name: "tool")])
        #expect(
            LaunchCheck.programs(argv: ["/bin/sh", "-c", "exec frob --flag"], workingDirectory: nil, lookUp: lookUp)
                == [.init(path: "/bin/sh", name: "/bin/sh"), .init(path: nil, name: "frob", viaShell: "/bin/sh")])
        // Expansions, quotes and operators make the command word unknowable without a shell: not judged.
        #expect(LaunchCheck.programs(argv: ["/bin/sh", "-c", "$APP --x"], workingDirectory: nil, lookUp: lookUp).count == 1)
        #expect(LaunchCheck.programs(argv: ["/bin/sh", "-c", "echo hi"], workingDirectory: nil, lookUp: lookUp).count == 1)
    }
}
