import Dockerfile
import OCI

/// Where an in-stage `ARG NAME` takes its value from when it has no default of its own.
public struct ArgSources: Sendable {
    /// `--build-arg` values: they win over any default.
    public var buildArgs: [String: String]
    /// The global ARGs (declared before the first FROM) and the predefined platform ARGs.
    public var globals: [String: String]

    public init(buildArgs: [String: String], globals: [String: String]) {
        self.buildArgs = buildArgs
        self.globals = globals
    }
}

extension StageState {
    /// Applies an instruction that changes only the image configuration (no files).
    ///
    /// - Returns: the history line BuildKit writes for it.
    public mutating func applyMetadata(_ command: Command, argSources: ArgSources) throws -> String {
        switch command {
        case .arg(let definitions):
            var written: [String] = []
            for definition in definitions {
                var value = argSources.buildArgs[definition.name]
                if value == nil, let defaultValue = definition.defaultValue { value = try expand(defaultValue) }
                if value == nil { value = argSources.globals[definition.name] }
                written.append(value.map { "\(definition.name)=\($0)" } ?? definition.name)
                // Without any of those, it keeps the value it has (declared earlier in this
                // stage or in the stage this one is built from), as in BuildKit.
                if value == nil { value = args[definition.name] ?? nil }
                if args[definition.name] == nil { argOrder.append(definition.name) }
                args[definition.name] = .some(value)
            }
            return "ARG " + written.joined(separator: " ")
        case .env(let pairs):
            let before = expansionEnvironment
            var expanded: [(String, String)] = []
            for pair in pairs {
                let key = try expander.expand(pair.key, environment: before).value
                expanded.append((key, try expander.expand(pair.value, environment: before).value))
            }
            var env = config.env ?? []
            for (key, value) in expanded {
                // A name already set keeps its place, as BuildKit writes it.
                if let index = env.firstIndex(where: { $0.prefix { $0 != "=" } == key }) {
                    env[index] = "\(key)=\(value)"
                } else {
                    env.append("\(key)=\(value)")
                }
            }
            config.env = env
            return "ENV " + expanded.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        case .label(let pairs):
            var labels = config.labels ?? [:]
            var written: [String] = []
            for pair in pairs {
                let key = try expand(pair.key), value = try expand(pair.value)
                labels[key] = value
                written.append("\(key)=\(value)")
            }
            config.labels = labels
            return "LABEL " + written.joined(separator: " ")
        case .user(let user):
            config.user = try expand(user)
            return "USER \(config.user!)"
        case .expose(let ports):
            var expanded: [String] = []
            for port in ports { expanded += try expandWords(port) }
            let normalised = expanded.map { $0.contains("/") ? $0.lowercased() : "\($0)/tcp" }
            config.exposedPorts = JSONKeySet((config.exposedPorts?.keys ?? []).union(normalised))
            return "EXPOSE map[" + normalised.sorted().map { "\($0):{}" }.joined(separator: " ") + "]"
        case .volume(let volume):
            var paths: [String] = []
            for path in volume.paths { paths += volume.isExecForm ? [try expand(path)] : try expandWords(path) }
            config.volumes = JSONKeySet((config.volumes?.keys ?? []).union(paths))
            return "VOLUME [" + paths.joined(separator: " ") + "]"
        case .stopSignal(let signal):
            let expanded = try expand(signal)
            guard Self.isSignal(expanded) else { throw StageConfigurationError("invalid signal: \(expanded)") }
            config.stopSignal = expanded
            return "STOPSIGNAL \(expanded)"
        case .shell(let shell):
            config.shell = shell
            return "SHELL [" + shell.joined(separator: " ") + "]"
        case .cmd(let form):
            config.cmd = commandLine(form)
            cmdSetInStage = true
            return "CMD " + GoFormat.quoted(config.cmd!)
        case .entrypoint(let form):
            config.entrypoint = commandLine(form)
            if !cmdSetInStage { config.cmd = nil }
            return "ENTRYPOINT " + GoFormat.quoted(config.entrypoint!)
        case .healthcheck(let check):
            config.healthcheck = healthcheck(check)
            return "HEALTHCHECK " + GoFormat.quoted(config.healthcheck!)
        case .onbuild(let trigger):
            config.onBuild = (config.onBuild ?? []) + [trigger.original]
            return "ONBUILD \(trigger.original)"
        case .maintainer(let name):
            image.author = name
            return "MAINTAINER \(name)"
        default:
            preconditionFailure("\(command) changes files; it is not metadata")
        }
    }

    /// The config's healthcheck for HEALTHCHECK NONE or CMD (CMD-SHELL for shell form).
    private func healthcheck(_ check: Dockerfile.Healthcheck) -> OCI.Healthcheck {
        switch check {
        case .none:
            return OCI.Healthcheck(test: ["NONE"])
        case .command(let command):
            let test: [String]
            switch command.command {
            case .exec(let words): test = ["CMD"] + words
            case .shell(let text): test = ["CMD-SHELL", text]
            }
            return OCI.Healthcheck(
                test: test, interval: command.interval, timeout: command.timeout,
                startPeriod: command.startPeriod, startInterval: command.startInterval,
                retries: command.retries)
        }
    }

    /// Changes WORKDIR and returns its history line.
    public mutating func applyWorkdir(_ path: String) throws(WordExpansionError) -> String {
        config.workingDir = Self.workingDirectory(try expand(path), after: config.workingDir ?? "")
        return "WORKDIR \(config.workingDir!)"
    }

    /// The config's WorkingDir after `WORKDIR path`, as BuildKit writes it: an absolute
    /// path as written (`/root/` stays `/root/`, `/a/../b` stays too); a relative one
    /// joined to the current directory and cleaned (`a/b/` under `/w` is `/w/a/b`); an
    /// empty one is the current directory.
    static func workingDirectory(_ path: String, after current: String) -> String {
        func cleaned(_ path: String) -> String { "/" + RootedPath.clean(path) }
        let parent = current.isEmpty ? "/" : (current.hasPrefix("/") ? current : cleaned(current))
        if path.isEmpty { return parent }
        return path.hasPrefix("/") ? path : cleaned(parent + "/" + path)
    }

    /// The signal names Linux knows, without the `SIG` prefix.
    private static let signalNames: Set<String> = [
        "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE",
        "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN",
        "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"
    ]

    /// Whether STOPSIGNAL's value names a signal: a name (`SIGTERM`, `term`), `RTMIN+n`, or a number.
    static func isSignal(_ text: String) -> Bool {
        if let number = Int(text) { return number > 0 && number < 65 }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if name.hasPrefix("RTMIN+") || name.hasPrefix("RTMAX-") { return Int(name.dropFirst(6)).map { $0 >= 0 && $0 <= 30 } ?? false }
        return signalNames.contains(name) || name == "RTMIN" || name == "RTMAX"
    }
}

/// A configuration instruction whose value is not acceptable (after expansion).
public struct StageConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
