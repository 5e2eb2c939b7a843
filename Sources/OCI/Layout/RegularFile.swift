import Glibc

/// Reads small documents (manifests, configs, `manifest.json`) from outside a layout,
/// with the same guarantees as blob reads: regular files only, never blocking on a FIFO,
/// and a size cap.
public enum RegularFile {
    /// The whole content of the regular file at `path`, which must be at most `limit` bytes.
    public static func read(_ path: String, limit: Int64 = OCILayout.defaultMaxDocumentSize) throws(OCIError) -> [UInt8] {
        guard let bytes = try FileIO.readFile(path, limit: limit) else {
            throw .posix("open", path, errno: ENOENT)
        }
        return bytes
    }
}
