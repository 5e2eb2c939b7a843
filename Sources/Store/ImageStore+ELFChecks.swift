import Foundation
import OCI

extension ImageStore {
    /// Where builds keep the ELF check of the final image they made, so that the next build
    /// of the same Dockerfile checks again only what its new layers can change:
    /// `cache/elf-checks/<name hex>.json`, one file per Dockerfile and target. Its format is
    /// the builder's and it is only a shortcut (a file that cannot be read is ignored). It
    /// holds no content; `prune --build-cache` removes it with the build cache.
    var elfChecksDirectory: URL { cacheDirectory.appendingPathComponent("elf-checks") }

    /// The most a record may hold; a larger file is not read.
    static let elfCheckRecordLimit = 16 << 20

    /// The record named `name`, nil when there is none or it cannot be read.
    public func elfCheckRecord(named name: Digest) -> Data? {
        let url = elfChecksDirectory.appendingPathComponent(name.hex + ".json")
        guard let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int,
            size <= Self.elfCheckRecordLimit
        else { return nil }
        return try? Data(contentsOf: url)
    }

    /// Replaces the record named `name` with `data`: written under a new name in `tmp/`,
    /// then renamed into place, so a reader sees the old record or the new one, whole.
    public func replaceELFCheckRecord(named name: Digest, with data: Data) throws {
        if mkdir(elfChecksDirectory.path, 0o700) != 0 && errno != EEXIST {
            throw StoreError.io(path: elfChecksDirectory.path, operation: "create the ELF check records' directory", errno: errno)
        }
        let staged = temporaryDirectory.appendingPathComponent("elf-check-\(UUID().uuidString.prefix(8)).json")
        let target = elfChecksDirectory.appendingPathComponent(name.hex + ".json")
        do {
            try data.write(to: staged)
            guard rename(staged.path, target.path) == 0 else {
                throw StoreError.io(path: target.path, operation: "replace an ELF check record", errno: errno)
            }
        } catch {
            unlink(staged.path)
            throw error
        }
    }
}
