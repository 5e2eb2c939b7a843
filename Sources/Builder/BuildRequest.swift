import Foundation
import OCI
import OCIArchive
import Planner
import Sandbox
import StepPlan
import Store

/// Everything one build needs besides the store.
public struct BuildRequest: Sendable {
    /// The planned Dockerfile.
    public var plan: BuildPlan
    /// The target, build args and platforms the plan was made with.
    public var options: PlanOptions
    /// The build context directory.
    public var contextDirectory: URL
    /// The Dockerfile's path, for a `<Dockerfile>.dockerignore` beside it; nil when read from stdin.
    public var dockerfilePath: URL?
    /// Names to tag the result with.
    public var tags: [String]
    /// The default network of RUN steps (`--network`).
    public var network: StepNetwork
    /// Clamp file times and set `created` to this (`SOURCE_DATE_EPOCH`).
    public var sourceDateEpoch: Int?
    /// How new layers are compressed.
    public var compression: LayerCompression
    /// Whether the base image's layers are recompressed as ``compression`` too
    /// (`force-compression=true`); by default they keep their own, as in BuildKit.
    public var forceCompression = false
    /// What to do about executables that would not start in the final image.
    public var elfCheck: ELFCheckPolicy
    /// How many stages may build at the same time (at least 1).
    public var jobs: Int
    /// Run every step even when the cache has its result (`--no-cache`); results are still recorded.
    public var noCache: Bool
    /// Where FROM and `COPY --from` get images the store lacks; nil: the store only.
    public var baseImageFetcher: (any BaseImageFetcher)?
    /// Shared caches (`--cache-from`) asked, in order, for a step's key that the store has
    /// no record of; each fetches a record's layer only when it hits.
    public var sharedCaches: [any SharedCacheSource] = []
    /// Fetch every FROM image again even when the store has one by that name (`--pull`).
    public var alwaysPull: Bool
    /// Named build contexts (`--build-context NAME=VALUE`), by name.
    public var namedContexts: [String: NamedContext] = [:]
    /// The build's secrets (`--secret`), by id: read when a `RUN --mount=type=secret`
    /// step prepares, never part of a key, a layer or a message.
    public var secrets: [String: SecretSource] = [:]
    /// The build's SSH agents (`--ssh`), by id: what a `RUN --mount=type=ssh` forwards to;
    /// neither path is ever part of a key, a layer or a message of a step.
    public var sshSources: [String: SSHSource] = [:]
    /// Lines added to every RUN step's `/etc/hosts` (`--add-host`), after the sandbox's own.
    public var extraHosts: [HostEntry] = []
    /// Resource limits of every RUN step (`--ulimit`).
    public var resourceLimits: [ResourceLimit] = []
    /// The size of every RUN step's `/dev/shm` in bytes (`--shm-size`); nil: 64 MiB.
    public var sharedMemorySize: UInt64?
    /// The cgroup limits of every RUN step (`--memory`, `--memory-swap`, `--cpus`,
    /// `--cpu-shares`, `--pids-limit`). Not part of the cache key: they bound a step, they
    /// do not change what it makes (a step they stop fails and records nothing).
    public var cgroupLimits = CgroupLimits()
    /// `--cgroup-parent`: where the steps' cgroups are made; not part of the cache key.
    public var cgroupParent: String?
    /// `--network-subnet`: the range private-network steps get their addresses from; not
    /// part of the cache key (an address does not change what a step makes).
    public var networkSubnet = IPv4Subnet.default
    /// Labels set on the result's config after the Dockerfile's own (`--label`): they win.
    public var labels: [String: String] = [:]
    /// Annotations on the result's manifest (`--annotation`).
    public var manifestAnnotations: [String: String] = [:]
    /// The entitlements the build was given (`--allow`), as buildx: without
    /// ``Entitlement/securityInsecure``, `RUN --security=insecure` is an error.
    public var entitlements: Set<Entitlement>
    /// `--platform P1,P2,...`: the whole graph is built once per platform, each with the
    /// plan made for that target platform, and the result is an image index. With fewer
    /// than two, the build is the single-platform one of ``plan`` and ``options``.
    public var platformTargets: [PlatformTarget] = []
    /// Shown before the stage name in progress events (the platform, in a
    /// multi-platform build's per-platform builds, as BuildKit's `[linux/arm64 build 2/4]`).
    public var progressPrefix: String?
    /// Set on each platform's build of a multi-platform build: its image is kept only by
    /// the index, and its config states this platform, as BuildKit states the target
    /// platform of an explicit `--platform` (a `FROM --platform=$BUILDPLATFORM` final
    /// stage would otherwise give two entries the same config).
    var indexPlatform: OCI.Platform?

    public init(
        plan: BuildPlan, options: PlanOptions, contextDirectory: URL, dockerfilePath: URL?, tags: [String],
        network: StepNetwork = .host, sourceDateEpoch: Int? = nil, compression: LayerCompression = .gzip(),
        elfCheck: ELFCheckPolicy = .warn, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        noCache: Bool = false, baseImageFetcher: (any BaseImageFetcher)? = nil, alwaysPull: Bool = false,
        entitlements: Set<Entitlement> = []
    ) {
        self.plan = plan
        self.options = options
        self.contextDirectory = contextDirectory
        self.dockerfilePath = dockerfilePath
        self.tags = tags
        self.network = network
        self.sourceDateEpoch = sourceDateEpoch
        self.compression = compression
        self.elfCheck = elfCheck
        self.jobs = max(1, jobs)
        self.noCache = noCache
        self.baseImageFetcher = baseImageFetcher
        self.alwaysPull = alwaysPull
        self.entitlements = entitlements
    }

