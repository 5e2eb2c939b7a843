/// One `COPY` or `ADD`, its words already variable-expanded and its flags resolved.
public struct CopyRequest: Sendable {
    /// `COPY` or `ADD`.
    public var instruction: CopyInstruction
    /// The sources, in instruction order.
    public var sources: [CopySource]
    /// The destination as written; relative to ``workingDirectory`` unless absolute. A
    /// trailing `/` (or `.`) makes it a directory.
    public var destination: String
    /// The stage's `WORKDIR` (absolute).
    public var workingDirectory: String
    /// `--chown`, resolved with ``UserDatabase/owner(for:)``; nil keeps BuildKit's default.
    public var owner: FileOwner?
    /// `--chmod`.
    public var modeChange: FileModeChange?
    /// `--exclude` patterns, matched against paths inside each selected source.
    public var excludes: [String]
    /// `--parents`: keep each source's path (from the root, or after a `/./` pivot).
    public var parents: Bool
    /// `--link`: accepted and performed as a plain copy into the stage's root (the
    /// result is the same files; only BuildKit's layer-rebasing optimisation is absent).
    public var link: Bool

    /// A request; flags default to absent.
    public init(
        _ instruction: CopyInstruction,
        sources: [CopySource],
        destination: String,
        workingDirectory: String = "/",
        owner: FileOwner? = nil,
        modeChange: FileModeChange? = nil,
        excludes: [String] = [],
        parents: Bool = false,
        link: Bool = false
    ) {
        self.instruction = instruction
        self.sources = sources
        self.destination = destination
        self.workingDirectory = workingDirectory
        self.owner = owner
        self.modeChange = modeChange
        self.excludes = excludes
        self.parents = parents
        self.link = link
    }
}
