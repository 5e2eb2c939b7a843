import CSandbox
import Glibc
import System

/// A build secret as a file on a small tmpfs of its own, mounted on a directory of the
/// builder's: a step binds the file alone (read-only), so it never sees the host file
/// nor its directory, and the bytes are never written to a disk the store lives on.
/// `release()` unmounts the tmpfs (the bytes go with it) and removes the directory.
public final class SecretFile: Sendable {
    /// The directory the tmpfs is mounted on; the secret is `name` in it.
    public let directory: String
    /// The file's name in ``directory``.
    public let name = "secret"

    /// Creates `directory` (which must not exist), mounts a tmpfs on it and writes
    /// `contents` to the file with `mode`, `uid` and `gid`.
    public init(directory: String, contents: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32) throws(SandboxError) {
        self.directory = directory
        guard mkdir(directory, 0o700) == 0 else {
            throw .system(.last("create the secret's directory", path: directory))
        }
        do throws(SandboxError) {
            try Self.mount(on: directory, contents: contents, mode: mode, uid: uid, gid: gid, name: name)
        } catch {
            release()
            throw error
        }
    }

    private static func mount(
        on directory: String, contents: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32, name: String
    ) throws(SandboxError) {
        let place = FileDescriptor(adopting: Glibc.open(directory, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        guard place.rawValue >= 0 else { throw .system(.last("open", path: directory)) }
        // Room for the bytes and the file's inode, rounded by the kernel to pages.
        let size = UInt64(contents.count) + 64 * 1024
        guard csandbox_tmpfs_descriptor(place.rawValue, size) == 0 else {
            throw .system(.last("mount a tmpfs for a secret on", path: directory))
        }
        let root = FileDescriptor(adopting: Glibc.open(directory, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
        guard root.rawValue >= 0 else { throw .system(.last("open", path: directory)) }
        let file = FileDescriptor(
            adopting: openat(root.rawValue, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600))
        guard file.rawValue >= 0 else { throw .system(.last("create the secret's file in", path: directory)) }
        let failure = contents.withUnsafeBytes { bytes -> SystemError? in
            do throws(SystemError) {
                try writeAll(file.rawValue, bytes)
                return nil
            } catch {
                return error
            }
        }
        if let failure {
            throw .system(SystemError(operation: "write the secret's file in", path: directory, code: failure.code))
        }
        guard fchown(file.rawValue, uid, gid) == 0, fchmod(file.rawValue, mode_t(mode & 0o7777)) == 0 else {
            throw .system(.last("set the owner and mode of the secret's file in", path: directory))
        }
    }

    /// Unmounts the tmpfs (its bytes are freed with it) and removes the directory.
    public func release() {
        _ = umount2(directory, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW))
        _ = rmdir(directory)
    }
}
