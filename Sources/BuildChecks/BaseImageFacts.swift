import OCI

/// What the checks need to know about a stage's base image, read from its config by the
/// caller (the checks do no I/O).
public struct BaseImageFacts: Sendable, Equatable {
    /// The names of the image's environment variables, in config order (UndefinedVar).
    public var environment: [String]
    /// Whether the image's config sets a shell (JSONArgsRecommended is then not reported).
    public var hasShell: Bool
    /// The image's platform (InvalidBaseImagePlatform).
    public var platform: Platform?

    public init(environment: [String], hasShell: Bool = false, platform: Platform? = nil) {
        self.environment = environment
        self.hasShell = hasShell
        self.platform = platform
    }

    /// The facts of an image config.
    public init(config: ImageConfiguration) {
        let names = (config.config?.env ?? []).map { String($0.prefix(while: { $0 != "=" })) }
        self.init(
            environment: names, hasShell: !(config.config?.shell ?? []).isEmpty,
            platform: Platform(architecture: config.architecture, os: config.os, variant: config.variant))
    }
}
