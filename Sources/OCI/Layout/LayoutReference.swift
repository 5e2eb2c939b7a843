/// Which image of an image layout to use, as `oci:<dir>:<reference>` names it.
public enum LayoutReference: Sendable, Hashable, CustomStringConvertible {
    /// The `index.json` entries whose `org.opencontainers.image.ref.name` annotation is this
    /// name (`app:latest`, `v1.0`).
    case name(String)
    /// The manifest or index with this digest, listed in `index.json` or in an index it names.
    case digest(Digest)
    /// The single entry of `index.json`, when there is exactly one.
    case onlyImage

    /// Reads a reference: nothing or an empty string is ``onlyImage``, a well-formed
    /// `sha256:<hex>` or `sha512:<hex>` is ``digest(_:)``, anything else is ``name(_:)``.
    public init(parsing text: String?) {
        guard let text, !text.isEmpty else {
            self = .onlyImage
            return
        }
        if let digest = try? Digest(parsing: text) {
            self = .digest(digest)
        } else {
            self = .name(text)
        }
    }

    public var description: String {
        switch self {
        case .name(let name): return name
        case .digest(let digest): return digest.description
        case .onlyImage: return "(the only image)"
        }
    }
}
