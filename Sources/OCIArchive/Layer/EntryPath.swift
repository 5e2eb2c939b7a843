import Glibc

/// An archive path checked and split for descriptor-relative use: relative, without `..`,
/// with `.` and empty components dropped (`./a//b/` is `a`, `b`).
struct EntryPath {
    /// The path's components; empty for the root (`.`, `./`).
    let components: [[UInt8]]

    /// Checks `path`; refuses absolute paths, `..` components and paths longer than `PATH_MAX`.
    init(_ path: ArchivePath) throws(UnsafePathReason) {
        if path.bytes.first == UInt8(ascii: "/") { throw .absolute }
        var components: [[UInt8]] = []
        for component in path.bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { throw .parentComponent }
            components.append(Array(component))
        }
        let length = components.reduce(0) { $0 + $1.count + 1 }
        if length >= PATH_MAX { throw .tooLong }
        self.components = components
    }

    /// The directories leading to the last component.
    var parent: ArraySlice<[UInt8]> { components.dropLast() }

    /// The last component; nil for the root.
    var name: [UInt8]? { components.last }
}
