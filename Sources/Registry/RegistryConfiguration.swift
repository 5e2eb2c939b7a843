/// How a ``RegistryClient`` reaches registries and who it says it is.
public struct RegistryConfiguration: Sendable {
    /// False to accept any TLS certificate and to fall back to plain HTTP for every
    /// registry (`--tls-verify=false`). When true, plain HTTP is used only for
    /// `localhost` and `127.0.0.1` (after HTTPS fails there).
    public var tlsVerify: Bool = true
    /// A directory with `*.crt` CA certificates to trust besides the system's and a
    /// `*.cert`/`*.key` client certificate pair (`--cert-dir`); nil means
    /// `/etc/containers/certs.d/HOST[:PORT]` or `/etc/docker/certs.d/HOST[:PORT]` when present.
    public var certificateDirectory: String?
    /// Credentials to use for every registry, instead of the docker config's.
    public var credentials: RegistryCredentials?
    /// The docker config file credentials are read from (see ``DockerConfig/defaultPath(environment:)``).
    public var dockerConfigPath: String = DockerConfig.defaultPath()
    /// Retries of failed exchanges.
    public var retry: RetryPolicy = RetryPolicy()
    /// How many blobs are downloaded or uploaded at the same time.
    public var maxConcurrentTransfers: Int = 4
    /// Blobs up to this size are uploaded with one PUT; larger ones in PATCH chunks of this size.
    public var uploadChunkSize: Int64 = 16 << 20

    /// The defaults: verified TLS, the docker config's credentials, 4 concurrent transfers.
    public init() {}
}
