import Foundation

/// The store's file system filled up during an operation. Its message says where the
/// write failed, how much the operation had written by then (so at least that much
/// more free space is needed), how much is free now that its work directory is gone,
/// and that nothing was changed: everything is staged in a work directory and renamed
/// into place only when complete, so a failed operation leaves no images, tags or
/// half-written content behind.
public struct OutOfSpaceError: Error, Sendable, CustomStringConvertible {
    /// What ran out of space, e.g. `load` or `build`.
    public var operation: String
    /// The file or directory whose write failed (the store when the cause does not say).
    public var path: String
    /// Bytes the operation had written to its work directory when the write failed.
    public var written: Int64
    /// Bytes free for the store on its file system after the work directory was removed.
    public var available: Int64
    /// The error the file system gave.
    public var underlying: any Error

    public var description: String {
        "\(operation): no space left on the device holding \(path): the operation needed more than "
            + "\(Self.format(written)) (it had written that much when the write failed; "
            + "\(Self.format(available)) are free now). Nothing was changed: no image or tag was written "
            + "and its partial files were removed (cause: \(underlying))"
    }

    static func format(_ bytes: Int64) -> String {
        bytes < 1 << 20 ? "\(bytes) bytes" : String(format: "%.1f MiB (%lld bytes)", Double(bytes) / 1_048_576, bytes)
    }

    /// The path an out-of-space failure names, or nil when `error` is something else:
    /// `ENOSPC`/`EDQUOT` from a system call, Foundation's out-of-space error
    /// (`NSFileWriteOutOfSpaceError`, 640, also when passed on as if it were an errno),
    /// or an error whose message says so (libarchive, the layer packer).
    static func failedPath(of error: any Error) -> String?? {
        if case StoreError.system(let failure) = error {
            return [ENOSPC, EDQUOT, Int32(NSFileWriteOutOfSpaceError)].contains(failure.code) ? .some(failure.path ?? "") : nil
        }
        let nsError = error as NSError
        if (nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileWriteOutOfSpaceError)
            || (nsError.domain == NSPOSIXErrorDomain && [Int(ENOSPC), Int(EDQUOT)].contains(nsError.code))
        {
            return .some((nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path)
        }
        let text = "\(error)"
        if text.contains(String(cString: strerror(ENOSPC))) || text.contains(String(cString: strerror(EDQUOT))) {
            return .some(nil)
        }
        return nil
    }
}

extension ImageStore {
    /// Runs `body`, which writes into `workDirectory`; when it fails for lack of space,
    /// throws an ``OutOfSpaceError`` measured before the work directory is removed.
    public func reportingOutOfSpace<T>(_ operation: String, workDirectory: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw outOfSpace(error, operation: operation, workDirectory: workDirectory) ?? error
        }
    }

    /// `error` as an ``OutOfSpaceError`` when it is one (see ``OutOfSpaceError/failedPath(of:)``),
    /// measuring and then removing `workDirectory`; nil for any other error.
    public func outOfSpace(_ error: any Error, operation: String, workDirectory: URL) -> OutOfSpaceError? {
        guard let path = OutOfSpaceError.failedPath(of: error) else { return nil }
        let written = Self.diskUsage(of: workDirectory)
        try? FileManager.default.removeItem(at: workDirectory)
        var status = statvfs()
        let available = statvfs(root.path, &status) == 0 ? Int64(status.f_bavail) * Int64(status.f_frsize) : 0
        return OutOfSpaceError(
            operation: operation, path: path ?? root.path, written: written, available: available,
            underlying: error)
    }

    /// The bytes of disk the files under `directory` take (not following symlinks).
    static func diskUsage(of directory: URL) -> Int64 {
        var total: Int64 = 0
        guard let walker = FileManager.default.enumerator(atPath: directory.path) else { return 0 }
        while let relative = walker.nextObject() as? String {
            var status = stat()
            if lstat(directory.appendingPathComponent(relative).path, &status) == 0 { total += Int64(status.st_blocks) * 512 }
        }
        return total
    }
}
