import Glibc
import System

/// What differs between the extractions ``TarExtractor`` does: a layer into a snapshot, or
/// an `ADD` archive into a directory of an image. Everything else is one code path: each
/// entry is created by name in its parent's descriptor, never following a symlink at its
/// last component, below a root no path may leave.
public struct ExtractionPolicy: Sendable {
    /// How entry names, hard link targets and the directories on their way resolve.
    public enum Paths: Sendable {
        /// A layer's: names are relative, without `..`, shorter than `PATH_MAX`; no
        /// symlink is followed, so a path through one is refused (a layer's symlinks may
        /// point anywhere, and are only meaningful once the layers are stacked).
        /// Directories the tar implies are made with mode 0755, owned by the caller.
        case noSymlinks
        /// `ADD`'s, as Docker's chrooted extraction: names are cleaned (a leading `/`
        /// dropped, `..` folded) and refused only when they climb above the root, as is a
        /// relative symlink target that would; directories on the way resolve inside the
        /// root following its symlinks (`RESOLVE_IN_ROOT`: a symlink the archive made
        /// leads back into the root). Directories the tar implies are made with mode 0755
        /// and `directoryOwner`.
        case insideRoot(directoryOwner: ExtractionOwner)
    }

    /// How paths resolve.
    public var paths: Paths
    /// Whether OCI whiteouts (`.wh.` names) become overlayfs whiteouts, and an entry for
    /// the root itself (`./`) gives the root its metadata. Otherwise a `.wh.` name is an
    /// ordinary file and a root entry is skipped.
    public var layerSemantics: Bool
    /// Whether entries' extended attributes are set (all but `trusted.overlay.*`).
    public var extendedAttributes: Bool
    /// The owner every entry gets instead of its own (`ADD --chown`); nil keeps the
    /// entries' numeric owners.
    public var owner: ExtractionOwner?

    /// Layers: overlayfs whiteouts, attributes kept, a later entry replaces an earlier one
    /// of any type (a directory over a directory only updates its attributes).
    public static let layer = ExtractionPolicy(paths: .noSymlinks, layerSemantics: true, extendedAttributes: true, owner: nil)

    /// `ADD`: entries keep their owner unless `owner`, implied directories get `owner`
    /// or 0:0 (BuildKit's `MkdirAll`); no attributes; an entry may replace a
    /// non-directory, but a non-directory over a directory is refused, as in BuildKit.
    public static func add(owner: ExtractionOwner?) -> ExtractionPolicy {
        ExtractionPolicy(
            paths: .insideRoot(directoryOwner: owner ?? ExtractionOwner(uid: 0, gid: 0)), layerSemantics: false,
            extendedAttributes: false, owner: owner)
    }

    /// Whether a non-directory entry may replace a directory (removing what is inside).
    var replacesDirectories: Bool { layerSemantics }
}

/// A numeric owner.
public struct ExtractionOwner: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t

    public init(uid: uid_t, gid: gid_t) {
        self.uid = uid
        self.gid = gid
    }
}

/// Why ``TarExtractor`` stopped, before the caller names the archive in its own error.
public enum ExtractionFailure: Error, Sendable, Equatable {
    /// The archive cannot be read.
    case unreadable(ArchiveError)
    /// The entry's path, or the target of its link (`path`), was refused.
    case unsafe(entry: ArchivePath, path: ArchivePath, UnsafePathReason)
    /// A system call failed on `path` (components below the root). `resolving` when it
    /// failed on a directory on the way rather than on the entry itself.
    case system(entry: ArchivePath, path: [[UInt8]], resolving: Bool, SystemError)
    /// A directory on the way (`path`) is not one.
    case notADirectory(entry: ArchivePath, path: [[UInt8]], resolving: Bool)
    /// A non-directory entry would replace the directory at `path`.
    case cannotReplaceDirectory(entry: ArchivePath, path: [[UInt8]])
}
