import CSystemShim
import Glibc

/// Extended attributes of open files.
public enum ExtendedAttribute {
    /// Whether the open file `descriptor` has the attribute `name`: false when it has not
    /// or its file system keeps none, nil when it cannot be asked.
    public static func exists(_ name: String, on descriptor: Int32) -> Bool? {
        switch csystem_has_xattr(descriptor, name) {
        case 1: return true
        case 0: return false
        default: return errno == ENOTSUP ? false : nil
        }
    }

    /// Gives the open file `target` every attribute the open file `source` has, with its
    /// value (`path` names the target in the error).
    public static func copyAll(from source: Int32, to target: Int32, path: String) throws(SystemError) {
        guard csystem_copy_xattrs(source, target) == 0 else { throw .last("copy extended attributes", path: path) }
    }
}
