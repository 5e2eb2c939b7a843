import Foundation
import OCI
import System

/// What one build step left behind, filed under the step's cache key in `cache/<key hex>.json`.
public struct CacheRecord: Codable, Sendable, Equatable {
    /// The name of the snapshot of the layer the step made (`snapshots/<name hex>`): the
    /// layer's diff ID when it was packed or unpacked, a random name for a layer committed
    /// unhashed; nil when the step changed no file. It is stored under the key `diffID`,
    /// as earlier versions (which named every snapshot by its diff ID) wrote it, so their
    /// records keep working and an earlier version reading a newer record finds its
    /// snapshot (it then fails, rather than build a wrong image, if it exports that layer:
    /// the snapshot does not pack to the diff ID it takes the name for).
    public var snapshot: Digest?
    /// When the step first ran, RFC 3339: a hit reuses it, so an unchanged build makes the same image.
    public var created: String?

    public init(snapshot: Digest?, created: String?) {
        self.snapshot = snapshot
        self.created = created
    }

    private enum CodingKeys: String, CodingKey {
        case snapshot = "diffID"
        case created
    }
}

extension ImageStore {
    private func cacheRecordURL(for key: Digest) -> URL {
        cacheDirectory.appendingPathComponent(key.hex + ".json")
    }

    /// The record filed under `key`, when there is one whose layer's snapshot is on disk;
    /// a record without its snapshot, or one that cannot be read, is never trusted.
    public func cacheRecord(for key: Digest) -> CacheRecord? {
        guard let data = try? Data(contentsOf: cacheRecordURL(for: key)),
            let record = try? JSONDecoder().decode(CacheRecord.self, from: data)
        else { return nil }
        if let snapshot = record.snapshot, !hasSnapshot(snapshot) { return nil }
        return record
    }

    /// Notes that a step used the record filed under `key` (a cache hit): its file's
    /// modification time is its last use, which a budgeted prune and the automatic garbage
    /// collection remove least recent first. Runs under the build's content lease, so no
    /// prune reads the time meanwhile; a record that is gone is no error.
    public func noteCacheRecordUsed(_ key: Digest) {
        utimensat(AT_FDCWD, cacheRecordURL(for: key).path, nil, 0)
    }

    /// Files `record` under `key`, replacing any earlier record atomically.
    public func recordCache(_ record: CacheRecord, for key: Digest) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(record))
        let path = cacheRecordURL(for: key).path
        // Written beside the record, then renamed over it: readers see the old or the new.
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do throws(SystemError) {
            let file = try FileDescriptor(
                opening: open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666), "write cache record")
            do throws(SystemError) {
                try bytes.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeAll(file.rawValue, raw) } }.get()
                try file.close()
                guard rename(temporary, path) == 0 else { throw .last("write cache record") }
            } catch {
                unlink(temporary)
                throw error
            }
        } catch {
            throw StoreError.io(path: path, operation: "write cache record", errno: error.code)
        }
    }

    /// Every cache record's file name (its key: `<64 lowercase hex digits>.json`) and
    /// content; unreadable records read as nil. The context digest memo
    /// (``contextDigestsFile``) is not a record, and neither is a name that is not a key.
    func cacheRecords() -> [(name: String, record: CacheRecord?)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory.path)) ?? []
        return names.filter { name in
            name != Self.contextDigestsName && Self.isCacheRecordName(name)
        }.map { name in
            let data = try? Data(contentsOf: cacheDirectory.appendingPathComponent(name))
            return (name, data.flatMap { try? JSONDecoder().decode(CacheRecord.self, from: $0) })
        }
    }

    /// Whether `name` is what ``cacheRecordURL(for:)`` makes of a key: a sha256 in hex.
    private static func isCacheRecordName(_ name: String) -> Bool {
        guard name.hasSuffix(".json") else { return false }
        let hex = name.dropLast(".json".count)
        return hex.utf8.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
