import OCI

/// A COPY or ADD, resolved: its words expanded and its `--from` classified. What its step
/// does, and (with a digest of what it reads) what its cache key is made of.
public struct CopyStep: Sendable {
    /// `ADD` (which unpacks local archives) rather than `COPY`.
    public var isAdd: Bool
    public var sources: [Source]
    public var destination: String
    /// The WORKDIR a relative destination is relative to.
    public var workingDirectory: String
    public var chown: String?
    public var chmod: String?
    public var excludes: [String]
    /// What it reads from.
    public var from: CopyFrom
    public var parents: Bool
    public var link: Bool
    public var target: StepTarget
    /// What the image history records for it.
    public var historyLine: String
    /// `ADD --checksum` (expanded): the digest a fetched URL's content must have, or the
    /// commit a git source must check out.
    public var checksum: String? = nil
    /// `ADD --keep-git-dir`: a git source's checkout keeps its `.git` directory.
    public var keepGitDirectory: Bool = false

    /// One source word: a path or pattern in the tree copied from, or a here-document.
    public enum Source: Sendable, Hashable {
        case path(String)
        /// A here-document's body (expanded unless its delimiter was quoted), copied as a
        /// file of that name with mode 0644.
        case inline(name: String, content: [UInt8])
    }

    /// The path patterns among the sources, which a digest of the tree must cover.
    public var patterns: [String] {
        sources.compactMap { source in
            if case .path(let pattern) = source { return pattern }
            return nil
        }
    }

    /// The step's key over the filesystem whose key is `parent`, given a digest of what it
    /// reads (``CopyFrom/digestField(_:)`` of the source's content or image digest).
    public func cacheKey(over parent: Digest, sourceDigest: String) -> Digest {
        let sourceFields = sources.map { source -> String in
            switch source {
            case .path(let pattern): return "path " + pattern
            case .inline(let name, let content): return "inline \(name) 644 " + Digest.sha256(content).description
            }
        }
        return CacheKey(isAdd ? "add" : "copy")
            .adding(parent.description)
            .adding(target.platform.description)
            .adding(target.sourceDateEpoch.map(String.init) ?? "")
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

/// Where a COPY or ADD reads from, as the stage graph and the named contexts say.
public enum CopyFrom: Sendable, Hashable {
    /// The build context (no `--from`).
    case context
    /// An earlier stage's output, by index (`--from=NAME` or `--from=INDEX`).
    case stage(Int)
    /// A named build context that is a directory (`--build-context NAME=DIR`).
    case namedDirectory(String)
    /// An image, by the reference as written (it may name an image build context); the
    /// builder resolves it once per build, to a manifest digest.
    case image(String)

    /// The field of the key that stands for the content read: `content` is the digest of
    /// the selected files (context, stage, directory) or the image's manifest digest.
    public func digestField(_ content: Digest) -> String {
        switch self {
        case .context: "context " + content.description
        case .stage: "stage files " + content.description
        case .namedDirectory: "named context " + content.description
        case .image: "image " + content.description
        }
    }
}
