import Dockerfile
import OCI
import StepPlan

/// What a stage has set up by the time an instruction is checked, as BuildKit's dispatch
/// state carries it (a stage built on another starts with that one's).
struct StageEnvironment {
    /// The environment variables (base image ENV, ENV, ARGs with a value), in order of definition.
    var names: [String] = []
    var values: [String: String] = [:]
    /// False when the base image's environment is unknown: UndefinedVar is then not reported.
    var isKnown = true
    /// The ARGs the stage declared (with or without a value): never "undefined".
    var declaredArgs: Set<String> = []
    /// Whether a SHELL is in force (SHELL, or the base image's config).
    var hasShell = false
    /// Whether an earlier WORKDIR of the stage (or of the stage it is built on) ran.
    var workdirSet = false

    mutating func define(_ name: String, _ value: String) {
        if values[name] == nil { names.append(name) }
        values[name] = value
    }
}

/// The names BuildKit never reports as undefined (its SBOM scan ARGs, which are not set in the environment).
private let nonEnvironmentArgs: Set<String> = ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"]

extension BuildChecker {
    /// The checks of a stage's instructions, in order: UndefinedVar, LegacyKeyValueFormat,
    /// SecretsUsedInArgOrEnv, WorkdirRelativePath, JSONArgsRecommended,
    /// MultipleInstructionsDisallowed, ExposeProtoCasing and ExposeInvalidFormat.
    ///
    /// - Returns: the environment at the end of the stage, for the stages built on it.
    mutating func dispatch(_ stage: CheckedStage, scope: [String: String], finished: [Int: StageEnvironment]) -> StageEnvironment {
        var environment = StageEnvironment()
        switch base(of: stage, scope: scope) {
        case .stage(let index)?:
            environment = finished[index] ?? StageEnvironment(isKnown: false)
        case .image?:
            if let facts = baseImages[stage.index] {
                for name in facts.environment { environment.define(name, "") }
                environment.hasShell = facts.hasShell
            } else {
                environment.isKnown = false
            }
        case .scratch?, nil:
            environment.define("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        var lastCmd: Instruction?
        var lastEntrypoint: Instruction?
        var lastHealthcheck: Instruction?
        for instruction in stage.instructions {
            switch instruction.command {
            case .arg(let definitions):
                for definition in definitions {
                    checkSecret("ARG", definition.name, at: instruction)
                    var value: String?
                    if let given = options.buildArgs[definition.name] {
                        value = given
                    } else if let defaultValue = definition.defaultValue {
                        value = expand(defaultValue, in: environment, at: instruction)
                    } else {
                        value = scope[definition.name]
                    }
                    if let value, !nonEnvironmentArgs.contains(definition.name) { environment.define(definition.name, value) }
                    environment.declaredArgs.insert(definition.name)
                }
            case .env(let pairs):
                // All pairs expand before any is set, as in BuildKit: `ENV A=1 B=$A` reads the old A.
                var expanded: [(String, String)] = []
                for pair in pairs {
                    let key = expand(pair.key, in: environment, at: instruction) ?? pair.key
                    expanded.append((key, expand(pair.value, in: environment, at: instruction) ?? pair.value))
                }
                for (key, value) in expanded {
                    if instruction.legacyKeyValueForm { warnLegacyKeyValue(instruction) }
                    checkSecret("ENV", key, at: instruction)
                    environment.define(key, value)
                }
            case .label(let pairs):
                for pair in pairs {
                    _ = expand(pair.key, in: environment, at: instruction)
                    _ = expand(pair.value, in: environment, at: instruction)
                }
                if instruction.legacyKeyValueForm { warnLegacyKeyValue(instruction) }
            case .workdir(let path):
                let expanded = expand(path, in: environment, at: instruction) ?? path
                if !environment.workdirSet, !expanded.hasPrefix("/") {
                    warn(
                        .workdirRelativePath,
                        "Relative workdir \(GoFormat.quoted(expanded)) can have unexpected results if the base image changes",
                        at: instruction,
                        scope: instruction)
                }
                environment.workdirSet = true
            case .user(let text), .stopSignal(let text):
                _ = expand(text, in: environment, at: instruction)
            case .volume(let volume):
                for path in volume.paths { _ = expand(path, in: environment, at: instruction) }
            case .copy(let transfer), .add(let transfer):
                for text in [transfer.chown, transfer.chmod, transfer.checksum].compactMap({ $0 }) {
                    _ = expand(text, in: environment, at: instruction)
                }
                let heredocNames = Set(instruction.heredocs.map(\.name))
                var contextSources: [String] = []
                for source in transfer.sources where !isHeredocWord(source, names: heredocNames) {
                    contextSources.append(expand(source, in: environment, at: instruction) ?? source)
                }
                if transfer.from == nil {
                    let verb = instruction.keyword == .add ? "Add" : "Copy"
                    for source in contextSources { checkIgnored(source, verb: verb, at: instruction) }
                }
                _ = expand(transfer.destination, in: environment, at: instruction)
                for heredoc in instruction.heredocs where heredoc.expand {
                    _ = expand(heredoc.content, in: environment, at: instruction, raw: true)
                }
            case .run:
                for mount in instruction.flags.list("mount") { _ = expand(mount, in: environment, at: instruction) }
            case .cmd(let form):
                if let earlier = lastCmd { warnRepeated(earlier, by: instruction) }
                lastCmd = instruction
                if !form.isExec, !environment.hasShell { warnJSONArgs(instruction) }
            case .entrypoint(let form):
                if let earlier = lastEntrypoint { warnRepeated(earlier, by: instruction) }
                lastEntrypoint = instruction
                if !form.isExec, !environment.hasShell { warnJSONArgs(instruction) }
            case .healthcheck:
                if let earlier = lastHealthcheck { warnRepeated(earlier, by: instruction) }
                lastHealthcheck = instruction
            case .shell:
                environment.hasShell = true
            case .expose(let ports):
                for text in ports {
                    let words = (try? expander.expandWords(text, environment: environment.values).words) ?? [text]
                    for port in words { checkExposedPort(port, at: instruction) }
                }
            case .from, .maintainer, .onbuild:
                break
            }
        }
        return environment
    }

    /// Expands `word` in the stage's environment, reporting UndefinedVar for each name it
    /// looked up that is neither set nor a declared ARG; nil when it does not expand.
    private mutating func expand(_ word: String, in environment: StageEnvironment, at instruction: Instruction, raw: Bool = false)
        -> String?
    {
        let expansion: WordExpansion
        do {
            expansion = try (raw ? WordExpander(escapeCharacter: "\\") : expander).expand(
                raw ? quotesKept(word) : word, environment: environment.values)
        } catch {
            return nil
        }
        guard environment.isKnown else { return expansion.value }
        let undefined = expansion.referencedNames.filter {
            environment.values[$0] == nil && !environment.declaredArgs.contains($0) && !nonEnvironmentArgs.contains($0)
        }
        for name in undefined.sorted() {
            let hint = suggestion(for: name, among: environment.names).map { " (did you mean $\($0)?)" } ?? ""
            warn(.undefinedVar, "Usage of undefined variable '$\(name)'\(hint)", at: instruction, scope: instruction)
        }
        return expansion.value
    }

    /// A here-document's body as a word in which quotes are plain text (BuildKit expands it
    /// with quote processing off): every quote is escaped so only `$` is special.
    private func quotesKept(_ text: String) -> String {
        var word = ""
        for character in text {
            if character == "\"" || character == "'" { word.append("\\") }
            word.append(character)
        }
        return word
    }

    /// CopyIgnoredFile (experimental): a context source that `.dockerignore` leaves out.
    /// As in BuildKit, judged only when the file has rules and no `!` exception (an
    /// exception may bring back a file below an excluded directory); URLs and git sources
    /// are not context paths; `.` and `/` count only under a rule that excludes everything.
    private mutating func checkIgnored(_ source: String, verb: String, at instruction: Instruction) {
        guard let ignore = dockerIgnore, !ignore.patterns.isEmpty, !ignore.hasExceptions else { return }
        guard !source.contains("://"), !source.hasPrefix("git@") else { return }
        let path = LexicalPathCleaning.clean(source)
        let excluded: Bool
        if path == "." || path == "/" {
            excluded = ignore.patterns.contains { !$0.isException && ["*", "**", "**/*"].contains($0.glob.pattern) }
        } else {
            excluded = ignore.isExcluded(path)
        }
        guard excluded else { return }
        warn(
            .copyIgnoredFile, "Attempting to \(verb) file \(GoFormat.quoted(path)) that is excluded by .dockerignore", at: instruction,
            scope: instruction)
    }

    private func isHeredocWord(_ source: String, names: Set<String>) -> Bool {
        guard let heredoc = Heredoc.opener(in: source) else { return false }
        return names.contains(heredoc.name)
    }

    private mutating func warnLegacyKeyValue(_ instruction: Instruction) {
        let name = instruction.writtenKeyword
        warn(
            .legacyKeyValueFormat, "\"\(name) key=value\" should be used instead of legacy \"\(name) key value\" format", at: instruction,
            scope: instruction)
    }

    private mutating func warnJSONArgs(_ instruction: Instruction) {
        warn(
            .jsonArgsRecommended,
            "JSON arguments recommended for \(instruction.writtenKeyword) to prevent unintended behavior related to OS signals",
            at: instruction, scope: instruction)
    }

    /// MultipleInstructionsDisallowed, located at the earlier instruction: the one that is ignored.
    private mutating func warnRepeated(_ earlier: Instruction, by later: Instruction) {
        warn(
            .multipleInstructionsDisallowed,
            "Multiple \(later.writtenKeyword) instructions should not be used in the same stage because only the last one will be used",
            at: earlier, scope: later)
    }

    /// SecretsUsedInArgOrEnv: a name with a `_`-separated word such as KEY, TOKEN or
    /// PASSWORD (any case), unless another such word is PUBLIC, FILE or VERSION.
    private mutating func checkSecret(_ keyword: String, _ name: String, at instruction: Instruction) {
        let words = Set(name.split(separator: "_", omittingEmptySubsequences: false).map { $0.lowercased() })
        let secret: Set<String> = ["apikey", "auth", "credential", "credentials", "key", "password", "pword", "passwd", "secret", "token"]
        let allowed: Set<String> = ["public", "file", "version"]
        guard !words.isDisjoint(with: secret), words.isDisjoint(with: allowed) else { return }
        warn(
            .secretsUsedInArgOrEnv, "Do not use ARG or ENV instructions for sensitive data (\(keyword) \(GoFormat.quoted(name)))",
            at: instruction,
            scope: instruction)
    }

    /// ExposeProtoCasing and ExposeInvalidFormat for one `[ip:][host:]port[/proto]`; a port
    /// BuildKit would refuse (no port, an unknown protocol) gets no warning, it fails the build.
    private mutating func checkExposedPort(_ port: String, at instruction: Instruction) {
        let parts = port.split(separator: ":", omittingEmptySubsequences: false)
        let container = parts.last.map(String.init) ?? ""
        // BuildKit's split: `[ip:]host:container`, where the IP may itself hold colons (IPv6).
        let hostPort = parts.count > 1 ? String(parts[parts.count - 2]) : ""
        let address = parts.count > 2 ? parts.dropLast(2).joined(separator: ":") : ""
        let hasHostPart = !hostPort.isEmpty || !address.isEmpty
        let slash = container.firstIndex(of: "/")
        let number = slash.map { String(container[..<$0]) } ?? container
        let proto = slash.map { String(container[container.index(after: $0)...]) } ?? ""
        guard !number.isEmpty, ["", "tcp", "udp", "sctp"].contains(proto.lowercased()) else { return }
        if proto != proto.lowercased() {
            warn(
                .exposeProtoCasing, "Defined protocol '\(port)' in EXPOSE instruction should be lowercase", at: instruction,
                scope: instruction)
        }
        if hasHostPart {
            warn(
                .exposeInvalidFormat, "EXPOSE instruction should not define an IP address or host-port mapping, found '\(port)'",
                at: instruction, scope: instruction)
        }
    }
}
