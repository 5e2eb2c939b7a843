import Glibc

extension OCILayout {
    /// The path of the blob with `digest`: `blobs/<algorithm>/<hex>`. Throws when the digest
    /// is not a well-formed sha256 or sha512 digest, so that no path can leave `blobs/`.
    public func blobPath(for digest: Digest) throws(OCIError) -> String {
        do {
            _ = try Digest(parsing: digest.description)
        } catch {
            throw .invalidDigest(error)
        }
        return "\(root)/blobs/\(digest.algorithm)/\(digest.hex)"
    }

    /// True when the layout holds a blob file for `digest` (its content is not checked).
    public func hasBlob(_ digest: Digest) -> Bool {
        guard let path = try? blobPath(for: digest) else { return false }
        return FileIO.isRegularFile(path)
    }

    /// The size of the stored blob with `digest`, or nil when it is not a regular file here.
    public func blobSize(_ digest: Digest) -> Int64? {
        guard let path = try? blobPath(for: digest) else { return nil }
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(status.st_size)
    }

    /// Reads the blob `descriptor` names into memory, verifying its size and digest.
    /// Meant for JSON documents; layers should be streamed instead.
    /// - Parameter maxSize: refuse descriptors larger than this many bytes.
    /// - Throws: ``OCIError/blobTooLarge(digest:size:limit:)``,
    ///   ``OCIError/blobMissing(digest:path:)``,
    ///   ``OCIError/blobSizeMismatch(digest:path:expected:actual:)``,
    ///   ``OCIError/blobDigestMismatch(path:expected:actual:)``, or an I/O error.
    public func readBlob(_ descriptor: Descriptor, maxSize: Int64 = OCILayout.defaultMaxDocumentSize)
        throws(OCIError) -> [UInt8]
    {
        let path = try blobPath(for: descriptor.digest)
        guard descriptor.size <= maxSize else {
            throw .blobTooLarge(digest: descriptor.digest, size: descriptor.size, limit: maxSize)
        }
        var hasher = try ContentHasher(algorithmOf: descriptor.digest)
        guard let file = try OpenFile(ifExists: path, flags: O_RDONLY) else {
            throw .blobMissing(digest: descriptor.digest, path: path)
        }
        let actualSize = try file.size()
        guard actualSize == descriptor.size else {
            throw .blobSizeMismatch(
                digest: descriptor.digest, path: path, expected: descriptor.size, actual: actualSize)
        }
        let bytes = try file.read(upTo: Int(descriptor.size))
        guard bytes.count == descriptor.size else {
            throw .blobSizeMismatch(
                digest: descriptor.digest, path: path, expected: descriptor.size, actual: Int64(bytes.count))
        }
        bytes.withUnsafeBytes { hasher.update($0) }
        let actual = hasher.finalize()
        guard actual == descriptor.digest else {
            throw .blobDigestMismatch(path: path, expected: descriptor.digest, actual: actual)
        }
        return bytes
    }

    /// Reads the blob `descriptor` names, verified as ``readBlob(_:maxSize:)`` does, and
    /// decodes it as JSON.
    public func decodeBlob<T: Decodable>(
        _ descriptor: Descriptor, as type: T.Type, maxSize: Int64 = OCILayout.defaultMaxDocumentSize
    ) throws(OCIError) -> T {
        let bytes = try readBlob(descriptor, maxSize: maxSize)
        return try OCIJSON.decode(type, from: bytes, what: "blob \(descriptor.digest)")
    }

    /// Stores `bytes` as a sha256-addressed blob, atomically. Writing a blob that is
    /// already there changes nothing.
    @discardableResult
    public func writeBlob(_ bytes: [UInt8]) throws(OCIError) -> StoredBlob {
        let blob = StoredBlob(digest: .sha256(bytes), size: Int64(bytes.count))
        let path = try blobPath(for: blob.digest)
        if !FileIO.isRegularFile(path) {
            try prepareDirectories(for: path)
            try FileIO.replace(path, with: bytes, temporaryDirectory: temporaryDirectory)
        }
        return blob
    }

