import Dockerfile
import OCI
import Planner

/// Turns one stage's instructions into resolved ``Step``s, in order, keeping the stage's
/// configuration (``StageState``) as it goes.
///
/// A stage is planned instruction by instruction as it is built, not all at once: its
/// words expand with its base's ENV, which for `FROM image` is only known once the image
/// is resolved, and an instruction that cannot be resolved fails after the steps before
/// it ran, as it always has in swiftbuild (BuildKit converts the whole Dockerfile first).
/// Each step is resolved before it runs, and nothing here touches the filesystem, the
/// store or the network.
public struct StagePlanner: Sendable {
    /// The stage's configuration so far: base, then every instruction planned.
    public private(set) var state: StageState
    /// The platform and packing settings of every step of the stage.
    public let target: StepTarget
    let defaults: RunDefaults
    let argSources: ArgSources
    /// Stage indices by name (lower-cased), and how many stages there are: what `--from`
    /// may name.
    let stageIndexByName: [String: Int]
    let stageCount: Int
    /// The stages this one depends on (built before it): the only ones `--from` can read.
    let dependencies: Set<Int>
    /// Named build contexts that are directories, which `--from` reads as a tree.
    let directoryContexts: Set<String>

    /// A planner for `stage` of `plan`, starting from `state` (the base's configuration).
    public init(
        stage: Stage, of plan: BuildPlan, state: StageState, target: StepTarget, defaults: RunDefaults,
        argSources: ArgSources, directoryContexts: Set<String>
    ) {
        self.state = state
        self.target = target
        self.defaults = defaults
        self.argSources = argSources
        self.directoryContexts = directoryContexts
        var byName: [String: Int] = [:]
        for other in plan.stages.reversed() {
            if let name = other.name { byName[name] = other.index }
        }
        stageIndexByName = byName
        stageCount = plan.stages.count
        dependencies = Set(stage.dependsOn)
    }

    /// The platform of `stage` of `plan`: its `FROM --platform`, else `targetPlatform`;
    /// for a stage built `FROM` another, that stage's platform (its own `--platform` is
    /// not used), as in BuildKit.
    public static func platform(
        of stage: Stage, in plan: BuildPlan,
        targetPlatform: OCI.Platform
    ) throws(StageConfigurationError) -> OCI.Platform {
        var base = stage
        while case .stage(let parent) = base.base { base = plan.stages[parent] }
        guard let text = base.platform else { return targetPlatform }
        do {
            return try OCI.Platform(parsing: text)
        } catch {
            throw StageConfigurationError(error.description)
        }
    }

    /// Resolves the next instruction. Configuration instructions (and WORKDIR) change
    /// ``state`` now; the history entry is the builder's to record once the step ran
    /// (``recordHistory(_:emptyLayer:created:)``), since its time is the layer's.
    public mutating func step(for instruction: Instruction) throws -> Step {
        switch instruction.command {
        case .run(let run):
            return .run(try runStep(run, heredocs: instruction.heredocs))
        case .copy(let transfer), .add(let transfer):
            return .copy(try copyStep(transfer, isAdd: instruction.keyword == .add, heredocs: instruction.heredocs))
        case .workdir(let path):
            let historyLine = try state.applyWorkdir(path)
            return .workdir(
                WorkdirStep(
                    path: state.workingDirectory, user: state.config.user ?? "", target: target,
                    historyLine: historyLine))
        case .from:
            preconditionFailure("FROM starts a stage; it is not a step")
        case .onbuild:
            // BuildKit records triggers in the config only, with no history entry.
            _ = try state.applyMetadata(instruction.command, argSources: argSources)
            return .metadata(historyLine: nil)
        default:
            return .metadata(historyLine: try state.applyMetadata(instruction.command, argSources: argSources))
        }
    }

    /// Records a history entry for a step; `emptyLayer` when it changed no files.
    public mutating func recordHistory(_ createdBy: String, emptyLayer: Bool, created: String?) {
        state.recordHistory(createdBy, emptyLayer: emptyLayer, created: created)
    }

    private func runStep(_ run: RunCommand, heredocs: [Heredoc]) throws -> RunStep {
        var sshMounts = 0
        let mounts = try run.mounts.map { mount in
            defer { if mount.kind == .ssh { sshMounts += 1 } }
            return try mountStep(mount, sshIndex: sshMounts)
        }
        let insecure = run.security == .insecure
        guard !insecure || defaults.allowsInsecure else {
            throw StageConfigurationError("the entitlement security.insecure is not allowed (pass --allow security.insecure)")
        }
        let network: RunNetwork =
            switch run.network ?? .default {
            case .none: .none
            case .host: .host
            case .default: defaults.network
            }
        var environment = state.runEnvironment
        if let socket = mounts.first(where: { if case .ssh = $0.kind { true } else { false } })?.target,
            !environment.contains(where: { $0.hasPrefix(RunMountStep.SSHMount.socketVariable + "=") })
        {
            // As BuildKit's exec op: the first ssh mount's socket, unless ENV or ARG set it.
            environment.append(RunMountStep.SSHMount.socketVariable + "=" + socket)
        }
        return RunStep(
            command: run.command, heredocs: heredocs, shell: state.shell, environment: environment,
            workingDirectory: state.workingDirectory, user: state.config.user ?? "", network: network,
            insecure: insecure, defaults: defaults, target: target, mounts: mounts,
            historyLine: Self.runHistory(state.commandLine(run.command), state: state))
    }

