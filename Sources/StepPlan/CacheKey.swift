import OCI

/// A build-cache key under construction: a kind and a list of fields, each length-prefixed
/// so that no two different field lists hash alike; ``digest`` is the sha256 of them all.
public struct CacheKey {
    private var hasher = SHA256Digester()

    /// A key of `kind` (e.g. `run`, `copy`), with the key format's version.
    public init(_ kind: String) {
        hasher = SHA256Digester()
        self = adding("swiftbuild-cache-v1").adding(kind)
    }

    /// The key of a step of `kind` over the chain `parent`, for `target`: every step's key
    /// starts with these fields.
    public static func step(_ kind: String, over parent: Digest, target: StepTarget) -> CacheKey {
        CacheKey(kind)
            .adding(parent.description)
            .adding(target.platform.description)
            .adding(target.sourceDateEpoch.map(String.init) ?? "")
    }

    /// The key with one more field.
    public func adding(_ field: String) -> CacheKey {
        var copy = self
        let bytes = Array(field.utf8)
        copy.hasher.update(Array("\(bytes.count):".utf8))
        copy.hasher.update(bytes)
        return copy
    }

    /// The key with a list of fields, counted first.
    public func adding(_ fields: [String]) -> CacheKey {
        fields.reduce(adding("\(fields.count)")) { $0.adding($1) }
    }

    /// The finished key.
    public var digest: Digest { hasher.finalize() }
}
