/// The per-keyword rules: argument counts, forms and the typed command each keyword yields.
extension InstructionReader {
    func typedCommand(
        _ keyword: Keyword, flags: InstructionFlags, body: Substring,
        heredocs: [Heredoc]
    ) throws(InstructionError) -> (Command, [String]) {
        switch keyword {
        case .from: return try from(flags: flags, body: body)
        case .arg: return try arg(body)
        case .env: return try keyValues(.env, body)
        case .label: return try keyValues(.label, body)
        case .workdir: return try single(.workdir, body, Command.workdir)
        case .user: return try single(.user, body, Command.user)
        case .stopsignal: return try single(.stopsignal, body, Command.stopSignal)
        case .maintainer: return try single(.maintainer, body, Command.maintainer)
        case .expose:
            let ports = whitespaceWords(body)
            guard !ports.isEmpty else { throw atLeastOne(.expose) }
            return (.expose(ports), ports)
        case .volume: return try volume(body)
        case .copy, .add: return try fileTransfer(keyword, flags: flags, body: body, heredocs: heredocs)
        case .run: return try run(flags: flags, body: body, heredocs: heredocs)
        case .cmd, .entrypoint:
            guard !body.isEmpty else { throw atLeastOne(keyword) }
            let form = try commandForm(body)
            return (keyword == .cmd ? .cmd(form) : .entrypoint(form), form.arguments)
        case .shell:
            guard let shell = try jsonArray(body) else {
                throw InstructionError("SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]")
            }
            guard !shell.isEmpty else { throw atLeastOne(.shell) }
            return (.shell(shell), shell)
        case .healthcheck: return try healthcheck(flags: flags, body: body)
        case .onbuild: return try onbuild(body, heredocs: heredocs)
        }
    }

    private func atLeastOne(_ keyword: Keyword) -> InstructionError {
        InstructionError("\(keyword.rawValue) requires at least one argument")
    }

    private func single(_ keyword: Keyword, _ body: Substring, _ make: (String) -> Command) throws(InstructionError) -> (Command, [String])
    {
        let value = String(body.trimmingWhitespace())
        guard !value.isEmpty else { throw InstructionError("\(keyword.rawValue) requires exactly one argument") }
        return (make(value), [value])
    }

    private func from(flags: InstructionFlags, body: Substring) throws(InstructionError) -> (Command, [String]) {
        let words = whitespaceWords(body)
        guard words.count == 1 || (words.count == 3 && words[1].lowercased() == "as") else {
            throw InstructionError("FROM requires either one or three arguments: FROM IMAGE [AS NAME]")
        }
        var stageName: String? = nil
        if words.count == 3 {
            let name = words[2].lowercased()
            guard Self.isValidStageName(name) else {
                throw InstructionError("invalid name for build stage: \"\(words[2])\", name can't start with a number or contain symbols")
            }
            stageName = name
        }
        return (.from(FromCommand(image: words[0], stageName: stageName, platform: flags.string("platform"))), words)
    }