    /// Resolves one `--mount`: its words expanded, a relative or missing target joined to
    /// the working directory (only `/` is refused), as BuildKit's frontend does.
    /// `sshIndex` counts the step's ssh mounts before this one (BuildKit's default target).
    func mountStep(_ mount: RunMount, sshIndex: Int = 0) throws -> RunMountStep {
        let spec = mount.options.sorted(by: { $0.key < $1.key }).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        func invalid(_ reason: String) -> StageConfigurationError {
            StageConfigurationError("--mount=\(spec): \(reason)")
        }
        func flag(_ key: String) throws(StageConfigurationError) -> Bool? {
            guard let value = mount.options[key] else { return nil }
            switch value.lowercased() {
            case "1", "t", "true": return true
            case "0", "f", "false": return false
            default: throw invalid("'\(key)=\(value)' is not a boolean")
            }
        }
        func number(_ key: String, radix: Int, default value: UInt32) throws -> UInt32 {
            guard let text = mount.options[key] else { return value }
            let expanded = try state.expand(text)
            guard let number = UInt32(expanded, radix: radix) else {
                throw invalid("'\(key)=\(expanded)' is not a\(radix == 8 ? "n octal mode" : " number")")
            }
            return number
        }
        if mount.kind == .secret {
            // BuildKit's defaults: the id is the target's basename, the target is
            // /run/secrets/<id> unless only `env` is asked for.
            let written = try mount.target.map { try state.expand($0) }
            let environmentVariable = try mount.options["env"].map { try state.expand($0) }
            let id =
                try mount.options["id"].map { try state.expand($0) }
                ?? written.flatMap { $0.split(separator: "/").last.map(String.init) } ?? ""
            guard !id.isEmpty else { throw invalid("the secret has no id (name it with id= or target=)") }
            if let environmentVariable, environmentVariable.isEmpty || environmentVariable.contains("=") {
                throw invalid("'env=\(environmentVariable)' is not an environment variable name")
            }
            let asFile = written != nil || environmentVariable == nil
            let target = RunMountStep.absolute(written ?? "/run/secrets/\(id)", workingDirectory: state.workingDirectory)
            guard target != "/" else { throw invalid("the mount target '/' is not allowed") }
            let secret = RunMountStep.SecretMount(
                id: id, asFile: asFile, environmentVariable: environmentVariable, required: try flag("required") ?? false,
                mode: try number("mode", radix: 8, default: 0o400), uid: try number("uid", radix: 10, default: 0),
                gid: try number("gid", radix: 10, default: 0))
            return RunMountStep(kind: .secret(secret), target: target)
        }
        if mount.kind == .ssh {
            return try sshMountStep(mount, index: sshIndex, invalid: invalid, flag: flag, number: number)
        }
        let target = RunMountStep.absolute(try state.expand(mount.target ?? ""), workingDirectory: state.workingDirectory)
        guard target != "/" else { throw invalid("the mount target '/' is not allowed") }
        switch mount.kind {
        case .bind:
            let readOnly = try flag("readonly")
            let readWrite = try flag("readwrite")
            let from = try mount.from.map { try state.expand($0) }
            let source = try state.expand(mount.source ?? "")
            return RunMountStep(
                kind: .bind(
                    from: try copyFrom(from), source: RunMountStep.absolute(source, workingDirectory: "/"),
                    readWrite: readWrite ?? readOnly.map { !$0 } ?? false),
                target: target)
        case .tmpfs:
            var size: UInt64?
            if let text = mount.options["size"] {
                let expanded = try state.expand(text)
                guard let bytes = RunMountStep.bytes(expanded) else {
                    throw invalid("'size=\(expanded)' is not a size (such as 64m)")
                }
                size = bytes
            }
            return RunMountStep(kind: .tmpfs(size: size), target: target)
        case .cache:
            let from = try mount.from.map { try state.expand($0) }
            let source = RunMountStep.absolute(try state.expand(mount.source ?? ""), workingDirectory: "/")
            let seed = try from.map { try copyFrom($0) }
            let sharingText = try state.expand(mount.options["sharing"] ?? "shared")
            guard let sharing = RunMountStep.CacheMount.Sharing(rawValue: sharingText.lowercased()) else {
                throw invalid("'sharing=\(sharingText)' is not one of shared, private, locked")
            }
            let readOnly = try flag("readonly") ?? (try flag("readwrite")).map { !$0 } ?? false
            let cache = RunMountStep.CacheMount(
                id: try mount.options["id"].map { try state.expand($0) } ?? target, sharing: sharing, readOnly: readOnly,
                mode: try number("mode", radix: 8, default: 0o755), uid: try number("uid", radix: 10, default: 0),
                gid: try number("gid", radix: 10, default: 0),
                // As BuildKit's frontend: the owner directory is made only for an
                // unseeded cache mounted at its root.
                setsOwnership: seed == nil && source == "/" && ["mode", "uid", "gid"].contains { mount.options[$0] != nil },
                from: seed, source: source)
            return RunMountStep(kind: .cache(cache), target: target)
        case .secret:
            preconditionFailure("a secret mount is resolved above")
        case .ssh:
            preconditionFailure("an ssh mount is resolved above")
        }
    }

