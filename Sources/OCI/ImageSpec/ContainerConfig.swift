/// The defaults for running a container from an image: the `config` object of an image
/// configuration, with the OCI fields and Docker's extensions (`Healthcheck`, `OnBuild`,
/// `Shell`). JSON keys are PascalCase, as both specs write them.
public struct ContainerConfig: Sendable, Equatable, Codable {
    /// The user (and optionally group) to run as: `name`, `uid`, `name:group`, `uid:gid`.
    public var user: String?
    /// Ports to expose, as `port/tcp`, `port/udp` or `port/sctp`.
    public var exposedPorts: JSONKeySet?
    /// The environment, as `NAME=value` entries.
    public var env: [String]?
    /// The command to run; ``cmd`` supplies its default arguments.
    public var entrypoint: [String]?
    /// The default arguments to the entrypoint, or the command when there is none.
    public var cmd: [String]?
    /// Paths where volumes are mounted.
    public var volumes: JSONKeySet?
    /// The working directory of the process.
    public var workingDir: String?
    /// Arbitrary metadata from `LABEL`.
    public var labels: [String: String]?
    /// The signal that stops the container (`SIGTERM`, `9`, ...).
    public var stopSignal: String?
    /// True when `Cmd`/`Entrypoint` are already escaped for Windows command lines.
    public var argsEscaped: Bool?
    /// How to check that the container is healthy (Docker).
    public var healthcheck: Healthcheck?
    /// Instructions for images built `FROM` this one (Docker).
    public var onBuild: [String]?
    /// The shell for the shell form of `RUN`, `CMD` and `ENTRYPOINT` (Docker).
    public var shell: [String]?

    /// A configuration from its parts; everything is unset by default.
    public init(
        user: String? = nil, exposedPorts: JSONKeySet? = nil, env: [String]? = nil, entrypoint: [String]? = nil,
        cmd: [String]? = nil, volumes: JSONKeySet? = nil, workingDir: String? = nil,
        labels: [String: String]? = nil, stopSignal: String? = nil, argsEscaped: Bool? = nil,
        healthcheck: Healthcheck? = nil, onBuild: [String]? = nil, shell: [String]? = nil
    ) {
        self.user = user
        self.exposedPorts = exposedPorts
        self.env = env
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.volumes = volumes
        self.workingDir = workingDir
        self.labels = labels
        self.stopSignal = stopSignal
        self.argsEscaped = argsEscaped
        self.healthcheck = healthcheck
        self.onBuild = onBuild
        self.shell = shell
    }

    enum CodingKeys: String, CodingKey {
        case user = "User"
        case exposedPorts = "ExposedPorts"
        case env = "Env"
        case entrypoint = "Entrypoint"
        case cmd = "Cmd"
        case volumes = "Volumes"
        case workingDir = "WorkingDir"
        case labels = "Labels"
        case stopSignal = "StopSignal"
        case argsEscaped = "ArgsEscaped"
        case healthcheck = "Healthcheck"
        case onBuild = "OnBuild"
        case shell = "Shell"
    }
}
