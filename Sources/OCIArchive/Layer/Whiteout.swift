import Glibc
import System

/// The two spellings of "this is gone": OCI layer whiteouts, and the overlayfs form a
/// snapshot keeps them in.
///
/// | OCI layer entry        | overlayfs (snapshot `fs`)               |
/// |------------------------|-----------------------------------------|
/// | `dir/.wh.name`         | `dir/name`, a char device 0:0           |
/// | `dir/.wh..wh..opq`     | `dir` with `trusted.overlay.opaque=y`   |
///
/// (rootless: `user.overlay.opaque=y`; whiteouts stay 0:0 devices, which the kernel lets
/// a user namespace create.)
enum Whiteout: Equatable {
    /// `.wh.<name>`: `name` in the same directory is deleted.
    case file(hiding: [UInt8])
    /// `.wh..wh..opq`: the directory hides everything below it in lower layers.
    case opaqueDirectory
    /// Another `.wh..wh.` name (AUFS bookkeeping such as `.wh..wh.plnk`), ignored as
    /// Docker ignores it.
    case aufsMetadata

    /// The prefix of a whiteout entry's base name.
    static let prefix = Array(".wh.".utf8)
    /// The base name of an opaque-directory marker.
    static let opaqueMarker = Array(".wh..wh..opq".utf8)
    /// The overlayfs attribute that makes a directory opaque, and its value.
    /// Rootless (in a user namespace, where only `user.*` may be written), overlayfs is
    /// mounted with `userxattr` and reads `user.overlay.opaque` instead.
    static var opaqueAttribute: String { overlayAttributePrefix + "opaque" }
    static let opaqueValue: [UInt8] = [UInt8(ascii: "y")]
    /// Attributes overlayfs keeps for itself; never part of a layer.
    static var overlayAttributePrefix: String {
        RootlessProcess.isRootless ? "user.overlay." : "trusted.overlay."
    }

    /// The whiteout a base name spells, or nil for an ordinary name.
    init?(baseName name: [UInt8]) {
        guard name.starts(with: Self.prefix) else { return nil }
        if name == Self.opaqueMarker {
            self = .opaqueDirectory
        } else if name.dropFirst(Self.prefix.count).starts(with: Self.prefix) {
            self = .aufsMetadata
        } else {
            self = .file(hiding: Array(name.dropFirst(Self.prefix.count)))
        }
    }

    /// Whether a file is an overlayfs whiteout: a character device numbered 0:0.
    static func isOverlayWhiteout(_ status: stat) -> Bool {
        status.st_mode & S_IFMT == S_IFCHR && status.st_rdev == 0
    }

    /// The base name of the whiteout entry that deletes `name`.
    static func entryName(hiding name: [UInt8]) -> [UInt8] {
        prefix + name
    }
}
