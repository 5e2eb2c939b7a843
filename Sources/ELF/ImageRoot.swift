import FileNames
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
    public func resolve(_ path: String) throws(ELFFinding) -> String? {
        var pending = Array(path.split(separator: "/").map(String.init).reversed())
        var resolved: [String] = []
        var links = 0
        while let component = pending.popLast() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = "/" + (resolved + [component]).joined(separator: "/")
            var status = stat()
            guard FileName.lstat(hostPath(candidate), &status) == 0 else { return nil }
            if status.st_mode & S_IFMT == S_IFLNK {
                links += 1
                guard links <= Self.maximumLinks else {
                    throw ELFFinding(path: path, problem: .invalid(what: "path", detail: "too many levels of symbolic links"))
                }
                guard let target = readLink(hostPath(candidate)) else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending += target.split(separator: "/").map(String.init).reversed()
                continue
            }
            if !pending.isEmpty && status.st_mode & S_IFMT != S_IFDIR { return nil }
            resolved.append(component)
        }
        return "/" + resolved.joined(separator: "/")
    }

    /// The target of the symbolic link at host path `hostPath`.
    private func readLink(_ hostPath: String) -> String? {
        FileName.readlink(hostPath)
    }
}
