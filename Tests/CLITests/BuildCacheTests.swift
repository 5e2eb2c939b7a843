import Foundation
import Testing

/// The build cache: hits for unchanged steps, misses exactly where the input changed,
/// records kept in the store across processes, never trusted without their snapshots.
@Suite("Build cache", .enabled(if: ExternalTool.isRoot, "building needs root"))
struct BuildCacheTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    /// A new context directory with `files` (name to content) and the Dockerfile.
    func makeContext(_ dockerfile: String, files: [String: String]) throws -> URL {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        for (name, content) in files { try Data(content.utf8).write(to: context.appendingPathComponent(name)) }
        return context
    }

    /// Builds `context`; returns the image ID and, per step (in order), whether it was CACHED.
    func build(_ context: URL, _ arguments: [String] = []) throws -> (id: String, cached: [Bool]) {
        let result = try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain", "--jobs", "1"]
                + arguments + [context.path])
        #expect(result.status == 0, "\(result.standardError)")
        var cached: [Bool] = []
        for line in result.standardError.split(separator: "\n") {
            if line.hasSuffix(" CACHED") { cached.append(true) }
            if line.contains(" DONE ") { cached.append(false) }
        }
        return (result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), cached)
    }

    func fileInImage(_ image: String, _ path: String) throws -> String {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
        return try String(contentsOf: bundle.appendingPathComponent("rootfs" + path), encoding: .utf8)
    }

    static let multiStage = """
        FROM busybox AS builder
        WORKDIR /src
        COPY *.txt ./
        RUN cat *.txt > /out
        FROM busybox
        COPY --from=builder /out /out
        LABEL built=yes

        """

    @Test func unchangedRebuildHitsEveryStepAndMakesTheSameImage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = try makeContext(Self.multiStage, files: ["a.txt": "alpha\n", "b.txt": "beta\n"])
        let first = try build(context, ["-t", "cached:1"])
        #expect(first.cached == [false, false, false, false, false])
        let second = try build(context, ["-t", "cached:2"])
        #expect(second.cached == [true, true, true, true, false], "LABEL is not a filesystem step")
        #expect(second.id == first.id)

        // Touching a file (same content) keeps the hits; moving the context does too.
        try ExternalTool.run(["touch", context.appendingPathComponent("a.txt").path])
        let moved = work.appendingPathComponent("moved-context")
        try FileManager.default.moveItem(at: context, to: moved)
        let third = try build(moved)
        #expect(third.cached == [true, true, true, true, false])
        #expect(third.id == first.id)

        let uncached = try build(moved, ["--no-cache"])
        #expect(uncached.cached == [false, false, false, false, false])
    }

    @Test func changedOrRenamedSourcesMissFromTheirStep() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = try makeContext(Self.multiStage, files: ["a.txt": "alpha\n", "b.txt": "beta\n"])
        _ = try build(context, ["-t", "content:1"])
        try Data("ALPHA\n".utf8).write(to: context.appendingPathComponent("a.txt"))
        let changed = try build(context, ["-t", "content:2"])
        #expect(changed.cached == [true, false, false, false, false], "COPY, RUN and the next stage's COPY --from miss")
        #expect(try fileInImage("content:2", "/out") == "ALPHA\nbeta\n")

        try FileManager.default.moveItem(at: context.appendingPathComponent("b.txt"), to: context.appendingPathComponent("c.txt"))
        let renamed = try build(context, ["-t", "content:3"])
        // A renamed file under the wildcard misses; the builder then makes the same /out,
        // so the final stage's COPY --from (keyed by the copied content) hits.
        #expect(renamed.cached == [true, false, false, true, false])
        #expect(try fileInImage("content:3", "/out") == "ALPHA\nbeta\n")
    }

    @Test func aChangedArgMissesFromItsFirstUse() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox
            RUN echo before > /before
            ARG VERSION=1
            COPY a.txt /a.txt
            RUN echo $VERSION > /version
            RUN echo after > /after

            """
        let context = try makeContext(dockerfile, files: ["a.txt": "alpha\n"])
        _ = try build(context)
        // Steps: RUN, ARG (not a filesystem step: never CACHED), COPY, RUN, RUN.
        let same = try build(context, ["--build-arg", "VERSION=1"])
        #expect(same.cached == [true, false, true, true, true])
        let changed = try build(context, ["--build-arg", "VERSION=2", "-t", "arg:2"])
        #expect(changed.cached == [true, false, true, false, false], "the COPY after the ARG hits; RUNs from the first after it miss")
        #expect(try fileInImage("arg:2", "/version") == "2\n")
    }

    @Test func recordsNeedTheirSnapshotsAndPruneDropsThemWithTheCache() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = try makeContext("FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\n", files: ["a.txt": "alpha\n"])
        _ = try build(context, ["-t", "pruned:1"])
        // Plain prune keeps the cache, even for an image that is gone.
        _ = try SwiftBuildProcess.run(["rmi", "--root", store.path, "pruned:1"])
        #expect(try SwiftBuildProcess.run(["prune", "--root", store.path]).status == 0)
        #expect(try build(context).cached == [true, true])

        // A record whose snapshot is gone is not trusted: the step runs again, correctly.
        let cache = store.appendingPathComponent("cache")
        for name in try FileManager.default.contentsOfDirectory(atPath: cache.path) where name.count == 69 {
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: cache.appendingPathComponent(name))) as? [String: Any]
            if let diffID = record?["diffID"] as? String {
                let hex = String(diffID.dropFirst("sha256:".count))
                try? FileManager.default.removeItem(at: store.appendingPathComponent("snapshots/\(hex)"))
            }
        }
        let rebuilt = try build(context, ["-t", "pruned:2"])
        #expect(rebuilt.cached.contains(false))
        #expect(try fileInImage("pruned:2", "/copy") == "alpha\n")

        let pruned = try SwiftBuildProcess.run(["prune", "--build-cache", "--root", store.path])
        #expect(pruned.status == 0)
        #expect(!pruned.standardOutput.contains(" 0 cache records"), "\(pruned.standardOutput)")
        let records = try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("cache").path)
        #expect(records.filter { $0.count == 69 }.isEmpty)
        #expect(try build(context).cached == [false, false])
    }
}