    /// Stage names start with a letter and hold letters, digits, `-`, `_` and `.`.
    static func isValidStageName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_.".contains($0) }
    }

    private func arg(_ body: Substring) throws(InstructionError) -> (Command, [String]) {
        let words = WordSplitter(escape: escape).split(body)
        guard !words.isEmpty else { throw atLeastOne(.arg) }
        var definitions: [ArgDefinition] = []
        for word in words {
            let name = String(word.prefix(while: { $0 != "=" }))
            guard !name.isEmpty else { throw InstructionError("ARG names can not be blank: '\(word)'") }
            let value = word.contains("=") ? String(word.drop(while: { $0 != "=" }).dropFirst()) : nil
            definitions.append(ArgDefinition(name: name, defaultValue: value))
        }
        return (.arg(definitions), words)
    }

    /// ENV and LABEL: `KEY VALUE` (legacy: one pair, the rest of the line is the value) or `K=V ...`.
    private func keyValues(_ keyword: Keyword, _ body: Substring) throws(InstructionError) -> (Command, [String]) {
        let words = WordSplitter(escape: escape).split(body)
        guard !words.isEmpty else { throw atLeastOne(keyword) }
        var pairs: [KeyValuePair] = []
        if isLegacyKeyValueForm(body) {
            let key = body.prefix(while: { !$0.isWhitespace })
            let value = body.dropFirst(key.count).trimmingWhitespace()
            guard !value.isEmpty else {
                throw InstructionError(
                    "\(keyword.rawValue) must have two arguments: \(keyword.rawValue) \(key) VALUE, or \(keyword.rawValue) \(key)=VALUE")
            }
            pairs.append(KeyValuePair(key: String(key), value: String(value)))
        } else {
            for word in words {
                guard word.contains("=") else {
                    throw InstructionError("syntax error - can't find = in \"\(word)\"; must be of the form: name=value")
                }
                let key = String(word.prefix(while: { $0 != "=" }))
                guard !key.isEmpty else { throw InstructionError("\(keyword.rawValue) names can not be blank: '\(word)'") }
                pairs.append(KeyValuePair(key: key, value: String(word.dropFirst(key.count + 1))))
            }
        }
        let arguments = pairs.map { "\($0.key)=\($0.value)" }
        return (keyword == .env ? .env(pairs) : .label(pairs), arguments)
    }

    /// True for the legacy `KEY VALUE` form of ENV and LABEL: the first word has no `=`.
    func isLegacyKeyValueForm(_ body: Substring) -> Bool {
        guard let first = WordSplitter(escape: escape).split(body).first else { return false }
        return !first.contains("=")
    }

    private func volume(_ body: Substring) throws(InstructionError) -> (Command, [String]) {
        let json = try jsonArray(body)
        let paths = json ?? whitespaceWords(body)
        guard !paths.isEmpty else { throw atLeastOne(.volume) }
        guard !paths.contains(where: { $0.trimmingWhitespace().isEmpty }) else {
            throw InstructionError("VOLUME specified can not be an empty string")
        }
        return (.volume(VolumeCommand(paths: paths, isExecForm: json != nil)), paths)
    }

    private func fileTransfer(
        _ keyword: Keyword, flags: InstructionFlags, body: Substring,
        heredocs: [Heredoc]
    ) throws(InstructionError) -> (Command, [String]) {
        let json = try jsonArray(body)
        let words = json ?? whitespaceWords(body)
        guard words.count >= 2 else {
            let detail = words.isEmpty ? "" : ", but only one was provided. Destination could not be determined"
            throw InstructionError("\(keyword.rawValue) requires at least two arguments\(detail)")
        }
        let transfer = FileTransfer(
            sources: Array(words.dropLast()), destination: words.last!, from: flags.string("from"),
            chown: flags.string("chown"), chmod: flags.string("chmod"), link: flags.bool("link"),
            excludes: flags.list("exclude"), parents: flags.bool("parents"),
            checksum: flags.string("checksum"), keepGitDir: flags.bool("keep-git-dir"),
            isExecForm: json != nil)
        return (keyword == .copy ? .copy(transfer) : .add(transfer), words)
    }

    private func run(flags: InstructionFlags, body: Substring, heredocs: [Heredoc]) throws(InstructionError) -> (Command, [String]) {
        guard !body.isEmpty else { throw atLeastOne(.run) }
        var mounts: [RunMount] = []
        for spec in flags.list("mount") { mounts.append(try RunMount(parsing: spec)) }
        let network = try flags.string("network").map { (value) throws(InstructionError) -> NetworkMode in
            guard let mode = NetworkMode(rawValue: value) else {
                throw InstructionError("unsupported network mode '\(value)' in --network (use default, none or host)")
            }
            return mode
        }
        let security = try flags.string("security").map { (value) throws(InstructionError) -> SecurityMode in
            guard let mode = SecurityMode(rawValue: value) else {
                throw InstructionError("unsupported security mode '\(value)' in --security (use sandbox or insecure)")
            }
            return mode
        }
        let form = try commandForm(body)
        return (.run(RunCommand(command: form, mounts: mounts, network: network, security: security)), form.arguments)
    }

    private func healthcheck(flags: InstructionFlags, body: Substring) throws(InstructionError) -> (Command, [String]) {
        let kind = body.prefix(while: { !$0.isWhitespace })
        let rest = body.dropFirst(kind.count).drop(while: \.isWhitespace)
        switch kind.uppercased() {
        case "NONE":
            guard rest.isEmpty else { throw InstructionError("HEALTHCHECK NONE takes no arguments") }
            guard flags.isEmpty else { throw InstructionError("HEALTHCHECK NONE takes no flags") }
            return (.healthcheck(.none), ["NONE"])
        case "CMD":
            guard !rest.isEmpty else { throw InstructionError("missing command after HEALTHCHECK CMD") }
            let form = try commandForm(rest)
            var check = HealthcheckCommand(command: form)
            check.interval = try duration(flags, "interval")
            check.timeout = try duration(flags, "timeout")
            check.startPeriod = try duration(flags, "start-period")
            check.startInterval = try duration(flags, "start-interval")
            if let retries = flags.string("retries") {
                guard let count = Int(retries), count >= 0 else {
                    throw InstructionError("--retries must be a whole number of at least 0, not '\(retries)'")
                }
                check.retries = count
            }
            return (.healthcheck(.command(check)), ["CMD"] + form.arguments)
        default:
            throw InstructionError("unknown type \"\(kind)\" in HEALTHCHECK (try CMD or NONE)")
        }
    }

    private func duration(_ flags: InstructionFlags, _ name: String) throws(InstructionError) -> Int64? {
        guard let text = flags.string(name) else { return nil }
        guard let value = GoDuration.nanoseconds(text) else {
            throw InstructionError("--\(name)=\(text) is not a duration (write e.g. 30s, 1m30s, 500ms)")
        }
        guard value == 0 || value >= 1_000_000 else {
            throw InstructionError("--\(name)=\(text) cannot be less than 1ms")
        }
        return value
    }

    private func onbuild(_ body: Substring, heredocs: [Heredoc]) throws(InstructionError) -> (Command, [String]) {
        guard !body.isEmpty else { throw atLeastOne(.onbuild) }
        let word = body.prefix(while: { !$0.isWhitespace }).uppercased()
        switch word {
        case "ONBUILD": throw InstructionError("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
        case "FROM", "MAINTAINER": throw InstructionError("\(word) isn't allowed as an ONBUILD trigger")
        default: break
        }
        let trigger = try read(body, heredocs: heredocs)
        return (.onbuild(trigger), [String(body.trimmingWhitespace())])
    }
}

extension CommandForm {
    /// The form as a list of strings: the array for exec form, the text alone for shell form.
    public var arguments: [String] {
        switch self {
        case .exec(let words): return words
        case .shell(let text): return [text]
        }
    }
}

extension HealthcheckCommand {
    init(command: CommandForm) {
        self.init(command: command, interval: nil, timeout: nil, startPeriod: nil, startInterval: nil, retries: nil)
    }
}
