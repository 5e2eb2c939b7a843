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
/// order, nesting limited to 8 levels, each file read once); `hwcap` lines and `=type`
/// suffixes are ignored. Files over 1 MiB are not read.
enum LdSoConf {
    /// The directories of `path` (inside `root`) and its includes, in order, without duplicates.
    static func directories(root: ImageRoot, path: String = "/etc/ld.so.conf") -> [String] {
        var result = Directories()
        read(root: root, path: path, depth: 0, into: &result)
        return result.list
    }

    /// Directories in the order first seen, and the files already read. The set keeps
    /// deduplication linear, so a hostile file of many lines cannot make it quadratic; reading
    /// each file once ends include cycles and fan-outs (a file including itself on every line)
    /// and changes nothing else, since a second read could only add directories already seen.
    private struct Directories {
        var list: [String] = []
        var seen: Set<String> = []
        var files: Set<String> = []

        mutating func add(_ directory: String) {
            if seen.insert(directory).inserted { list.append(directory) }
        }
    }

    private static func read(root: ImageRoot, path: String, depth: Int, into result: inout Directories) {
        guard depth < 8, let resolved = try? root.resolve(path), result.files.insert(resolved).inserted,
            let bytes = try? root.readRegularFile(resolved, sizeLimit: 1 << 20)
        else { return }
        // Bytes, not Characters: lines are ASCII in practice and garbage must stay cheap.
        for rawLine in bytes.split(separator: UInt8(ascii: "\n")) {
            let line = trimmed(rawLine.prefix { $0 != UInt8(ascii: "#") })
            if line.isEmpty || line.starts(with: "hwcap ".utf8) { continue }
            if line.starts(with: "include".utf8), let next = line.dropFirst(7).first, isSpace(next) {
                for pattern in line.dropFirst(7).split(whereSeparator: isSpace) {
                    let text = String(decoding: pattern, as: UTF8.self)
                    let absolute = text.hasPrefix("/") ? text : "/etc/" + text
                    for file in expand(root: root, pattern: absolute) {
                        read(root: root, path: file, depth: depth + 1, into: &result)
                    }
                }
                continue
            }
            let directory = trimmed(line.prefix { $0 != UInt8(ascii: "=") })
            if !directory.isEmpty { result.add(String(decoding: directory, as: UTF8.self)) }
        }
    }

    /// C's `isspace` in the C locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0d).contains(byte)
    }

    /// `bytes` without leading and trailing white space.
    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return []
        }
        return bytes[first...last]
    }

    /// The files inside the root matching `pattern`, whose wildcards may only be in the last component.
    private static func expand(root: ImageRoot, pattern: String) -> [String] {
        let directory = SearchPath.directory(of: pattern)
        let namePattern = String(pattern[pattern.index(after: pattern.lastIndex(of: "/")!)...])
        guard let resolved = try? root.resolve(directory), let entries = root.entryNames(resolved) else { return [] }
        let names = entries.map { String(decoding: $0, as: UTF8.self) }.filter { fnmatch(namePattern, $0, 0) == 0 }
        return names.sorted().map { SearchPath.join(directory, $0) }
    }
}