    /// Stores the file at `source` as a blob, atomically, after checking it against the
    /// expected digest and size when given (``BlobIngestMode/adopt``: trusting them). The digest is computed with the algorithm of
    /// `expectedDigest`, sha256 by default. When the content does not match, or a step
    /// before the final rename fails, no blob and no temporary file are left and a `.move`
    /// source stays where it was.
    @discardableResult
    public func ingestBlob(
        from source: String, mode: BlobIngestMode = .copy, expectedDigest: Digest? = nil, expectedSize: Int64? = nil
    ) throws(OCIError) -> StoredBlob {
        switch mode {
        case .copy:
            return try copyIn(source, expectedDigest: expectedDigest, expectedSize: expectedSize)
        case .move:
            return try moveIn(source, expectedDigest: expectedDigest, expectedSize: expectedSize)
        case .adopt:
            guard let expectedDigest, let expectedSize else {
                preconditionFailure("adopting a blob takes the digest and size its writer computed")
            }
            return try moveIn(source, known: StoredBlob(digest: expectedDigest, size: expectedSize))
        }
    }

    /// Copies `source` to a temporary file while hashing it, checks it, then renames it into place.
    private func copyIn(_ source: String, expectedDigest: Digest?, expectedSize: Int64?) throws(OCIError)
        -> StoredBlob
    {
        var hasher = try ContentHasher(algorithmOf: expectedDigest)
        let input = try OpenFile(path: source, flags: O_RDONLY)
        try FileIO.makeDirectories(temporaryDirectory)
        let temporary = FileIO.temporaryPath(in: temporaryDirectory, for: FileIO.basename(source))
        do throws(OCIError) {
            let output = try OpenFile(path: temporary, flags: O_WRONLY | O_CREAT | O_EXCL)
            try input.forEachChunk { (chunk) throws(OCIError) in
                hasher.update(chunk)
                try output.writeAll(chunk)
            }
            try output.sync()
            let blob = try check(hasher, source: source, expectedDigest: expectedDigest, expectedSize: expectedSize)
            let path = try blobPath(for: blob.digest)
            try prepareDirectories(for: path)
            try FileIO.moveIntoPlace(temporary, at: path)
            return blob
        } catch {
            FileIO.remove(temporary)
            throw error
        }
    }

    /// Hashes `source` in place, checks it, then renames it into place; copies instead
    /// when it is on another file system.
    private func moveIn(_ source: String, expectedDigest: Digest?, expectedSize: Int64?) throws(OCIError)
        -> StoredBlob
    {
        var hasher = try ContentHasher(algorithmOf: expectedDigest)
        let input = try OpenFile(path: source, flags: O_RDONLY)
        try input.forEachChunk { hasher.update($0) }
        try input.sync()
        let blob = try check(hasher, source: source, expectedDigest: expectedDigest, expectedSize: expectedSize)
        return try placeBlob(source, as: blob)
    }

    /// Syncs `source`, whose digest and size its writer computed (`known`), and renames it
    /// into place; copies instead (hashing it after all) when it is on another file system.
    private func moveIn(_ source: String, known blob: StoredBlob) throws(OCIError) -> StoredBlob {
        try OpenFile(path: source, flags: O_RDONLY).sync()
        return try placeBlob(source, as: blob)
    }

    /// Renames the synced, checked `source` into place as `blob`, syncing the directory;
    /// copies it instead when it is on another file system.
    private func placeBlob(_ source: String, as blob: StoredBlob) throws(OCIError) -> StoredBlob {
        let path = try blobPath(for: blob.digest)
        try prepareDirectories(for: path)
        if rename(source, path) == 0 {
            try FileIO.syncDirectory(FileIO.dirname(path))
            return blob
        }
        guard errno == EXDEV else { throw .posix("rename \(source) to", path) }
        let copied = try copyIn(source, expectedDigest: blob.digest, expectedSize: blob.size)
        FileIO.remove(source)
        return copied
    }

    /// The digest and size `hasher` saw, after checking them against what was expected.
    private func check(_ hasher: ContentHasher, source: String, expectedDigest: Digest?, expectedSize: Int64?)
        throws(OCIError) -> StoredBlob
    {
        let blob = StoredBlob(digest: hasher.finalize(), size: hasher.byteCount)
        if let expectedSize, expectedSize != blob.size {
            throw .blobSizeMismatch(
                digest: expectedDigest ?? blob.digest, path: source, expected: expectedSize, actual: blob.size)
        }
        if let expectedDigest, expectedDigest != blob.digest {
            throw .blobDigestMismatch(path: source, expected: expectedDigest, actual: blob.digest)
        }
        return blob
    }

    /// Creates the algorithm directory of a blob path and the staging directory.
    private func prepareDirectories(for blobPath: String) throws(OCIError) {
        try FileIO.makeDirectories(FileIO.dirname(blobPath))
        try FileIO.makeDirectories(temporaryDirectory)
    }
}
