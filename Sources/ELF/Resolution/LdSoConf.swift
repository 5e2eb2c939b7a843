#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The directories listed by an image's `/etc/ld.so.conf`, read inside the root.
///
/// Kept simple: one directory per line, `#` comments, `include PATTERN` (relative patterns
/// are taken from `/etc`; wildcards are matched in the last component only, files in name
/// order, nesting limited to 8 levels); `hwcap` lines and `=type` suffixes are ignored.
enum LdSoConf {
    /// The directories of `path` (inside `root`) and its includes, in order, without duplicates.
    static func directories(root: ImageRoot, path: String = "/etc/ld.so.conf") -> [String] {
        var result: [String] = []
        read(root: root, path: path, depth: 0, into: &result)
        return result
    }

    private static func read(root: ImageRoot, path: String, depth: Int, into result: inout [String]) {
        guard depth < 8, let resolved = try? root.resolve(path),
              let bytes = try? readRegularFile(root.hostPath(resolved), sizeLimit: 1 << 20) else { return }
        for rawLine in String(decoding: bytes, as: UTF8.self).split(whereSeparator: { $0 == "\n" }) {
            let line = (rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("hwcap ") { continue }
            if line.hasPrefix("include") && line.dropFirst(7).first?.isWhitespace == true {
                for pattern in line.dropFirst(7).split(whereSeparator: \.isWhitespace) {
                    let absolute = pattern.hasPrefix("/") ? String(pattern) : "/etc/" + pattern
                    for file in expand(root: root, pattern: absolute) {
                        read(root: root, path: file, depth: depth + 1, into: &result)
                    }
                }
                continue
            }
            let directory = String(line.split(separator: "=", maxSplits: 1).first ?? "").trimmingWhitespace()
            if !directory.isEmpty && !result.contains(directory) { result.append(directory) }
        }
    }

    /// The files inside the root matching `pattern`, whose wildcards may only be in the last component.
    private static func expand(root: ImageRoot, pattern: String) -> [String] {
        let directory = SearchPath.directory(of: pattern)
        let namePattern = String(pattern[pattern.index(after: pattern.lastIndex(of: "/")!)...])
        guard let resolved = try? root.resolve(directory), let handle = opendir(root.hostPath(resolved)) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." && fnmatch(namePattern, name, 0) == 0 { names.append(name) }
        }
        return names.sorted().map { SearchPath.join(directory, $0) }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
