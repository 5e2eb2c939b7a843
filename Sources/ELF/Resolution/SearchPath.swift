/// Splitting and expanding `DT_RPATH` / `DT_RUNPATH` strings.
enum SearchPath {
    /// The directories of a colon-separated path list with dynamic string tokens replaced
    /// (see ``expand(_:origin:lib:platform:)``). Empty elements are dropped; relative ones are
    /// later taken from the image's `/`.
    static func directories(_ list: String, origin: String, lib: String?, platform: String?) -> [String] {
        list.split(separator: ":").map { expand(String($0), origin: origin, lib: lib, platform: platform) }
    }

    /// `text` with its dynamic string tokens replaced: `$ORIGIN`/`${ORIGIN}` become `origin`;
    /// `$LIB` and `$PLATFORM` (and braced forms) become `lib` and `platform` when given (glibc),
    /// and are left as written otherwise (musl).
    static func expand(_ text: String, origin: String, lib: String?, platform: String?) -> String {
        var tokens = [("ORIGIN", origin)]
        if let lib { tokens.append(("LIB", lib)) }
        if let platform { tokens.append(("PLATFORM", platform)) }
        var result = text
        for (name, value) in tokens {
            result = result.replacingAll("${\(name)}", with: value).replacingAll("$\(name)", with: value)
        }
        return result
    }

    /// The directory part of an absolute path inside the image (`/` for top-level files).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// `directory/name`, without doubling the slash.
    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

extension String {
    /// A copy with every occurrence of `target` replaced (no Foundation in this module).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
