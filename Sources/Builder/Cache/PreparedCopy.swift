import OCI

/// A COPY or ADD with its words expanded: what its step does, and (with a digest of its
/// sources) what its cache key is made of.
struct PreparedCopy {
    var keyword: CopyInstruction
    var sources: [CopySource]
    var destination: String
    /// The WORKDIR a relative destination is relative to.
    var workingDirectory: String
    var chown: String?
    var chmod: String?
    var excludes: [String]
    /// The `--from` stage or image, if any.
    var from: String?
    var parents: Bool
    var link: Bool

    /// The step's key over `chain`, given a digest of what it reads (`sourceDigest`).
    func cacheKey(over chain: LayerChain, sourceDigest: String, platform: Platform, sourceDateEpoch: Int?) -> Digest {
        let sourceFields = sources.map { source -> String in
            switch source {
            case .path(let pattern): return "path " + pattern
            case .inline(let name, let content, let permissions):
                return "inline \(name) \(String(permissions, radix: 8)) " + Digest.sha256(content).description
            }
        }
        return CacheKey(keyword == .add ? "add" : "copy")
            .adding(chain.cacheKey.description)
            .adding(platform.description)
            .adding(sourceDateEpoch.map(String.init) ?? "")
            .adding(sourceFields)
            .adding(sourceDigest)
            .adding(destination)
            .adding(workingDirectory)
            .adding(chown ?? "")
            .adding(chmod ?? "")
            .adding(excludes)
            .adding("\(parents) \(link)")
            .digest
    }
}
