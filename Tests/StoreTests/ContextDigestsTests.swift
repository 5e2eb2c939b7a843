import Foundation
import OCI
import Store
import Testing

/// The context digest memo is a file the store knows: builds replace it through the store,
/// it is not a cache record, and prune keeps it.
@Suite("Context digest memo")
struct ContextDigestsTests {
    struct Refused: Error {}

    let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")

    func temporaryEntries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path)
    }

    @Test func replacedWholeThroughTheStoreAndKeptByPrune() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try ImageStore(root: root)
        #expect(store.contextDigestsFile.path == root.appendingPathComponent("cache/context-digests.json").path)
        try store.replaceContextDigests { path in
            #expect(path.hasPrefix(root.appendingPathComponent("tmp").path + "/"))
            try Data("first".utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(try String(contentsOf: store.contextDigestsFile, encoding: .utf8) == "first")
        #expect(try temporaryEntries().isEmpty)

        // A write that fails leaves the memo as it was and nothing in tmp/.
        #expect(throws: Refused.self) {
            try store.replaceContextDigests { path in
                try Data("half".utf8).write(to: URL(fileURLWithPath: path))
                throw Refused()
            }
        }
        #expect(try String(contentsOf: store.contextDigestsFile, encoding: .utf8) == "first")
        #expect(try temporaryEntries().isEmpty)

        // Dropping the whole build cache removes the records, not the memo.
        try store.recordCache(CacheRecord(snapshot: nil, created: nil), for: Digest.sha256(Array("step".utf8)))
        let report = try store.prune(buildCache: true)
        #expect(report.cacheRecords == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("cache").path) == ["context-digests.json"])
        #expect(try String(contentsOf: store.contextDigestsFile, encoding: .utf8) == "first")
    }
}
