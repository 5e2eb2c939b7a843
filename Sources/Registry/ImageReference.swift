import OCI

/// An image in a registry, named as Docker names it: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`.
///
/// Parsing normalises like Docker: a name without a registry is on Docker Hub
/// (`docker.io`), a one-component Docker Hub repository is under `library/`, and a name
/// with neither tag nor digest means `:latest`. So `alpine` is
/// `docker.io/library/alpine:latest`. The first component is a registry when it
/// contains `.` or `:` or is `localhost` (`localhost:5000/app@sha256:...`).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Docker Hub's name in references.
    public static let dockerHub = "docker.io"

    /// The registry host, with its port when one was written (`docker.io`, `localhost:5000`).
    public var registry: String
    /// The repository path inside the registry (`library/alpine`, `team/app`).
    public var repository: String
    /// The tag; nil when only a digest was given.
    public var tag: String?
    /// The digest of the manifest or index, when one was given; it wins over the tag.
    public var digest: Digest?

    /// A reference from its parts, checked as ``init(parsing:)`` checks text.
    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) throws(RegistryError) {
        let text = "\(registry)/\(repository)" + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
        self = try ImageReference(parsing: text)
    }

    /// Parses and normalises `text`; rejects what Docker would reject.
    public init(parsing text: String) throws(RegistryError) {
        var name = Substring(text)
        var digest: Digest?
        if let at = name.lastIndex(of: "@") {
            do {
                digest = try Digest(parsing: String(name[name.index(after: at)...]))
            } catch {
                throw .invalidReference(text, reason: error.description)
            }
            name = name[..<at]
        }
        var registry = Self.dockerHub
        if let slash = name.firstIndex(of: "/") {
            let first = name[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost" {
                registry = String(first)
                name = name[name.index(after: slash)...]
            }
        }
        var tag: String?
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            tag = String(name[name.index(after: colon)...])
            name = name[..<colon]
        }
        if registry == "index.docker.io" { registry = Self.dockerHub }
        var repository = String(name)
        if registry == Self.dockerHub, !repository.contains("/") { repository = "library/" + repository }
        guard Self.isValidRegistry(registry) else {
            throw .invalidReference(text, reason: "'\(registry)' is not a registry host[:port]")
        }
        guard Self.isValidRepository(repository) else {
            throw .invalidReference(text, reason: "a repository is lower-case letters, digits and separators (. _ - /), each component starting and ending with a letter or digit")
        }
        if let tag, !Self.isValidTag(tag) {
            throw .invalidReference(text, reason: "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'")
        }
        self.registry = registry
        self.repository = repository
        self.tag = tag ?? (digest == nil ? "latest" : nil)
        self.digest = digest
    }

    /// The full normalised form: `docker.io/library/alpine:latest`, `localhost:5000/app@sha256:...`.
    public var description: String {
        "\(registry)/\(repository)" + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "")
    }

    /// What the registry API calls the manifest: the digest when there is one, else the tag.
    public var manifestReference: String {
        digest?.description ?? tag ?? "latest"
    }

    /// `REGISTRY/REPOSITORY` in the short form Docker shows, without `docker.io/` and
    /// `library/`: `alpine`, `team/app`, `localhost:5000/app`.
    public var familiarRepository: String {
        guard registry == Self.dockerHub else { return "\(registry)/\(repository)" }
        return repository.hasPrefix("library/") ? String(repository.dropFirst("library/".count)) : repository
    }

    /// The name the image gets in the store: ``familiarRepository`` with the tag
    /// (`alpine:3.20`); nil when the reference has only a digest.
    public var storeName: String? {
        tag.map { "\(familiarRepository):\($0)" }
    }

    /// The host the registry API is served from: Docker Hub's is `registry-1.docker.io`.
    public var apiHost: String {
        registry == Self.dockerHub ? "registry-1.docker.io" : registry
    }

    /// This reference with another tag and no digest.
    public func withTag(_ tag: String) -> ImageReference {
        var copy = self
        copy.tag = tag
        copy.digest = nil
        return copy
    }

    private static func isValidRegistry(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }
    }

    private static func isValidRepository(_ text: String) -> Bool {
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        return text.count <= 255 && components.allSatisfy { component in
            guard let first = component.first, let last = component.last else { return false }
            func isAlphanumeric(_ character: Character) -> Bool {
                character.isASCII && (character.isLowercase || character.isNumber)
            }
            return isAlphanumeric(first) && isAlphanumeric(last)
                && component.allSatisfy { isAlphanumeric($0) || "._-".contains($0) }
        }
    }

    private static func isValidTag(_ tag: String) -> Bool {
        guard let first = tag.first, tag.count <= 128, first != ".", first != "-" else { return false }
        return tag.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }
}
