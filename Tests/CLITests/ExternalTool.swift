import Foundation

/// Runs the real tools the end-to-end tests compare against (umoci, skopeo, podman, ...).
enum ExternalTool {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: Int32
        var output: String
        var description: String { "`\(command)` exited \(status): \(output)" }
    }

    /// Runs `arguments` (the first is looked up on PATH) and returns its standard output;
    /// throws with the combined output when it exits non-zero.
    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let out = String(decoding: outData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(
                command: arguments.joined(separator: " "), status: process.terminationStatus,
                output: out + String(decoding: errData, as: UTF8.self))
        }
        return out
    }

    /// Runs `arguments` like ``run(_:in:)`` but returns the exit status and the combined
    /// output instead of throwing: for commands a test expects to fail.
    static func status(_ arguments: [String]) throws -> (status: Int32, output: String) {
        do {
            return (0, try run(arguments))
        } catch let failure as Failure {
            return (failure.status, failure.output)
        }
    }

    /// True when running as root, which unpacking layers with devices and owners needs.
    static var isRoot: Bool { geteuid() == 0 }
}

/// A static-busybox OCI image made with umoci, with files whose modes and owners the
/// round-trip tests check: `/etc/motd` 0640 owned by 1000:1000, a setuid file, a sticky
/// `/tmp`, symlinks and a hard link.
enum BusyboxFixture {
    /// Creates the layout at `directory/layout` with the image tagged `busybox`.
    static func makeLayout(in directory: URL) throws -> URL {
        let layout = directory.appendingPathComponent("layout")
        let bundle = directory.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "init", "--layout", layout.path])
        try ExternalTool.run(["umoci", "new", "--image", "\(layout.path):busybox"])
        try ExternalTool.run(["umoci", "unpack", "--image", "\(layout.path):busybox", bundle.path])
        let rootfs = bundle.appendingPathComponent("rootfs").path
        try ExternalTool.run([
            "sh", "-c",
            """
            set -e
            cd '\(rootfs)'
            mkdir -p bin etc tmp usr/local/bin
            cp /bin/busybox bin/busybox
            for applet in sh cat ls echo stat; do ln -s busybox bin/$applet; done
            echo hello from busybox > etc/motd
            chown 1000:1000 etc/motd && chmod 0640 etc/motd
            printf '#!/bin/sh\\necho setuid\\n' > usr/local/bin/tool && chmod 4755 usr/local/bin/tool
            ln usr/local/bin/tool usr/local/bin/tool-hardlink
            chmod 1777 tmp
            """
        ])
        try ExternalTool.run(["umoci", "repack", "--image", "\(layout.path):busybox", bundle.path])
        try ExternalTool.run(["umoci", "config", "--image", "\(layout.path):busybox", "--config.cmd", "/bin/sh"])
        return layout
    }
}

/// A recursive listing of a directory: for each path, its type, mode, owner and content
/// digest (or link target), so two unpacked images can be compared entry by entry.
enum TreeListing {
    static func of(_ root: URL) throws -> [String: String] {
        var listing: [String: String] = [:]
        let output = try ExternalTool.run(["find", ".", "-mindepth", "1", "-printf", "%P\\t%y\\t%#m\\t%U:%G\\t%l\\n"], in: root)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            var description = fields[1...].joined(separator: " ")
            if fields[1] == "f" {
                description += " " + (try ExternalTool.run(["sha256sum", fields[0]], in: root).prefix(64))
            }
            listing[fields[0]] = description
        }
        return listing
    }
}

extension ExternalTool {
    /// Makes (or finds cached) the test bases `names` with scripts/oracle/bases and returns
    /// their directory, or the failure: what a suite's `static let` holds, so the bases are
    /// made once per test process even when its tests start at once.
    static func testBases(_ names: [String]) -> Result<String, Failure> {
        let command = [repositoryRoot.appendingPathComponent("scripts/oracle/bases").path] + names
        do {
            return .success(try run(command).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(Failure(command: command.joined(separator: " "), status: -1, output: "\(error)"))
        }
    }
}
