import OCI

/// What a user chose for one build: the target stage, build args and platforms.
public struct PlanOptions: Sendable {
    /// The `--target` stage name (case-insensitive); nil builds the last stage.
    public var target: String?
    /// The `--build-arg` values, which override ARG defaults.
    public var buildArgs: [String: String]
    /// The platform the build runs on.
    public var buildPlatform: Platform
    /// The platform the image is for.
    public var targetPlatform: Platform
    /// The names of the named build contexts (`--build-context`): a `--from` naming one is
    /// not a misspelt stage.
    public var namedContexts: Set<String> = []

    public init(
        target: String? = nil, buildArgs: [String: String] = [:],
        buildPlatform: Platform = .host, targetPlatform: Platform = .host
    ) {
        self.target = target
        self.buildArgs = buildArgs
        self.buildPlatform = buildPlatform
        self.targetPlatform = targetPlatform
    }

    /// The ARGs every Dockerfile may use without a default: the platform ARGs.
    ///
    /// They are in scope in FROM lines; inside a stage they must be declared with `ARG NAME`.
    public var predefinedArgs: [String: String] {
        [
            "BUILDPLATFORM": buildPlatform.description,
            "BUILDOS": buildPlatform.os,
            "BUILDARCH": buildPlatform.architecture,
            "BUILDVARIANT": buildPlatform.variant ?? "",
            "TARGETPLATFORM": targetPlatform.description,
            "TARGETOS": targetPlatform.os,
            "TARGETARCH": targetPlatform.architecture,
            "TARGETVARIANT": targetPlatform.variant ?? ""
        ]
    }
}
