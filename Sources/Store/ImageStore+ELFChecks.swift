import Foundation
import OCI

extension ImageStore {
    /// Where builds keep the ELF check of the final image they made, so that the next build
    /// of the same Dockerfile checks again only what its new layers can change:
    /// `cache/elf-checks/<name hex>.json`, one file per context directory, Dockerfile,
    /// target and platform. Its format is the builder's and it is only a shortcut (a file
    /// that cannot be read is ignored). It holds no content; `prune --build-cache` removes
    /// it with the build cache.
    var elfChecksDirectory: URL { cacheDirectory.appendingPathComponent("elf-checks") }

    /// The most a record may hold; a larger file is not read.
    static let elfCheckRecordLimit = 16 << 20

    /// The record named `name`, nil when there is none or it cannot be read: only a regular
    /// file (no link followed, no FIFO opened for reading) of at most
    /// ``elfCheckRecordLimit`` bytes is read.
    public func elfCheckRecord(named name: Digest) -> Data? {
        let path = elfChecksDirectory.appendingPathComponent(name.hex + ".json").path
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_size <= Self.elfCheckRecordLimit
        else { return nil }
        return try? file.readToEnd()
    }

    /// Replaces the record named `name` with `data`: written under a new name in `tmp/`,
    /// then renamed into place, so a reader sees the old record or the new one, whole.
    public func replaceELFCheckRecord(named name: Digest, with data: Data) throws {
        // One too large to be read again is not written.
        guard data.count <= Self.elfCheckRecordLimit else { return }
        if mkdir(elfChecksDirectory.path, 0o700) != 0 && errno != EEXIST {
            throw StoreError.io(path: elfChecksDirectory.path, operation: "create the ELF check records' directory", errno: errno)
        }
        try replaceFile(
            elfChecksDirectory.appendingPathComponent(name.hex + ".json"), staging: "elf-check",
            operation: "replace an ELF check record"
        ) { staged in try data.write(to: URL(fileURLWithPath: staged)) }
    }
}
