/// An image named as docker names it: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`, the one
/// image reference of swiftbuild (store names, registry transfers, FROM, named contexts).
///
/// The grammar is docker's (the `distribution/reference` package):
/// - the registry is `host[:port]`, where the host is DNS labels (letters, digits, inner
///   `-`) joined by `.`, or an IPv6 address in brackets;
/// - the repository is `/`-separated components of lower-case letters and digits, joined
///   inside a component by one `.`, one or two `_`, or any number of `-`; at most 255
///   characters once normalised;
/// - the tag is up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`;
/// - the digest is `algorithm:hex` (see ``Digest``).
///
/// Parsing normalises as docker does: the first component is a registry when it contains
/// `.` or `:`, is `localhost`, or has an upper-case letter; otherwise the name is on
/// Docker Hub (`docker.io`, also written `index.docker.io`), where a one-component
/// repository is under `library/`. A name with neither tag nor digest means `:latest`.
/// So `alpine` is `docker.io/library/alpine:latest`, and `localhost:5000/app@sha256:...`
/// is a digest on a local registry (the `:5000` is a port, not a tag).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Docker Hub's name in references.
    public static let dockerHub = "docker.io"

    /// The registry host, with its port when one was written (`docker.io`, `localhost:5000`):
    /// the reference grammar's domain.
    public var registry: String
    /// The repository path inside the registry (`library/alpine`, `team/app`): the
    /// reference grammar's path.
    public var repository: String
    /// The tag; nil when only a digest was given.
    public var tag: String?
    /// The digest of the manifest or index, when one was given; it wins over the tag.
    public var digest: Digest?

    /// The longest repository path docker accepts.
    public static let maximumRepositoryLength = 255
    /// The longest tag docker accepts.
    public static let maximumTagLength = 128

    /// Parses and normalises `text`; refuses what docker refuses, saying why.
    public init(parsing text: String) throws(ImageReferenceError) {
        func failure(_ reason: String) -> ImageReferenceError { ImageReferenceError(text: text, reason: reason) }
        guard !text.isEmpty else { throw failure("a reference needs a repository name") }
        if text.utf8.count == 64, text.utf8.allSatisfy(Self.isLowerHex) {
            throw failure("a 64-digit hexadecimal string is an image ID, not a repository name")
        }
        var name = Substring(text)
        var digest: Digest?
        if let at = name.firstIndex(of: "@") {
            do {
                digest = try Digest(parsing: String(name[name.index(after: at)...]))
            } catch {
                throw failure("after '@' comes a digest: \(error)")
            }
            name = name[..<at]
        }
        var registry = Self.dockerHub
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first == "localhost" || first.contains(".") || first.contains(":") || first.contains(where: \.isUppercase) {
                registry = first == "index.docker.io" ? Self.dockerHub : String(first)
                name = name[name.index(after: slash)...]
            }
        }
        var tag: String?
        if let colon = name.firstIndex(of: ":") {
            tag = String(name[name.index(after: colon)...])
            name = name[..<colon]
        }
        var repository = String(name)
        if registry == Self.dockerHub, !repository.contains("/") { repository = "library/" + repository }
        guard Self.isValidRegistry(registry) else {
            throw failure("'\(registry)' is not a registry host[:port]")
        }
        guard Self.isValidRepository(repository) else {
            throw failure(
                "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'")
        }
        guard repository.utf8.count <= Self.maximumRepositoryLength else {
            throw failure("the repository '\(repository)' is longer than \(Self.maximumRepositoryLength) characters")
        }
        if let tag, !Self.isValidTag(tag) {
            throw failure("a tag is up to \(Self.maximumTagLength) letters, digits, '_', '.' and '-', not starting with '.' or '-'")
        }
        self.registry = registry
        self.repository = repository
        self.tag = tag ?? (digest == nil ? "latest" : nil)
        self.digest = digest
    }

    /// The full normalised form: `docker.io/library/alpine:latest`, `localhost:5000/app@sha256:...`.
    public var description: String {
        "\(registry)/\(repository)" + suffix
    }

    /// `REGISTRY/REPOSITORY` as docker shows it: without `docker.io/`, and without
    /// `library/` for an official image (`alpine`, `team/app`, `library/a/b`,
    /// `localhost:5000/app`).
    public var familiarRepository: String {
        guard registry == Self.dockerHub else { return "\(registry)/\(repository)" }
        let official = repository.dropFirst("library/".count)
        return repository.hasPrefix("library/") && !official.contains("/") ? String(official) : repository
    }

    /// The whole reference as docker shows it: ``familiarRepository`` with the tag and
    /// digest (`alpine:latest`, `localhost:5000/app@sha256:...`).
    public var familiarDescription: String {
        familiarRepository + suffix
    }

    /// This reference with another tag and no digest.
    public func withTag(_ tag: String) -> ImageReference {
        var copy = self
        copy.tag = tag
        copy.digest = nil
        return copy
    }

    private var suffix: String {
        (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isLowerAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLowercase || character.isNumber)
    }

    private static func isAlphanumeric(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }

    /// `host[:port]`: DNS labels joined by `.`, or `[IPv6]`, then an optional numeric port.
    private static func isValidRegistry(_ text: String) -> Bool {
        var host = Substring(text)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return false }
                port = rest.dropFirst()
            }
        } else {
            if let colon = host.firstIndex(of: ":") {
                port = host[host.index(after: colon)...]
                host = host[..<colon]
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            let validLabels = labels.allSatisfy { label in
                guard let first = label.first, let last = label.last else { return false }
                return isAlphanumeric(first) && isAlphanumeric(last) && label.allSatisfy { isAlphanumeric($0) || $0 == "-" }
            }
            guard validLabels else { return false }
        }
        if let port {
            return !port.isEmpty && port.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return true
    }

    /// Components of lower-case letters and digits joined by one `.`, one or two `_`, or
    /// any number of `-`, starting and ending with a letter or digit.
    private static func isValidRepository(_ text: String) -> Bool {
        text.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { component in
            guard let first = component.first, let last = component.last,
                isLowerAlphanumeric(first), isLowerAlphanumeric(last)
            else { return false }
            var separator = ""
            for character in component {
                if isLowerAlphanumeric(character) {
                    guard
                        separator.isEmpty || separator == "." || separator == "_" || separator == "__"
                            || separator.allSatisfy({ $0 == "-" })
                    else { return false }
                    separator = ""
                } else if "._-".contains(character) {
                    separator.append(character)
                } else {
                    return false
                }
            }
            return true
        }
    }

    /// `[\w][\w.-]{0,127}`: letters, digits and `_`, then also `.` and `-`.
    private static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= maximumTagLength, isAlphanumeric(first) || first == "_" else { return false }
        return tag.allSatisfy { isAlphanumeric($0) || "_.-".contains($0) }
    }
}

/// Why a text is not an image reference.
public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public var text: String
    /// What is wrong with it, without the text.
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid image reference '\(text)': \(reason)" }
}
