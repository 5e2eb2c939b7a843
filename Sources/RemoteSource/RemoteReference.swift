import Foundation

/// An `ADD` source that is fetched rather than read from a tree: an HTTP(S) URL or a git
/// repository. Classified as BuildKit's Dockerfile frontend does: `http(s)://` URLs
/// whose path ends in `.git`, `git://` and `ssh://` URLs and `user@host:path` are git
/// repositories; other `http(s)://` URLs are files. Pure: nothing is fetched here.
public enum RemoteReference: Sendable, Hashable {
    /// A file at `url`, written under `fileName` when the destination is a directory.
    case http(url: String, fileName: String)
    /// A git repository.
    case git(GitReference)

    /// What `source` names: nil for a local path, else the remote source. A source with a
    /// scheme swiftbuild does not fetch, or a git reference it cannot use, is an error.
    public static func classify(_ source: String) throws(RemoteSourceError) -> RemoteReference? {
        if let schemeEnd = source.range(of: "://") {
            let scheme = source[..<schemeEnd.lowerBound].lowercased()
            guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
            switch scheme {
            case "http", "https":
                let beforeOptions = source.prefix { $0 != "#" && $0 != "?" }
                guard let url = URL(string: String(beforeOptions)), url.host != nil else {
                    throw .invalidReference(source, reason: "not a valid URL")
                }
                if url.path.hasSuffix(".git") { return .git(try GitReference(parsing: source)) }
                return .http(url: source, fileName: fileName(ofURLPath: url.path))
            case "git", "ssh":
                return .git(try GitReference(parsing: source))
            default:
                throw .invalidReference(source, reason: "the scheme \(scheme):// is not fetched (http, https, git and ssh are)")
            }
        }
        if GitReference.isSCPStyle(source) { return .git(try GitReference(parsing: source)) }
        return nil
    }

    /// The name BuildKit gives a downloaded file: the last component of the URL's
    /// decoded path (so `%2F` is a separator and never part of a name), `__unnamed__` when
    /// the path has none, and `download` for a name that cannot be a file name (`..`,
    /// control characters), as its HTTP source's `SafeFileName` does.
    public static func fileName(ofURLPath path: String) -> String {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = components.last.map(String.init), last != "." else { return "__unnamed__" }
        if last == ".." || last.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "download"
        }
        return last
    }
}

/// A git source: `https://host/repo.git#ref:subdir`, `git@host:repo.git#ref`, with
/// BuildKit's query options (`?ref=`, `?tag=`, `?branch=`, `?subdir=`, `?checksum=`,
/// `?keep-git-dir=`).
public struct GitReference: Sendable, Hashable {
    /// The repository as git is given it (without fragment and query).
    public var remote: String
    /// A branch, tag or commit; nil: the remote's HEAD.
    public var ref: String?
    /// A directory inside the repository whose contents are copied (cleaned, no `..`
    /// above the repository, no leading `/`); nil: the whole checkout.
    public var subdirectory: String?
    /// The commit the checkout must be (`?checksum=`/`?commit=`), a prefix of its hash.
    public var checksum: String?
    /// `?keep-git-dir=`; nil when the URL does not say.
    public var keepGitDirectory: Bool?

    /// Parses `source`.
    public init(parsing source: String) throws(RemoteSourceError) {
        var rest = source
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = String(rest[..<hash])
        }
        var query: String?
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = String(rest[..<mark])
        }
        guard !rest.isEmpty else { throw .invalidReference(source, reason: "no repository") }
        remote = rest
        if let fragment, !fragment.isEmpty {
            let parts = fragment.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            ref = parts[0].isEmpty ? nil : String(parts[0])
            if parts.count > 1 { subdirectory = Self.cleanSubdirectory(String(parts[1])) }
        }
        for item in (query ?? "").split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(pair[0])
            let value = pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? String(pair[1])) : nil
            switch key {
            case "ref", "tag", "branch":
                guard let value, !value.isEmpty else { throw .invalidReference(source, reason: "query \"\(key)\" has no value") }
                if let ref, ref != value { throw .invalidReference(source, reason: "ref conflicts: \"\(ref)\" vs \"\(value)\"") }
                ref = value
            case "subdir":
                guard let value else { throw .invalidReference(source, reason: "query \"subdir\" has no value") }
                let cleaned = Self.cleanSubdirectory(value)
                if let subdirectory, subdirectory != cleaned {
                    throw .invalidReference(source, reason: "subdir conflicts: \"\(subdirectory)\" vs \"\(value)\"")
                }
                subdirectory = cleaned
            case "checksum", "commit":
                guard let value, !value.isEmpty else { throw .invalidReference(source, reason: "query \"\(key)\" has no value") }
                checksum = value
            case "keep-git-dir":
                switch value {
                case nil, "", "1", "true", "TRUE", "True", "t", "T": keepGitDirectory = true
                case "0", "false", "FALSE", "False", "f", "F": keepGitDirectory = false
                default: throw .invalidReference(source, reason: "invalid keep-git-dir value \"\(value ?? "")\"")
                }
            default:
                throw .invalidReference(source, reason: "the query \"\(key)\" is not supported")
            }
        }
    }

    /// Whether `source` is an scp-like address, `user@host:path`, which git reaches over ssh.
    public static func isSCPStyle(_ source: String) -> Bool {
        guard let at = source.firstIndex(of: "@"), let colon = source[at...].firstIndex(of: ":") else { return false }
        let user = source[..<at]
        let host = source[source.index(after: at)..<colon]
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        return !user.isEmpty && !host.isEmpty && user.allSatisfy(allowed) && host.allSatisfy(allowed)
            && source.index(after: colon) < source.endIndex
    }

    /// `subdir` cleaned as a path from the repository's root (`..` stops there); nil for
    /// the root itself.
    static func cleanSubdirectory(_ subdir: String) -> String? {
        var components: [Substring] = []
        for component in subdir.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return components.isEmpty ? nil : components.joined(separator: "/")
    }
}
