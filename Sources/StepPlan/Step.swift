import Dockerfile
import OCI

/// One instruction of a stage, resolved: its words expanded in the stage's scope, its
/// `--from` classified, and the settings it runs and is packed with fixed. What a
/// filesystem step's cache key is made of is all here (with the digest of its parent
/// filesystem and, for a copy, of what it reads), so the builder only executes it.
public enum Step: Sendable {
    /// `RUN`: a process in the sandbox over a new snapshot.
    case run(RunStep)
    /// `COPY` or `ADD` into a new snapshot.
    case copy(CopyStep)
    /// `WORKDIR`: the config changed already; the directory is created in a new snapshot.
    case workdir(WorkdirStep)
    /// An instruction that changes only the config (applied already). `historyLine` is
    /// what the history records, nil for `ONBUILD` (BuildKit writes no entry for it).
    case metadata(historyLine: String?)
}

/// What every step of one stage is packed and keyed with.
public struct StepTarget: Sendable, Hashable {
    /// The stage's platform: its `FROM --platform`, else the build's target platform.
    public var platform: Platform
    /// File times are clamped to this and `created` is set to it (`SOURCE_DATE_EPOCH`).
    public var sourceDateEpoch: Int?
    /// How the layers of the stage's steps are compressed when they are packed.
    public var compression: LayerCompression

    public init(platform: Platform, sourceDateEpoch: Int?, compression: LayerCompression) {
        self.platform = platform
        self.sourceDateEpoch = sourceDateEpoch
        self.compression = compression
    }
}

/// The network a RUN step gets once `--network` and the build's default are applied.
public enum RunNetwork: String, Sendable, Hashable {
    /// A new network namespace with only loopback.
    case none
    /// The host's network namespace.
    case host
    /// A network namespace of its own behind swiftbuild's bridge (`--network private`).
    case `private`
}

/// The settings of a build that its RUN steps share, in the form their keys hash them.
public struct RunDefaults: Sendable, Hashable {
    /// The network of a RUN without `--network` (`--network` of the build).
    public var network: RunNetwork
    /// Whether `RUN --security=insecure` is allowed (`--allow security.insecure`).
    public var allowsInsecure: Bool
    /// `--add-host` lines, as name and address.
    public var extraHosts: [HostLine]
    /// `--ulimit` values, as `name=soft:hard`.
    public var resourceLimits: [String]
    /// `--shm-size` in bytes; nil: the sandbox's default.
    public var sharedMemorySize: UInt64?

    public init(
        network: RunNetwork = .host, allowsInsecure: Bool = false, extraHosts: [HostLine] = [],
        resourceLimits: [String] = [], sharedMemorySize: UInt64? = nil
    ) {
        self.network = network
        self.allowsInsecure = allowsInsecure
        self.extraHosts = extraHosts
        self.resourceLimits = resourceLimits
        self.sharedMemorySize = sharedMemorySize
    }
}

/// One `--add-host` line of a RUN step's `/etc/hosts`.
public struct HostLine: Sendable, Hashable {
    public var name: String
    public var address: String

    public init(name: String, address: String) {
        self.name = name
        self.address = address
    }
}
