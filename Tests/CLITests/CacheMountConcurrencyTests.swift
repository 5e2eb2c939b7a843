import Foundation
import Glibc
import Testing

/// Two `swiftbuild build` processes on one store using one cache mount at once, per
/// `sharing`. The first build's step holds the cache until the test creates `go` in it;
/// what the second sees and when it runs is read from files (markers in the cache, the
/// second build's progress output), never from durations.
@Suite("cache mounts across processes", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct CacheMountConcurrencyTests {
    let workspace: BuildWorkspace
    var store: URL { workspace.store }

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
    }

    /// A `swiftbuild build` running in the background, its output in files.
    final class BackgroundBuild {
        let process = Process()
        let standardError: URL

        init(_ dockerfile: String, name: String, in workspace: BuildWorkspace) throws {
            let context = workspace.work.appendingPathComponent("context-\(name)")
            try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
            try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
            standardError = workspace.work.appendingPathComponent("\(name).log")
            FileManager.default.createFile(atPath: standardError.path, contents: nil)
            process.executableURL = SwiftBuildProcess.binary
            process.arguments = ["build", "--root", workspace.store.path, "--progress", "plain", "-t", "\(name):latest", context.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: standardError)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var output: String { (try? String(contentsOf: standardError, encoding: .utf8)) ?? "" }

        /// Waits for the build to end; its exit status.
        func finish() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }

        /// Ends a build the test gave up on (its step is told to stop through `go`).
        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
    }

    /// The store's directory of the cache mount `id` (`cache-mounts/<sha256 of id>/fs`).
    func cacheDirectory(_ id: String) throws -> URL {
        let hex = try ExternalTool.run(["sh", "-c", "printf %s \"$1\" | sha256sum", "sh", id]).prefix(64)
        return store.appendingPathComponent("cache-mounts/\(hex)/fs")
    }

    /// Waits until `condition` holds; false if it did not within a generous bound (a
    /// safety net against a hung build, not a measurement).
    func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<2400 {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func contents(_ file: URL) -> String {
        (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    }

    /// The first build's step: `start` written to the cache's log, then it holds the cache
    /// until `/c/go` exists (bounded, so a failed test cannot leave it running for long).
    func holder(_ id: String, sharing: String) -> String {
        """
        FROM busybox
        RUN --mount=type=cache,id=\(id),target=/c,sharing=\(sharing) echo start-first >> /c/log && \\
            i=0; while [ ! -e /c/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; echo end-first >> /c/log
        """
    }

    /// `sharing=locked`: the second build waits (it says so) while the first holds the
    /// cache, and its step runs only after the first's ended: the markers never interleave.
    @Test func lockedSerialisesTwoBuilds() throws {
        defer { workspace.remove() }
        let cache = try cacheDirectory("locked-across")
        let first = try BackgroundBuild(holder("locked-across", sharing: "locked"), name: "first", in: workspace)
        defer { first.stop() }
        #expect(eventually { contents(cache.appendingPathComponent("log")) == "start-first\n" }, "\(first.output)")
        let second = try BackgroundBuild(
            """
            FROM busybox
            RUN --mount=type=cache,id=locked-across,target=/c,sharing=locked echo start-second >> /c/log && echo end-second >> /c/log
            """, name: "second", in: workspace)
        defer { second.stop() }
        #expect(
            eventually { second.output.contains("waiting for the cache mount 'locked-across' (sharing=locked)") }, "\(second.output)")
        #expect(contents(cache.appendingPathComponent("log")) == "start-first\n")
        FileManager.default.createFile(atPath: cache.appendingPathComponent("go").path, contents: nil)
        #expect(first.finish() == 0, "\(first.output)")
        #expect(second.finish() == 0, "\(second.output)")
        #expect(contents(cache.appendingPathComponent("log")) == "start-first\nend-first\nstart-second\nend-second\n")
    }

    /// `sharing=private`: while the first build holds the cache, the second gets a fresh,
    /// empty directory at once (it ends before the first is let go) and what it writes
    /// there is not kept in the cache.
    @Test func privateGivesTheSecondBuildAFreshDirectory() throws {
        defer { workspace.remove() }
        let cache = try cacheDirectory("private-across")
        let first = try BackgroundBuild(holder("private-across", sharing: "private"), name: "first", in: workspace)
        defer { first.stop() }
        #expect(eventually { contents(cache.appendingPathComponent("log")) == "start-first\n" }, "\(first.output)")
        let second = try BackgroundBuild(
            """
            FROM busybox
            RUN --mount=type=cache,id=private-across,target=/c,sharing=private ls -A /c > /seen && touch /c/by-second
            """, name: "second", in: workspace)
        defer { second.stop() }
        #expect(second.finish() == 0, "\(second.output)")
        #expect(try String(contentsOf: workspace.unpack("second:latest").appendingPathComponent("seen"), encoding: .utf8) == "")
        #expect(contents(cache.appendingPathComponent("log")) == "start-first\n")
        FileManager.default.createFile(atPath: cache.appendingPathComponent("go").path, contents: nil)
        #expect(first.finish() == 0, "\(first.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).sorted() == ["go", "log"])
    }

    /// `sharing=shared`: the second build uses the cache while the first holds it (it sees
    /// the first's marker and ends before the first is let go); both write into it.
    @Test func sharedLetsBothBuildsIn() throws {
        defer { workspace.remove() }
        let cache = try cacheDirectory("shared-across")
        let first = try BackgroundBuild(holder("shared-across", sharing: "shared"), name: "first", in: workspace)
        defer { first.stop() }
        #expect(eventually { contents(cache.appendingPathComponent("log")) == "start-first\n" }, "\(first.output)")
        let second = try BackgroundBuild(
            """
            FROM busybox
            RUN --mount=type=cache,id=shared-across,target=/c cat /c/log > /seen && echo start-second >> /c/log
            """, name: "second", in: workspace)
        defer { second.stop() }
        #expect(second.finish() == 0, "\(second.output)")
        #expect(
            try String(contentsOf: workspace.unpack("second:latest").appendingPathComponent("seen"), encoding: .utf8) == "start-first\n")
        FileManager.default.createFile(atPath: cache.appendingPathComponent("go").path, contents: nil)
        #expect(first.finish() == 0, "\(first.output)")
        #expect(contents(cache.appendingPathComponent("log")) == "start-first\nstart-second\nend-first\n")
    }
}
