/// A name an image is tagged with in the store, normalised as docker shows it:
/// `app` is `app:latest`; `registry:5000/team/app:1.2` stays as written.
public struct ImageName: Sendable, Hashable, CustomStringConvertible, Comparable {
    /// The repository part, e.g. `team/app` or `localhost:5000/app`.
    public var repository: String
    /// The tag; `latest` when none was written.
    public var tag: String

    /// Parses and normalises `text`; rejects names docker would reject.
    public init(parsing text: String) throws(StoreError) {
        var repository = text
        var tag = "latest"
        if let slash = text.lastIndex(of: "/") ?? Optional(text.startIndex),
           let colon = text[slash...].lastIndex(of: ":") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        }
        repository = Self.familiar(repository)
        guard Self.isValidRepository(repository) else {
            throw StoreError.invalidName(text, reason: "a repository is lower-case letters, digits and separators (. _ - /), optionally after host[:port]/")
        }
        guard Self.isValidTag(tag) else {
            throw StoreError.invalidName(text, reason: "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'")
        }
        self.repository = repository
        self.tag = tag
    }

    public var description: String { "\(repository):\(tag)" }

    /// Docker Hub's names as docker shows them: `docker.io/library/alpine` and
    /// `index.docker.io/library/alpine` are `alpine`, `docker.io/team/app` is `team/app`,
    /// so a name pulled as `alpine` and one written in full are the same name here (as
    /// the registry client's references are, in their full form).
    static func familiar(_ repository: String) -> String {
        for host in ["docker.io/", "index.docker.io/"] where repository.hasPrefix(host) {
            let path = repository.dropFirst(host.count)
            if path.hasPrefix("library/"), !path.dropFirst("library/".count).contains("/") {
                return String(path.dropFirst("library/".count))
            }
            return String(path)
        }
        return repository
    }

    public static func < (lhs: ImageName, rhs: ImageName) -> Bool { lhs.description < rhs.description }

    private static func isValidRepository(_ text: String) -> Bool {
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard !text.isEmpty, !components.contains(where: \.isEmpty) else { return false }
        return components.enumerated().allSatisfy { index, component in
            // The first of several components may be a registry host with a port.
            if index == 0, components.count > 1, component.contains(":") || component.contains(".") || component == "localhost" {
                return component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) }
            }
            return component.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }
                && component.first!.isASCII && (component.first!.isLowercase || component.first!.isNumber)
        }
    }

    private static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first != ".", first != "-" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }
}
