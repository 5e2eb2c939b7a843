import FileNames
import Glibc
import OCI
import System

extension BuildContext {
    /// A digest of exactly what a `COPY` of `patterns` (with `excludes`) reads from the
    /// context: for every selected entry in walk order, its path, type, mode, uid, gid,
    /// symlink target and content digest; modification times are left out, so a touched
    /// but unchanged file keeps the digest. File contents are hashed once per version of
    /// a file (same path, size, mtime, inode and ctime) and remembered.
    public func contentDigest(for patterns: [String], excludes: [String] = []) throws(CopyError) -> Digest {
        var hasher = SHA256Digester()
        do throws(CopyError.Problem) {
            let root = try RootDirectory.opening(directory)
            var buffer: [UInt8] = []
            for tree in try selection(for: patterns, excludes: excludes) {
                try tree.visit { node throws(CopyError.Problem) in
                    let status = node.status
                    // Names and link targets as their real bytes: two that differ on disk
                    // never hash alike.
                    var record = FileName.encode(node.path)
                    record += Array("\0\(status.type >> 12)\0\(String(status.permissions, radix: 8))\0\(status.uid)\0\(status.gid)\0".utf8)
                    record += (node.linkTarget ?? []) + [0]
                    if status.isRegularFile { record += Array(try fileDigest(node, in: root, buffer: &buffer).description.utf8) }
                    record.append(UInt8(ascii: "\n"))
                    record.withUnsafeBytes { hasher.update($0) }
                }
            }
        } catch {
            throw CopyError(.copy, error)
        }
        return hasher.finalize()
    }

    /// The digest of the regular file `node`, read through `buffer` (allocated by the
    /// first file that is read, then reused).
    private func fileDigest(_ node: SourceNode, in root: RootDirectory, buffer: inout [UInt8]) throws(CopyError.Problem) -> Digest {
        let identity = FileIdentity(path: node.path, status: node.status)
        if let known = digestCache.digest(for: identity) { return known }
        let descriptorFile = try FileDescriptor(adopting: root.openWalked(node.path, flags: O_RDONLY))
        let descriptor = descriptorFile.rawValue
        var hasher = SHA256Digester()
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: 256 * 1024) }
        while true {
            let count = retryingOnInterrupt { buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) } }
            if count < 0 {
                throw .system(path: root.display(node.path), .last("read"))
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        let digest = hasher.finalize()
        digestCache.remember(digest, for: identity)
        return digest
    }
}
