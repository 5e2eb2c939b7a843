import System

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A host directory treated as the `/` of an image filesystem. Paths are resolved inside it the
/// way the kernel resolves them inside a chroot: symbolic links are followed, absolute link
/// targets start again at the root, and `..` never climbs above it, so nothing on the host
/// outside the directory is ever reached.
public struct ImageRoot: Sendable, Equatable {
    /// The host path of the directory that is the image's `/`.
    public let directory: String

    /// The most symbolic links followed while resolving one path, as Linux (`ELOOP` after 40).
    public static let maximumLinks = 40

    /// Treats `directory` (a host path) as an image's root.
    public init(_ directory: String) {
        self.directory = directory
    }

    /// The host path of `path`, an absolute path inside the image, without following links.
    public func hostPath(_ path: String) -> String {
        let trimmed = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return trimmed + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// Resolves `path` (absolute inside the image; relative paths are taken from `/`) through
    /// every symbolic link. Returns the resolved absolute path inside the image, or nil when it
    /// does not exist (a missing component, a dangling link, a non-directory used as a
    /// directory). Throws when more than ``maximumLinks`` links are followed.
    ///
    /// The kernel does the walk (System's ``RootDirectory``: `openat2` with
    /// `RESOLVE_IN_ROOT`, an `O_PATH` descriptor of what the path names), so a link the
    /// image changes while it is read cannot lead out of the root either; its limit of 40
    /// links is ``maximumLinks``.
    public func resolve(_ path: String) throws(ELFFinding) -> String? {
        guard let root = try? RootDirectory(path: directory) else { return nil }
        // Empty components are dropped, so a trailing `/` does not require a directory.
        let opened = root.openInRoot(path.split(separator: "/").joined(separator: "/"), flags: openPathOnly)
        guard opened >= 0 else {
            if errno == ELOOP {
                throw ELFFinding(path: path, problem: .invalid(what: "path", detail: "too many levels of symbolic links"))
            }
            return nil
        }
        let file = FileDescriptor(adopting: opened)
        return root.relativePath(of: file.rawValue).map { "/" + $0 }
    }

    /// The names in the directory `path` (inside the image, opened through ``resolve(_:)``'s
    /// confinement), as bytes, without `.` and `..`; nil when it cannot be listed.
    public func entryNames(_ path: String) -> [[UInt8]]? {
        guard let root = try? RootDirectory(path: directory) else { return nil }
        let directory = FileDescriptor(adopting: root.openInRoot(path, flags: O_RDONLY | O_DIRECTORY))
        guard directory.rawValue >= 0 else { return nil }
        return try? DirectoryListing.entryNames(directory.rawValue)
    }
}