    private func copyStep(_ transfer: FileTransfer, isAdd: Bool, heredocs: [Heredoc]) throws -> CopyStep {
        let sources = try transfer.sources.map { try copySource($0, heredocs: heredocs) }
        let destination = try state.expand(transfer.destination)
        let chown = try transfer.chown.map { try state.expand($0) }
        let chmod = try transfer.chmod.map { try state.expand($0) }
        let excludes = try transfer.excludes.map { try state.expand($0) }
        let from = try transfer.from.map { try state.expand($0) }
        // The history shows a here-document's opener as written, every other word expanded.
        let sourceWords = zip(transfer.sources, sources).map { word, source in
            if Heredoc.opener(in: word) == nil, case .path(let path) = source { path } else { word }
        }
        return CopyStep(
            isAdd: isAdd, sources: sources, destination: destination, workingDirectory: state.workingDirectory,
            chown: chown, chmod: chmod, excludes: excludes, from: try copyFrom(from),
            parents: transfer.parents, link: transfer.link, target: target,
            historyLine: Self.copyHistory(
                isAdd ? .add : .copy, parents: transfer.parents, chown: chown, chmod: chmod, sources: sourceWords,
                destination: destination),
            checksum: try transfer.checksum.map { try state.expand($0) }, keepGitDirectory: transfer.keepGitDir)
    }

    /// What an expanded `--from` value names: a stage this one depends on (by name, else
    /// by index), a named directory context, or else an image.
    func copyFrom(_ reference: String?) throws(StageConfigurationError) -> CopyFrom {
        guard let reference else { return .context }
        if reference.isEmpty {
            throw StageConfigurationError("--from expanded to an empty string; name a stage, a stage index or an image")
        }
        let named = stageIndexByName[reference.lowercased()]
        if let index = named ?? Int(reference).flatMap({ (0..<stageCount).contains($0) ? $0 : nil }), dependencies.contains(index) {
            return .stage(index)
        }
        if directoryContexts.contains(reference) { return .namedDirectory(reference) }
        return .image(reference)
    }

    /// A source word: a here-document's body (expanded unless its delimiter was quoted), or a path.
    private func copySource(_ word: String, heredocs: [Heredoc]) throws -> CopyStep.Source {
        if let heredoc = heredocs.first(where: { Heredoc.opener(in: word)?.name == $0.name }) {
            let content = heredoc.expand ? try state.expand(heredoc.content) : heredoc.content
            return .inline(name: heredoc.name, content: Array(content.utf8))
        }
        return .path(try state.expand(word))
    }

    /// `RUN |2 A=1 B=2 /bin/sh -c make # buildkit`: the stage's ARGs (ENV wins for a name
    /// both set) are listed before the command, as BuildKit writes them.
    static func runHistory(_ commandLine: [String], state: StageState) -> String {
        let environment = state.environment
        let args = state.argOrder.map { name -> String in
            let value = environment[name] ?? state.args[name].flatMap { $0 } ?? ""
            return "\(name)=\(value)"
        }
        let prefix = args.isEmpty ? [] : ["|\(args.count)"] + args
        return "RUN " + (prefix + commandLine).joined(separator: " ") + " # buildkit"
    }

    /// `COPY --chown=app --chmod=755 src dest # buildkit`, with the words expanded.
    static func copyHistory(
        _ keyword: Keyword, parents: Bool, chown: String?, chmod: String?, sources: [String], destination: String
    ) -> String {
        var words = [keyword.rawValue]
        if parents { words.append("--parents") }
        if let chown { words.append("--chown=\(chown)") }
        if let chmod { words.append("--chmod=\(chmod)") }
        words += sources
        words.append(destination)
        return words.joined(separator: " ") + " # buildkit"
    }
}
