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

    /// The sha256 of each blob of `store` after decompression (gzip, zstd or none): the
    /// diff ID it would have as a layer.
    func uncompressedDigests(of store: URL) throws -> Set<String> {
        let blobs = store.appendingPathComponent("blobs/sha256")
        var digests: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: blobs.path) {
            let path = blobs.appendingPathComponent(name).path
            let output = try ExternalTool.run([
                "sh", "-c", "{ gzip -dc '\(path)' 2>/dev/null || zstd -dc '\(path)' 2>/dev/null || cat '\(path)'; } | sha256sum"
            ])
            digests.insert(String(output.prefix(64)))
        }
        return digests
    }

    /// A builder stage's layer that no image exports is committed without being hashed:
    /// its diff ID (known from building that stage as the target in another store) names
    /// no snapshot, no snapshot's meta.json records it and no blob of the store unpacks to
    /// it. Building that stage as the target afterwards hits the cache for every step and
    /// makes the image the other store made, byte for byte (same image ID): the diff ID
    /// computed then, lazily, is the one hashing at commit would have given.
    @Test func anUnexportedBuilderLayerIsNeverHashed() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox AS builder
            RUN mkdir /out && echo built-in-the-builder > /out/built.txt && seq 1 2000 > /out/numbers
            FROM busybox
            COPY --from=builder /out/built.txt /copied.txt

            """
        let context = try makeContext(dockerfile, files: [:])
        let epoch = ["SOURCE_DATE_EPOCH": "1700000000"]
        func build(_ store: URL, _ arguments: [String]) throws -> String {
            let result = try SwiftBuildProcess.run(
                ["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path], environment: epoch)
            #expect(result.status == 0, "\(result.standardError)")
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // The builder's layer as an image exports it, from a store of its own.
        // A copy of the store as it is, with the same base (make-busybox-base makes a new
        // one, with other times, each time).
        let other = work.appendingPathComponent("other-store")
        try FileManager.default.copyItem(at: store, to: other)
        let builderID = try build(other, ["--target", "builder", "-t", "builder:exported"])
        let builderLayer = try #require(try diffIDs(of: "builder:exported", in: other).last?.dropFirst("sha256:".count))
            .description
        #expect(try uncompressedDigests(of: other).contains(builderLayer))

        // The multi-stage build: the builder's layer is made and used, never hashed.
        _ = try build(store, ["-t", "final:1"])
        let snapshots = store.appendingPathComponent("snapshots")
        let names = try FileManager.default.contentsOfDirectory(atPath: snapshots.path)
        #expect(!names.contains(builderLayer), "the builder's snapshot is named by its diff ID")
        for name in names {
            let meta = try String(contentsOf: snapshots.appendingPathComponent("\(name)/meta.json"), encoding: .utf8)
            #expect(!meta.contains(builderLayer), "\(name)/meta.json records the builder's diff ID: \(meta)")
        }
        #expect(names.contains { FileManager.default.fileExists(atPath: snapshots.appendingPathComponent("\($0)/fs/out/built.txt").path) })
        #expect(try !uncompressedDigests(of: store).contains(builderLayer), "a blob of the builder's layer is in the store")
        #expect(try fileInImage("final:1", "/copied.txt") == "built-in-the-builder\n")

        // Exported later: every step hits, the diff ID is computed then, and the image is the other store's.
        let later = try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain", "--target", "builder", "-t", "builder:later", context.path],
            environment: epoch)
        #expect(later.status == 0, "\(later.standardError)")
        #expect(later.standardError.contains(" CACHED") && !later.standardError.contains(" DONE "), "\(later.standardError)")
        #expect(later.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == builderID)
        #expect(try uncompressedDigests(of: store).contains(builderLayer), "the export stored the builder's layer")
    }

    /// Steps write their layers through volatile overlays (no sync per step), and a build
    /// does not wait for them either: it leaves its snapshots marked with this boot and
    /// listed in the store's `unsynced` journal, and the next build syncs them and drops
    /// the marks. A snapshot still marked with another boot (the machine restarted before a
    /// build synced it; a crash may have lost part of it) is never used: its steps run
    /// again and make the same files.
    @Test func snapshotsWrittenInAnEarlierBootAreUsedOnlyOnceSynced() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = try makeContext(Self.multiStage, files: ["a.txt": "alpha\n", "b.txt": "beta\n"])
        let first = try build(context, ["-t", "synced:1"])
        let snapshots = store.appendingPathComponent("snapshots")
        let journal = store.appendingPathComponent("unsynced")
        let boot = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // Snapshot directories (not the diff-ID aliases) marked with this boot.
        func marked() throws -> Set<String> {
            Set(
                try FileManager.default.contentsOfDirectory(atPath: snapshots.path).filter { name in
                    let directory = snapshots.appendingPathComponent(name)
                    guard (try? FileManager.default.destinationOfSymbolicLink(atPath: directory.path)) == nil else { return false }
                    let meta = directory.appendingPathComponent("meta.json")
                    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: meta)) as? [String: Any]
                    return object?["unsyncedBoot"] as? String == boot
                })
        }
        func journaled() -> Set<String> {
            Set(((try? String(contentsOf: journal, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init))
        }
        let leftByFirst = try marked()
        #expect(!leftByFirst.isEmpty, "the first build's step snapshots stay marked")
        #expect(journaled() == leftByFirst)

        #expect(try build(context, ["-t", "synced:2"]).cached == [true, true, true, true, false])
        #expect(try marked().isDisjoint(with: leftByFirst), "the second build synced the first one's snapshots")
        #expect(journaled() == (try marked()), "what the second build left is journaled")
        let metas = try FileManager.default.contentsOfDirectory(atPath: snapshots.path).map {
            snapshots.appendingPathComponent("\($0)/meta.json")
        }

        // As a build that stopped before its sync, then a restart, leave them.
        for meta in metas {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: meta)) as? [String: Any])
            object["unsyncedBoot"] = "00000000-0000-0000-0000-000000000000"
            try JSONSerialization.data(withJSONObject: object).write(to: meta)
        }
        let again = try build(context, ["-t", "synced:3"])
        #expect(again.cached == [false, false, false, false, false], "a step used a snapshot of another boot")
        #expect(again.id != first.id, "the steps that ran again have new creation times")
        #expect(try fileInImage("synced:3", "/out") == "alpha\nbeta\n")
    }

    /// The journal of unsynced snapshots names snapshot directories, never paths: a line
    /// that climbs out of `snapshots/` (as a tampered store might hold) is skipped by the
    /// build that syncs the journal, and the `meta.json` it leads to (a sentinel outside the
    /// store, marked with this boot) is left as it was.
    @Test func theUnsyncedJournalNeverLeadsOutOfTheStore() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = try makeContext(Self.multiStage, files: ["a.txt": "alpha\n", "b.txt": "beta\n"])
        _ = try build(context, ["-t", "journal:1"])
        let boot = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let outside = work.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let sentinel = outside.appendingPathComponent("meta.json")
        let planted = Data(#"{"unsyncedBoot":"\#(boot)"}"#.utf8)
        try planted.write(to: sentinel)
        let journal = store.appendingPathComponent("unsynced")
        let handle = try FileHandle(forWritingTo: journal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("../../outside\n\(String(repeating: "0", count: 62))/..\n".utf8))
        try handle.close()

        #expect(try build(context, ["-t", "journal:2"]).cached == [true, true, true, true, false])
        #expect(try Data(contentsOf: sentinel) == planted, "the sync rewrote a file outside the store")
        // Taken by the sync and not put back (the journal is gone unless the build left names).
        #expect(!((try? String(contentsOf: journal, encoding: .utf8)) ?? "").contains(".."), "the bad lines went back")
    }

    /// A layer the image holds is packed in the background after its step, under the
    /// step's snapshot; its diff ID then names an alias of that snapshot, so a build `FROM`
    /// the image uses the snapshot as it is instead of unpacking the blob again. Pruning the
    /// build cache keeps what the image's layers need; the store stays consistent.
    @Test func aBuiltImagesLayersServeABuildFromIt() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let base = try makeContext("FROM busybox\nRUN echo packed-later > /a\n", files: [:])
        _ = try build(base, ["-t", "base:1"])
        let layer = try #require(try diffIDs(of: "base:1", in: store).last?.dropFirst("sha256:".count)).description
        let alias = store.appendingPathComponent("snapshots/\(layer)")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: alias.path)
        #expect(target.count == 64 && target != layer, "the layer's snapshot keeps its step's name")
        #expect(try String(contentsOf: alias.appendingPathComponent("fs/a"), encoding: .utf8) == "packed-later\n")

        let derived = try makeContext("FROM base:1\nRUN cat /a > /b\n", files: [:])
        _ = try build(derived, ["-t", "derived:1"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: alias.path) == target, "the blob was unpacked again")
        #expect(try fileInImage("derived:1", "/b") == "packed-later\n")

        let pruned = try SwiftBuildProcess.run(["prune", "--root", store.path, "--build-cache"])
        #expect(pruned.status == 0, "\(pruned.standardError)")
        #expect(FileManager.default.fileExists(atPath: alias.appendingPathComponent("fs/a").path), "prune took base:1's snapshot")
        _ = try ExternalTool.run([repositoryRoot.appendingPathComponent("scripts/verify-store").path, store.path])
        let again = try makeContext("FROM base:1\nRUN cat /a > /c\n", files: [:])
        _ = try build(again, ["-t", "again:1"])
        #expect(try fileInImage("again:1", "/c") == "packed-later\n")
    }

    /// The `rootfs.diff_ids` of the image tagged `name` (its `ref.name`) in `store`.
    func diffIDs(of name: String, in store: URL) throws -> [String] {
        func json(_ url: URL) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }
        func blob(_ digest: String) -> URL {
            store.appendingPathComponent("blobs/sha256/" + digest.dropFirst("sha256:".count))
        }
        let index = try json(store.appendingPathComponent("index.json"))
        let entries = try #require(index["manifests"] as? [[String: Any]])
        let entry = try #require(entries.first { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == name })
        let manifest = try json(blob(try #require(entry["digest"] as? String)))
        let config = try json(blob(try #require((manifest["config"] as? [String: Any])?["digest"] as? String)))
        return try #require((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
    }
}