    /// The image platform, in image-spec terms.
    public var platform: OCI.Platform { options.targetPlatform }

    /// What every RUN step of the build shares, as the steps carry it.
    var runDefaults: RunDefaults {
        RunDefaults(
            network: network.runNetwork, allowsInsecure: entitlements.contains(.securityInsecure),
            extraHosts: extraHosts.map { HostLine(name: $0.name, address: $0.address) },
            resourceLimits: resourceLimits.map { "\($0.name)=\($0.soft):\($0.hard)" },
            sharedMemorySize: sharedMemorySize)
    }

    /// The named build contexts that are directories, which `COPY --from` reads as trees.
    var directoryContexts: Set<String> {
        Set(
            namedContexts.compactMap { name, context in
                if case .directory = context { return name }
                return nil
            })
    }

    /// Where an in-stage `ARG NAME` without a default takes its value from.
    var argSources: ArgSources {
        var globals = options.predefinedArgs
        for arg in plan.globalArgs { globals[arg.name] = arg.value }
        return ArgSources(buildArgs: options.buildArgs, globals: globals)
    }
}

/// One platform of a multi-platform build: the target platform and the plan made for it
/// (FROM lines and ARG defaults may use `$TARGETPLATFORM`, `$TARGETARCH`...).
public struct PlatformTarget: Sendable {
    public var platform: OCI.Platform
    public var plan: BuildPlan

    public init(platform: OCI.Platform, plan: BuildPlan) {
        self.platform = platform
        self.plan = plan
    }
}

/// A privilege a build must be given explicitly (`--allow`), as BuildKit's entitlements.
public enum Entitlement: String, Sendable, Hashable, CaseIterable {
    /// `RUN --security=insecure`: every capability, no seccomp filter.
    case securityInsecure = "security.insecure"
}

/// The network a RUN step sees.
public enum StepNetwork: String, Sendable, CaseIterable {
    /// The host's network namespace (the default, as in `docker build`).
    case host
    /// A new network namespace with only loopback.
    case none
    /// A network namespace of its own with a veth to swiftbuild's bridge, an address from
    /// ``BuildRequest/networkSubnet`` and NAT to the outside.
    case `private`

    var runNetwork: RunNetwork {
        switch self {
        case .host: .host
        case .none: .none
        case .private: .private
        }
    }
}

/// What a build produced.
public struct BuildResult: Sendable {
    /// The image's manifest descriptor; its digest is the image ID.
    public var descriptor: Descriptor
    /// The image's configuration.
    public var config: ImageConfiguration
    /// The cache records of every filesystem step the build ran or hit, by key (what
    /// `--cache-to` shares).
    public var cacheRecords: [Digest: CacheRecord]
    /// For a multi-platform build, whose ``descriptor`` is an image index: each platform's
    /// manifest descriptor (with its platform), in the order of `--platform`.
    public var platformImages: [Descriptor] = []

    /// Whether the result is an image index (a build for several platforms).
    public var isIndex: Bool { descriptor.mediaType.isIndex }
}

/// Where a build secret's value comes from (`--secret id=ID,src=PATH` or `id=ID,env=VAR`).
public enum SecretSource: Sendable, Equatable {
    /// A host file, read when a step uses it.
    case file(String)
    /// An environment variable of swiftbuild's own process.
    case environment(String)

    /// Parses docker buildx's `--secret` value: `id=ID` with `src=`/`source=PATH` or
    /// `env=VAR`, and an optional `type=file|env`. Without a source, `type=env` (or no
    /// type, when the variable named like the id is set) reads the variable `ID`, else
    /// the file `ID`, as buildx does.
    public static func parse(_ text: String, environment: [String: String]) throws -> (id: String, source: SecretSource) {
        var fields: [String: String] = [:]
        for field in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = field.firstIndex(of: "=") else {
                throw SecretSourceError("--secret: expected KEY=VALUE fields, got '\(field)'")
            }
            let key = field[..<equals].lowercased()
            guard ["id", "src", "source", "env", "type"].contains(key) else {
                throw SecretSourceError("--secret: unexpected key '\(key)' (use id, src, source, env, type)")
            }
            fields[key == "source" ? "src" : key] = String(field[field.index(after: equals)...])
        }
        let type = fields["type"]
        guard type == nil || type == "file" || type == "env" else {
            throw SecretSourceError("--secret: unsupported type '\(type ?? "")' (use file or env)")
        }
        guard let id = fields["id"], !id.isEmpty else {
            throw SecretSourceError("--secret: the secret has no id (id=ID)")
        }
        if let path = fields["src"], type != "env" { return (id, .file(path)) }
        if let variable = fields["env"] ?? (type == "env" ? fields["src"] : nil) { return (id, .environment(variable)) }
        if type == "env" || (type == nil && environment[id] != nil) { return (id, .environment(id)) }
        return (id, .file(id))
    }
}

/// A `--secret` value that is not one of buildx's forms.
public struct SecretSourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
