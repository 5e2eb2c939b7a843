import Dockerfile
import OCI

/// What a stage knows as it goes through its instructions: the image configuration it
/// is building, its history, the ARGs in scope, and the word expander for its escape
/// character. Filesystem changes live elsewhere (snapshots); this is everything else.
public struct StageState: Sendable {
    /// The image configuration so far (base image's, then each instruction's changes).
    public var image: ImageConfiguration
    /// ARGs declared in this stage with their values (nil: declared without a value).
    public var args: [String: String?] = [:]
    /// The names of ``args`` in the order they were first declared.
    public var argOrder: [String] = []
    /// History entries added by this stage's instructions, in order.
    public var history: [HistoryEntry] = []
    /// Whether CMD was set in this stage: ENTRYPOINT only resets an inherited CMD.
    var cmdSetInStage = false
    /// The expander for this Dockerfile's escape character.
    let expander: WordExpander

    /// The PATH BuildKit gives Linux images whose config has none.
    public static let defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// The shell for shell-form RUN, CMD and ENTRYPOINT without a SHELL instruction.
    public static let defaultShell = ["/bin/sh", "-c"]
    /// The comment BuildKit writes on each history entry.
    public static let historyComment = "buildkit.dockerfile.v0"

    /// A stage starting from `base` (nil for `FROM scratch`) on `platform`.
    public init(base: ImageConfiguration?, platform: OCI.Platform, escape: Character) {
        var image = base ?? ImageConfiguration(architecture: platform.architecture, os: platform.os, variant: platform.variant)
        var config = image.config ?? ContainerConfig()
        if !(config.env ?? []).contains(where: { $0.hasPrefix("PATH=") }) {
            config.env = (config.env ?? []) + [Self.defaultPath]
        }
        // Triggers run when a child is built from the base; they are not inherited.
        config.onBuild = nil
        image.config = config
        image.history = base?.history ?? []
        self.image = image
        self.expander = WordExpander(escapeCharacter: escape)
    }

    /// A stage built `FROM` the stage `parent`: it starts from the parent's image and, as
    /// in BuildKit, with the ARGs the parent declared still in scope (for expansion, RUN
    /// environments and RUN history lines).
    public init(continuing parent: StageState, platform: OCI.Platform, escape: Character) {
        self.init(base: parent.finishedImage, platform: platform, escape: escape)
        args = parent.args
        argOrder = parent.argOrder
    }

    /// The image configuration with this stage's history appended: what a stage built
    /// `FROM` this one starts from, and what is exported.
    public var finishedImage: ImageConfiguration {
        var finished = image
        finished.history = (image.history ?? []) + history
        return finished
    }

    /// The container config, never nil.
    var config: ContainerConfig {
        get { image.config ?? ContainerConfig() }
        set { image.config = newValue }
    }

    /// ENV values as a dictionary (the later of duplicate keys wins).
    public var environment: [String: String] {
        var values: [String: String] = [:]
        for pair in config.env ?? [] {
            let key = String(pair.prefix(while: { $0 != "=" }))
            values[key] = String(pair.dropFirst(key.count + 1))
        }
        return values
    }

    /// What `$VAR` sees: the stage's ARGs with a value, overridden by ENV.
    public var expansionEnvironment: [String: String] {
        var values = args.compactMapValues { $0 }
        values.merge(environment) { $1 }
        return values
    }

    /// The environment of a RUN step: the image's ENV, plus ARGs in scope that ENV does not set.
    public var runEnvironment: [String] {
        let env = environment
        let extra = args.compactMapValues { $0 }.filter { env[$0.key] == nil }.sorted { $0.key < $1.key }
        return (config.env ?? []) + extra.map { "\($0.key)=\($0.value)" }
    }

    /// The shell for shell-form commands: SHELL's, else `/bin/sh -c`.
    public var shell: [String] { config.shell ?? Self.defaultShell }

    /// The working directory for RUN and relative COPY destinations (`/` when unset).
    public var workingDirectory: String { config.workingDir.flatMap { $0.isEmpty ? nil : $0 } ?? "/" }

    /// Expands one word with the stage's ARGs and ENV.
    public func expand(_ word: String) throws(WordExpansionError) -> String {
        try expander.expand(word, environment: expansionEnvironment).value
    }

    /// Expands and splits words with the stage's ARGs and ENV.
    public func expandWords(_ text: String) throws(WordExpansionError) -> [String] {
        try expander.expandWords(text, environment: expansionEnvironment).words
    }

    /// A command line as a process runs it: exec form as is, shell form through the SHELL.
    public func commandLine(_ form: CommandForm) -> [String] {
        switch form {
        case .exec(let words): return words
        case .shell(let text): return shell + [text]
        }
    }

    /// Records a history entry for an instruction; `emptyLayer` when it changed no files.
    public mutating func recordHistory(_ createdBy: String, emptyLayer: Bool, created: String?) {
        history.append(
            HistoryEntry(
                created: created, createdBy: createdBy, comment: Self.historyComment,
                emptyLayer: emptyLayer ? true : nil))
    }
}
