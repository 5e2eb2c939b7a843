import Foundation
import Glibc
import Store
import Testing

/// Cache mounts in the store: one directory per identity, made once (by `create`, under a
/// temporary name), nothing half-made left by a failed `create`; and what `prune` says
/// they hold and free.
@Suite("Cache mounts in the store")
struct CacheMountStoreTests {
    struct Refused: Error {}

    let work = FileManager.default.temporaryDirectory.appendingPathComponent("cache-mounts-\(UUID().uuidString)")
    var root: URL { work.appendingPathComponent("store") }

    func names(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
    }

    @Test func aCacheIsMadeOnceAndAFailedMakeLeavesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let store = try ImageStore(root: root)
        var made = 0
        let first = try #require(
            try await store.cacheMount(identity: "go", access: .shared) { directory in
                made += 1
                try Data("seed\n".utf8).write(to: directory.appendingPathComponent("f"))
            })
        first.release()
        let again = try #require(
            try await store.cacheMount(identity: "go", access: .exclusive) { _ in made += 1 })
        #expect(try String(contentsOf: again.directory.appendingPathComponent("f"), encoding: .utf8) == "seed\n")
        again.release()
        #expect(made == 1)

        await #expect(throws: Refused.self) {
            _ = try await store.cacheMount(identity: "go\u{0}seed", access: .shared) { directory in
                try Data("half".utf8).write(to: directory.appendingPathComponent("f"))
                throw Refused()
            }
        }
        // What a killed maker left is removed by the next one.
        let hex = try #require(
            names(root.appendingPathComponent("cache-mounts")).first { $0 != first.directory.deletingLastPathComponent().lastPathComponent }
        )
        let stale = root.appendingPathComponent("cache-mounts/\(hex)/fs.new-stale")
        try FileManager.default.createDirectory(at: stale.appendingPathComponent("inner"), withIntermediateDirectories: true)
        let remade = try #require(try await store.cacheMount(identity: "go\u{0}seed", access: .shared) { _ in })
        remade.release()
        #expect(names(root.appendingPathComponent("cache-mounts/\(hex)")) == ["create.lock", "fs", "lock"])
        let entries = names(root.appendingPathComponent("cache-mounts"))
        #expect(entries.count == 2)
        for entry in entries {
            let inside = names(root.appendingPathComponent("cache-mounts/\(entry)"))
            #expect(inside == ["create.lock", "fs", "lock"] || inside == ["create.lock", "lock"], "\(inside)")
        }
    }

    /// `exclusiveIfFree` gives up at once while another holder has the cache.
    @Test func anExclusiveIfFreeHolderGivesUpWhileTheCacheIsHeld() async throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let store = try ImageStore(root: root)
        let holder = try #require(try await store.cacheMount(identity: "p", access: .shared) { _ in })
        #expect(try await store.cacheMount(identity: "p", access: .exclusiveIfFree) { _ in } == nil)
        holder.release()
        let free = try #require(try await store.cacheMount(identity: "p", access: .exclusiveIfFree) { _ in })
        free.release()
    }

    /// Prune counts a cache mount's allocated blocks, a file with two links once, and never
    /// what a symlink in it points at; it keeps cache mounts unless `buildCache`, and says
    /// what they hold either way.
    @Test func pruneCountsACacheMountsOwnBlocks() async throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let outside = work.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 1 << 20).write(to: outside.appendingPathComponent("big"))
        let store = try ImageStore(root: root)
        let lease = try #require(
            try await store.cacheMount(identity: "c", access: .shared) { directory in
                try Data(repeating: 1, count: 100_000).write(to: directory.appendingPathComponent("data"))
                #expect(link(directory.appendingPathComponent("data").path, directory.appendingPathComponent("again").path) == 0)
                try FileManager.default.createSymbolicLink(
                    atPath: directory.appendingPathComponent("out").path, withDestinationPath: outside.path)
            })
        lease.release()
        let kept = try store.prune()
        #expect(kept.cacheMounts == 0 && kept.keptCacheMounts == 1)
        #expect(kept.keptCacheMountBytes >= 100_000 && kept.keptCacheMountBytes < 200_000, "\(kept.keptCacheMountBytes)")
        let pruned = try store.prune(buildCache: true)
        #expect(pruned.cacheMounts == 1 && pruned.keptCacheMounts == 0)
        #expect(pruned.cacheMountBytes == kept.keptCacheMountBytes)
        #expect(pruned.bytes == pruned.unreferencedBytes + pruned.buildCacheBytes + pruned.cacheMountBytes + pruned.workspaceBytes)
        #expect(names(root.appendingPathComponent("cache-mounts")).isEmpty)
        #expect(names(outside) == ["big"])
    }
}
