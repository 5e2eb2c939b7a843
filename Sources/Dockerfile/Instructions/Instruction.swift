/// One instruction of a Dockerfile, as written: keyword, flags, arguments and where it is.
///
/// Arguments are not expanded: `$VAR` stays `$VAR` until the planner or the builder
/// expands it with the environment in force at that point of the build.
public struct Instruction: Sendable, Equatable {
    /// The instruction's keyword.
    public var keyword: Keyword
    /// The flags written before the arguments.
    public var flags: InstructionFlags
    /// The arguments as a list of strings: the JSON array for exec form, the command
    /// text for shell form, `name=value` pairs for ENV/LABEL/ARG, words otherwise.
    public var arguments: [String]
    /// The instruction's meaning, typed.
    public var command: Command
    /// Here-documents the instruction opened, in the order they were opened.
    public var heredocs: [Heredoc]
    /// The 1-based line the instruction starts on.
    public var line: Int
    /// The 1-based line it ends on (after continuations and here-document bodies).
    public var endLine: Int
    /// The instruction's text after continuations were joined, without here-document bodies.
    public var original: String
    /// ENV or LABEL written in the legacy `KEY VALUE` form (no `=`); false for every other keyword.
    public var legacyKeyValueForm: Bool = false
    /// When a blank line continued the instruction: the last line of its text, where BuildKit
    /// locates its NoEmptyContinuation warning; nil otherwise.
    public var emptyContinuationLine: Int?
    /// The comments between the previous instruction and this one (a bare `#` clears them),
    /// each without its `#`: BuildKit reads a `check=` among them for this instruction alone,
    /// and a description of a stage or ARG.
    public var precedingComments: [String] = []

    public init(
        keyword: Keyword, flags: InstructionFlags = InstructionFlags(), arguments: [String],
        command: Command, heredocs: [Heredoc] = [], line: Int, endLine: Int, original: String
    ) {
        self.keyword = keyword
        self.flags = flags
        self.arguments = arguments
        self.command = command
        self.heredocs = heredocs
        self.line = line
        self.endLine = endLine
        self.original = original
    }

    /// The keyword as written, in its letter case (`FROM`, `from`, `From`).
    public var writtenKeyword: String {
        String(original.drop(while: \.isWhitespace).prefix(while: { !$0.isWhitespace }))
    }

    /// Whether the instruction is written in exec (JSON) form; nil for instructions that have no such form.
    public var isExecForm: Bool? {
        switch command {
        case .run(let run): return run.command.isExec
        case .cmd(let form), .entrypoint(let form): return form.isExec
        case .copy(let transfer), .add(let transfer): return transfer.isExecForm
        case .volume(let volume): return volume.isExecForm
        case .shell: return true
        case .healthcheck(.command(let check)): return check.command.isExec
        default: return nil
        }
    }
}

/// What an instruction does, with its arguments typed.
public indirect enum Command: Sendable, Equatable {
    case from(FromCommand)
    case arg([ArgDefinition])
    case env([KeyValuePair])
    case label([KeyValuePair])
    case workdir(String)
    case copy(FileTransfer)
    case add(FileTransfer)
    case run(RunCommand)
    case cmd(CommandForm)
    case entrypoint(CommandForm)
    case user(String)
    case expose([String])
    case volume(VolumeCommand)
    case stopSignal(String)
    case healthcheck(Healthcheck)
    case shell([String])
    case maintainer(String)
    /// A trigger for images built `FROM` this one; the trigger is itself an instruction.
    case onbuild(Instruction)
}

/// A command line in exec form (`["a", "b"]`, run directly) or shell form (run through the SHELL).
public enum CommandForm: Sendable, Equatable {
    case exec([String])
    case shell(String)

    /// True for exec (JSON) form.
    public var isExec: Bool {
        if case .exec = self { return true }
        return false
    }
}

/// `FROM [--platform=P] IMAGE [AS NAME]`.
public struct FromCommand: Sendable, Equatable {
    /// The base image or stage, unexpanded (it may use ARGs declared before the first FROM).
    public var image: String
    /// The stage name after `AS`, lower-cased (stage names are case-insensitive).
    public var stageName: String?
    /// The `--platform` value, unexpanded.
    public var platform: String?

    public init(image: String, stageName: String? = nil, platform: String? = nil) {
        self.image = image
        self.stageName = stageName
        self.platform = platform
    }
}

/// One `ARG name[=default]` declaration.
public struct ArgDefinition: Sendable, Equatable {
    public var name: String
    /// The default value, unexpanded; nil when none was given.
    public var defaultValue: String?

    public init(name: String, defaultValue: String?) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// One `name=value` pair of ENV or LABEL, both unexpanded.
public struct KeyValuePair: Sendable, Equatable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// COPY or ADD: sources, destination and their flags.
public struct FileTransfer: Sendable, Equatable {
    /// The sources, unexpanded; a here-document source is written as its `<<NAME` word.
    public var sources: [String]
    /// The destination, unexpanded.
    public var destination: String
    /// `--from`: a stage name, a stage index or an image reference (COPY only).
    public var from: String?
    /// `--chown=user[:group]`.
    public var chown: String?
    /// `--chmod=mode`.
    public var chmod: String?
    /// `--link`.
    public var link: Bool
    /// `--exclude` patterns.
    public var excludes: [String]
    /// `--parents` (COPY only).
    public var parents: Bool
    /// `--checksum` (ADD only).
    public var checksum: String?
    /// `--keep-git-dir` (ADD only).
    public var keepGitDir: Bool
    /// Whether the sources and destination were written as a JSON array.
    public var isExecForm: Bool
}

/// `RUN [--mount=...] [--network=...] [--security=...] COMMAND`.
public struct RunCommand: Sendable, Equatable {
    public var command: CommandForm
    /// The `--mount` specifications, parsed.
    public var mounts: [RunMount]
    /// `--network`.
    public var network: NetworkMode?
    /// `--security`.
    public var security: SecurityMode?

    public init(command: CommandForm, mounts: [RunMount] = [], network: NetworkMode? = nil, security: SecurityMode? = nil) {
        self.command = command
        self.mounts = mounts
        self.network = network
        self.security = security
    }
}

/// RUN's `--network` modes.
public enum NetworkMode: String, Sendable, Equatable, CaseIterable {
    case `default`, none, host
}

/// RUN's `--security` modes.
public enum SecurityMode: String, Sendable, Equatable, CaseIterable {
    case sandbox, insecure
}

/// `VOLUME ["/a", "/b"]` or `VOLUME /a /b`.
public struct VolumeCommand: Sendable, Equatable {
    public var paths: [String]
    public var isExecForm: Bool

    public init(paths: [String], isExecForm: Bool) {
        self.paths = paths
        self.isExecForm = isExecForm
    }
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD command`.
public enum Healthcheck: Sendable, Equatable {
    case none
    case command(HealthcheckCommand)
}

/// The options and command of `HEALTHCHECK CMD`.
public struct HealthcheckCommand: Sendable, Equatable {
    public var command: CommandForm
    /// Durations in nanoseconds, nil when not given.
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?
}
