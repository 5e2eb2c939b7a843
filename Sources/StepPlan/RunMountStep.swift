import Dockerfile
import OCI

/// One `RUN --mount`, resolved: its words expanded, its target made absolute against the
/// step's working directory (as BuildKit's frontend does), its `from` classified. What it
/// mounts is never part of the layer; what its key holds is its spec and, for a bind,
/// the digest of what it selects (supplied by the builder).
public struct RunMountStep: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A bind of `source` inside `from` (the context, a stage, an image), read-only
        /// unless `readWrite` (then writes go to a throwaway copy and vanish with the step).
        case bind(from: CopyFrom, source: String, readWrite: Bool)
        /// A fresh tmpfs of `size` bytes (nil: the kernel's default, half of memory).
        case tmpfs(size: UInt64?)
        /// A persistent cache directory of the store, shared by `id` across steps, stages
        /// and builds (a new one seeded from `from` when given); what it holds is never in
        /// a layer or a key.
        case cache(CacheMount)
        /// A build secret (`--secret`), as a read-only file on a small tmpfs of its own at
        /// the target and/or as an environment variable of the step; its value is never
        /// part of the key, only the spec.
        case secret(SecretMount)
        /// An SSH agent socket (`--ssh`), forwarded to the build's agent; see ``SSHMount``.
        case ssh(SSHMount)
    }

    /// A `type=secret` mount's options, defaults applied as BuildKit's frontend does.
    public struct SecretMount: Sendable, Hashable {
        /// The secret's name (`--secret id=...`; default: the target's basename).
        public var id: String
        /// Whether the secret is a file at the target (false: `env` only, no target given).
        public var asFile: Bool
        /// The environment variable that holds the secret, if any.
        public var environmentVariable: String?
        /// A missing required secret stops the build; a missing optional one is skipped.
        public var required: Bool
        /// The file's mode, owner and group (defaults 0400, 0, 0).
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32

        public init(
            id: String, asFile: Bool, environmentVariable: String?, required: Bool, mode: UInt32, uid: UInt32, gid: UInt32
        ) {
            self.id = id
            self.asFile = asFile
            self.environmentVariable = environmentVariable
            self.required = required
            self.mode = mode
            self.uid = uid
            self.gid = gid
        }
    }

    /// A `type=cache` mount's options.
    public struct CacheMount: Sendable, Hashable {
        public enum Sharing: String, Sendable, Hashable {
            case shared, `private`, locked
        }
        /// The cache's name (default: the target).
        public var id: String
        public var sharing: Sharing
        public var readOnly: Bool
        /// The new cache directory's mode, owner and group (defaults 0755, 0, 0).
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32
        /// Whether `mode`, `uid` or `gid` was written on a cache that is not seeded and
        /// mounts its root. BuildKit then mounts a directory it made with them, so the
        /// cache is another one than the id's plain one (two stages naming one id with
        /// different owners do not share, and each gets its owner).
        public var setsOwnership: Bool
        /// `from=`: the stage, named directory context or image a new cache is seeded
        /// from (a copy of `source` in it); nil: a new cache is empty.
        public var from: CopyFrom?
        /// `source=` (absolute, cleaned; default `/`): with `from`, the directory copied
        /// into a new cache; without, the directory of the cache that is mounted.
        public var source: String

        public init(
            id: String, sharing: Sharing, readOnly: Bool, mode: UInt32, uid: UInt32, gid: UInt32,
            setsOwnership: Bool = false, from: CopyFrom? = nil, source: String = "/"
        ) {
            self.id = id
            self.sharing = sharing
            self.readOnly = readOnly
            self.mode = mode
            self.uid = uid
            self.gid = gid
            self.setsOwnership = setsOwnership
            self.from = from
            self.source = source
        }

        /// Which cache of the store the mount uses, given `seed`, the digest of what
        /// `source` selects in `from` (as ``RunMountStep/keyFields(contentDigest:)`` takes
        /// it): the id alone for a plain cache, so that caches made before seeding existed
        /// stay theirs. As in BuildKit, whose cache is the id joined with the identity of
        /// the mount's input: a seeded cache is one per id and seed (a changed seed starts
        /// a new cache), and one whose `mode`/`uid`/`gid` were written is one per id and
        /// those values. The seed names `source` too, since only that directory is copied.
        public func identity(seed: Digest?) -> String {
            if let from {
                return [id, "seed", seed.map { from.digestField($0) } ?? "", source].joined(separator: "\u{0}")
            }
            if setsOwnership {
                return [id, "owner", String(mode, radix: 8), String(uid), String(gid)].joined(separator: "\u{0}")
            }
            return id
        }
    }

    public var kind: Kind
    /// The absolute, cleaned path in the step's root; never `/` (unused by a secret that
    /// is only an environment variable).
    public var target: String

    public init(kind: Kind, target: String) {
        self.kind = kind
        self.target = target
    }

    /// The fields of the step's key for this mount; `contentDigest` is the digest of what
    /// a bind selects (its source's content, or the image's manifest digest).
    func keyFields(contentDigest: Digest?) -> [String] {
        switch kind {
        case .bind(let from, let source, let readWrite):
            let content = contentDigest.map { from.digestField($0) } ?? ""
            return ["bind", target, source, readWrite ? "rw" : "ro", content]
        case .tmpfs(let size):
            return ["tmpfs", target, size.map(String.init) ?? ""]
        case .cache(let cache):
            let spec = [
                "cache", target, cache.id, cache.sharing.rawValue, cache.readOnly ? "ro" : "rw",
                String(cache.mode, radix: 8), String(cache.uid), String(cache.gid)
            ]
            // Added only when present, so that the keys of plain cache mounts stay as they
            // were. The seed is keyed by what `source` selects in `from` (its content, or
            // an image's manifest digest), as BuildKit hashes a cache mount's input by
            // content; what the cache holds never is.
            guard cache.from != nil || cache.source != "/" || cache.setsOwnership else { return spec }
            let seed = cache.from.map { from in contentDigest.map { from.digestField($0) } ?? "" } ?? ""
            return spec + ["seed", cache.source, seed, cache.setsOwnership ? "owner" : ""]
        case .secret(let secret):
            // The spec only: the value is never part of a key (as BuildKit's).
            return [
                "secret", secret.asFile ? target : "", secret.id, secret.environmentVariable ?? "",
                secret.required ? "required" : "optional", String(secret.mode, radix: 8), String(secret.uid),
                String(secret.gid)
            ]
        case .ssh(let ssh):
            return ssh.keyFields(target: target)
        }
    }

    /// `path` made absolute against `workingDirectory` and cleaned (`.`, `..`, repeated
    /// slashes), as Go's `filepath.Join("/", dir, path)`.
    public static func absolute(_ path: String, workingDirectory: String) -> String {
        "/" + RootedPath.clean(path.hasPrefix("/") ? path : workingDirectory + "/" + path)
    }

    /// A `size=` value as BuildKit reads it (go-units' RAMInBytes: `64m`, `1g`, `512k`,
    /// plain bytes, case-insensitive, an optional `b`/`ib` suffix).
    static func bytes(_ text: String) -> UInt64? {
        let lower = text.lowercased().trimmingCharacters(in: " ")
        let number = lower.prefix(while: { $0.isNumber || $0 == "." })
        var unit = lower.dropFirst(number.count).trimmingCharacters(in: " ")
        if unit.hasSuffix("ib") { unit.removeLast(2) } else if unit.hasSuffix("b") { unit.removeLast() }
        let multiplier: Double? =
            switch unit {
            case "": 1
            case "k": 1024
            case "m": 1024 * 1024
            case "g": 1024 * 1024 * 1024
            case "t": 1024 * 1024 * 1024 * 1024
            default: nil
            }
        guard let multiplier, let value = Double(number), value >= 0 else { return nil }
        return UInt64(value * multiplier)
    }
}

extension String {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop(while: { $0 == character }).reversed().drop(while: { $0 == character }).reversed())
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(self).trimmingCharacters(in: character)
    }
}
