import Foundation
import Testing

/// swiftbuild moves itself into a private mount namespace at startup: the overlay of a
/// running step is in swiftbuild's mount table, and neither in the table of the namespace
/// it was started from (this test process's) nor in PID 1's.
@Suite("The CLI's private mount namespace", .enabled(if: ExternalTool.isRoot, "RUN needs root for namespaces and overlay mounts"))
struct MountNamespaceTests {
    @Test func aRunningStepsOverlayIsNeverVisibleOnTheHost() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM busybox\nRUN sleep 4322\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "--root", store.path, "--progress", "plain", context.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Wait (bounded) until swiftbuild has the step's overlay mounted.
        let ownTable = "/proc/\(process.processIdentifier)/mountinfo"
        func overlays(in table: String) -> [String] {
            ((try? String(contentsOfFile: table, encoding: .utf8)) ?? "").split(separator: "\n")
                .filter { $0.contains(" - overlay ") && $0.contains(store.path) }.map(String.init)
        }
        var mounted: [String] = []
        for _ in 0..<600 where mounted.isEmpty {
            mounted = overlays(in: ownTable)
            if mounted.isEmpty { usleep(100_000) }
        }
        #expect(!mounted.isEmpty, "the step's overlay never appeared in swiftbuild's mount table")
        let ownNamespace = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(process.processIdentifier)/ns/mnt")
        #expect(try ownNamespace != FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt"))
        #expect(overlays(in: "/proc/self/mountinfo").isEmpty, "an overlay of the build is visible where swiftbuild was started")
        #expect(overlays(in: "/proc/1/mountinfo").isEmpty, "an overlay of the build is visible on the host")

        process.terminate()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 143)
        for table in ["/proc/self/mountinfo", "/proc/1/mountinfo"] {
            #expect(try String(contentsOfFile: table, encoding: .utf8).contains(store.path) == false, "\(table)")
        }
    }
}
