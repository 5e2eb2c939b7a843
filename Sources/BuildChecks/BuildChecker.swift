import Dockerfile
import OCI
import Planner
import StepPlan

/// Runs BuildKit's build checks over a parsed Dockerfile: pure, no I/O.
///
/// The rules fire where BuildKit's frontend fires them, in its order: empty continuation
/// lines while reading; MAINTAINER and the FROM casing rules per instruction; stage names
/// and instruction casing over the whole file; the FROM lines of every stage (with the
/// global ARGs' defaults, then with the build args); then each stage's instructions as
/// they would be built. That last pass covers only the stages the build needs (`stages`),
/// or every stage for `build --check`, as BuildKit's lint request does.
///
/// It works on the parsed file rather than the plan, so that a file the planner refuses
/// (two stages of one name) still gets its warnings.
public struct BuildChecker {
    let dockerfile: ParsedDockerfile
    let options: PlanOptions
    let configuration: CheckOptions
    let baseImages: [Int: BaseImageFacts]
    let dockerIgnore: DockerIgnore?
    let expander: WordExpander
    private var warnings: [CheckWarning] = []
    private let stages: [CheckedStage]
    private let globalArgs: [ArgDefinition]

    /// One stage as the checks see it: its FROM and the instructions up to the next FROM.
    struct CheckedStage {
        var index: Int
        var from: Instruction
        var command: FromCommand
        var instructions: [Instruction]
    }

    /// Runs the checks.
    ///
    /// - Parameters:
    ///   - dockerfile: the parsed Dockerfile.
    ///   - options: the build args, target and platforms of the build.
    ///   - configuration: which rules run (``CheckOptions``).
    ///   - stages: the indices of the stages whose instructions are checked; nil for all.
    ///   - baseImages: by stage index, the base image's facts where the caller could read
    ///     them; a stage on an image missing here is checked without its environment, so
    ///     UndefinedVar is not reported in it (or in stages built on it).
    ///   - dockerIgnore: the context's ignore rules, for CopyIgnoredFile (experimental).
    /// - Returns: the warnings, in the order BuildKit reports them.
    public static func check(
        _ dockerfile: ParsedDockerfile, options: PlanOptions, configuration: CheckOptions,
        stages: Set<Int>? = nil, baseImages: [Int: BaseImageFacts] = [:], dockerIgnore: DockerIgnore? = nil
    ) -> [CheckWarning] {
        var checker = BuildChecker(
            dockerfile: dockerfile, options: options, configuration: configuration, baseImages: baseImages, dockerIgnore: dockerIgnore)
        checker.run(stages: stages)
        return checker.warnings
    }

    /// The image each stage starts from, by stage index, for stages whose FROM names an
    /// image (not scratch, not an earlier stage): what a caller looks up for `baseImages`.
    public static func baseImageReferences(of dockerfile: ParsedDockerfile, options: PlanOptions) -> [Int: String] {
        let checker = BuildChecker(
            dockerfile: dockerfile, options: options, configuration: CheckOptions(), baseImages: [:], dockerIgnore: nil)
        var references: [Int: String] = [:]
        let scope = checker.globalScope(withBuildArgs: true)
        for stage in checker.stages {
            if case .image(let name)? = checker.base(of: stage, scope: scope), !namesArchive(name) { references[stage.index] = name }
        }
        return references
    }

    private init(
        dockerfile: ParsedDockerfile, options: PlanOptions, configuration: CheckOptions, baseImages: [Int: BaseImageFacts],
        dockerIgnore: DockerIgnore?
    ) {
        self.dockerfile = dockerfile
        self.options = options
        self.configuration = configuration
        self.baseImages = baseImages
        self.dockerIgnore = dockerIgnore
        self.expander = WordExpander(escapeCharacter: dockerfile.directives.escape)
        var stages: [CheckedStage] = []
        var globalArgs: [ArgDefinition] = []
        for instruction in dockerfile.instructions {
            if case .from(let command) = instruction.command {
                stages.append(CheckedStage(index: stages.count, from: instruction, command: command, instructions: []))
            } else if stages.isEmpty {
                if case .arg(let definitions) = instruction.command { globalArgs += definitions }
            } else {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        self.stages = stages
        self.globalArgs = globalArgs
    }

    /// Records a warning at `instruction` when `rule` runs. With a `scope`, a `check=`
    /// comment right above that instruction adds to the options for it alone, where
    /// BuildKit reads one (the rules of a single instruction or FROM).
    mutating func warn(_ rule: CheckRule, _ message: String, at instruction: Instruction, scope: Instruction? = nil) {
        warn(rule, message, lines: instruction.line...max(instruction.line, instruction.endLine), scope: scope)
    }

    mutating func warn(_ rule: CheckRule, _ message: String, lines: ClosedRange<Int>, scope: Instruction? = nil) {
        let options = scope.map { configuration.merging(commentsAbove: $0) } ?? configuration
        guard options.runs(rule) else { return }
        warnings.append(CheckWarning(rule: rule, message: message, lines: lines))
    }

    private mutating func run(stages reachable: Set<Int>?) {
        for instruction in dockerfile.instructions {
            if let line = instruction.emptyContinuationLine {
                warn(.noEmptyContinuation, "Empty continuation line", lines: line...line)
            }
        }
        for instruction in dockerfile.instructions { checkAsWritten(instruction) }
        checkStageNames()
        checkInstructionCasing()
        checkDefaultBaseNames()
        let scope = globalScope(withBuildArgs: true)
        for stage in stages { checkFrom(stage, scope: scope) }
        let reachableStages = stages.filter { reachable?.contains($0.index) ?? true }
        for stage in reachableStages { checkBasePlatform(stage, scope: scope) }
        var finished: [Int: StageEnvironment] = [:]
        for stage in reachableStages {
            finished[stage.index] = dispatch(stage, scope: scope, finished: finished)
        }
    }

    // MARK: - While reading instructions

    /// MaintainerDeprecated, StageNameCasing and FromAsCasing: how an instruction is written.
    private mutating func checkAsWritten(_ instruction: Instruction) {
        switch instruction.command {
        case .maintainer:
            warn(.maintainerDeprecated, "Maintainer instruction is deprecated in favor of using label", at: instruction, scope: instruction)
        case .arg(let definitions):
            checkDescription(of: instruction, keyword: "ARG", names: definitions.map(\.name))
        case .from(let command):
            defer { if let name = command.stageName { checkDescription(of: instruction, keyword: "FROM", names: [name]) } }
            let words = instruction.arguments
            guard words.count == 3 else { return }
            if words[2] != words[2].lowercased() {
                warn(.stageNameCasing, "Stage name '\(words[2])' should be lowercase", at: instruction, scope: instruction)
            }
            let keyword = instruction.writtenKeyword
            // A keyword of mixed case is ConsistentInstructionCasing's business alone.
            if keyword == keyword.lowercased() {
                if words[1] != words[1].lowercased() { warnFromAs(instruction, keyword, words[1]) }
            } else if keyword == keyword.uppercased() {
                if words[1] != words[1].uppercased() { warnFromAs(instruction, keyword, words[1]) }
            }
        default:
            return
        }
    }

    /// InvalidDefinitionDescription (experimental): the last comment right above a named
    /// FROM or an ARG should start with the stage's or one of the ARGs' names.
    private mutating func checkDescription(of instruction: Instruction, keyword: String, names: [String]) {
        guard let last = instruction.precedingComments.last, let first = names.first else { return }
        let word = String(last.prefix(while: { $0 != " " }))
        guard !names.contains(word) else { return }
        let example = names.count > 1 ? "<arg_key>" : first
        warn(
            .invalidDefinitionDescription, "Comment for \(keyword) should follow the format: `# \(example) <description>`",
            at: instruction, scope: instruction)
    }

    private mutating func warnFromAs(_ instruction: Instruction, _ from: String, _ as: String) {
        warn(.fromAsCasing, "'\(`as`)' and '\(from)' keywords' casing do not match", at: instruction, scope: instruction)
    }

    // MARK: - Over the whole file

    /// ReservedStageName and DuplicateStageName.
    private mutating func checkStageNames() {
        var seen: Set<String> = []
        for stage in stages {
            guard let name = stage.command.stageName else { continue }
            if name == "context" || name == "scratch" {
                warn(
                    .reservedStageName, "Stage name should not use the same name as reserved stage \(GoFormat.quoted(name))", at: stage.from
                )
            }
            if !seen.insert(name).inserted {
                warn(.duplicateStageName, "Duplicate stage name \(GoFormat.quoted(name)), stage names should be unique", at: stage.from)
            }
        }
    }

    /// ConsistentInstructionCasing: every keyword of the stages (the global ARGs are not
    /// counted) against the casing most keywords use; a tie counts as upper case.
    private mutating func checkInstructionCasing() {
        let keywords = stages.flatMap { [$0.from] + $0.instructions }
        var lower = 0
        var upper = 0
        for instruction in keywords {
            let word = instruction.writtenKeyword
            if word == word.lowercased() {
                lower += 1
            } else if word == word.uppercased() {
                upper += 1
            }
        }
        let majorityLower = lower > upper
        for instruction in keywords {
            let word = instruction.writtenKeyword
            if majorityLower, word != word.lowercased() {
                warn(
                    .consistentInstructionCasing, "Command '\(word)' should match the case of the command majority (lowercase)",
                    at: instruction)
            } else if !majorityLower, word != word.uppercased() {
                warn(
                    .consistentInstructionCasing, "Command '\(word)' should match the case of the command majority (uppercase)",
                    at: instruction)
            }
        }
    }

    // MARK: - FROM lines

    /// The names FROM may use and their values: the predefined platform ARGs (build args
    /// override them), then the global ARGs in order, with the build args or only with
    /// their defaults. An ARG without a value is declared but not set.
    func globalScope(withBuildArgs: Bool) -> [String: String] {
        var scope = predefinedArgs
        for (name, value) in options.buildArgs where scope[name] != nil { scope[name] = value }
        for definition in globalArgs {
            if withBuildArgs, let value = options.buildArgs[definition.name] {
                scope[definition.name] = value
            } else if let defaultValue = definition.defaultValue {
                guard let value = try? expander.expand(defaultValue, environment: scope).value else { continue }
                scope[definition.name] = value
            }
        }
        return scope
    }

    /// BuildKit's predefined ARGs: the planner's, and the three it has that swiftbuild
    /// gives no value (the OS versions, used by Windows images, and the target's name).
    private var predefinedArgs: [String: String] {
        var args = options.predefinedArgs
        args["BUILDOSVERSION"] = ""
        args["TARGETOSVERSION"] = ""
        args["TARGETSTAGE"] = options.target ?? stages.last?.command.stageName ?? "default"
        return args
    }

    /// InvalidDefaultArgInFrom: with only the ARGs' defaults, each FROM must still name a
    /// valid image reference. An expansion error stops this check, as in BuildKit.
    private mutating func checkDefaultBaseNames() {
        var scope = predefinedArgs
        for (name, value) in options.buildArgs where scope[name] != nil { scope[name] = value }
        for definition in globalArgs {
            guard let defaultValue = definition.defaultValue else { continue }
            guard let value = try? expander.expand(defaultValue, environment: scope).value else { return }
            scope[definition.name] = value
        }
        for stage in stages {
            guard let name = try? expander.expand(stage.command.image, environment: scope).value else { return }
            if !Self.namesArchive(name), (try? ImageReference(parsing: name)) == nil {
                warn(
                    .invalidDefaultArgInFrom, "Default value for ARG \(stage.command.image) results in empty or invalid base image name",
                    at: stage.from)
            }
        }
    }

    /// Whether a FROM name is one of swiftbuild's archive transports (`oci-archive:PATH`,
    /// `docker-archive:PATH`, `oci:DIR`), which BuildKit does not have: not a reference to judge.
    static func namesArchive(_ name: String) -> Bool {
        ["oci-archive:", "docker-archive:", "oci:"].contains { name.hasPrefix($0) }
    }

    /// UndefinedArgInFrom, RedundantTargetPlatform and FromPlatformFlagConstDisallowed.
    private mutating func checkFrom(_ stage: CheckedStage, scope: [String: String]) {
        let declared = Set(globalArgs.map(\.name)).union(scope.keys)
        let suggestions = declared.sorted()
        if let expansion = try? expander.expand(stage.command.image, environment: scope) {
            reportUndeclared(expansion.referencedNames, declared: declared, suggestions: suggestions, at: stage.from)
        }
        guard let platform = stage.command.platform, let expansion = try? expander.expand(platform, environment: scope) else { return }
        reportUndeclared(expansion.referencedNames, declared: declared, suggestions: suggestions, at: stage.from)
        let matched = expansion.referencedNames.filter { scope[$0] != nil }
        let unmatched = expansion.referencedNames.subtracting(matched)
        if matched == ["TARGETPLATFORM"], unmatched.isEmpty, expansion.value == scope["TARGETPLATFORM"] {
            warn(
                .redundantTargetPlatform,
                "Setting platform to predefined \(platform) in FROM is redundant as this is the default behavior", at: stage.from,
                scope: stage.from)
        }
        if expansion.referencedNames.isEmpty, let parsed = try? Platform(parsing: expansion.value) {
            let name = stage.command.stageName ?? ""
            if !name.contains(parsed.os), !name.contains(parsed.architecture) {
                warn(
                    .fromPlatformFlagConstDisallowed,
                    "FROM --platform flag should not use constant value \(GoFormat.quoted(expansion.value))",
                    at: stage.from, scope: stage.from)
            }
        }
    }

    private mutating func reportUndeclared(_ names: Set<String>, declared: Set<String>, suggestions: [String], at from: Instruction) {
        for name in names.sorted() where !declared.contains(name) {
            let hint = suggestion(for: name, among: suggestions).map { " (did you mean \($0)?)" } ?? ""
            warn(.undefinedArgInFrom, "FROM argument '\(name)' is not declared\(hint)", at: from, scope: from)
        }
    }

    /// What a stage starts from, once its FROM is expanded; nil when it cannot be expanded.
    func base(of stage: CheckedStage, scope: [String: String]) -> StageBase? {
        guard let name = try? expander.expand(stage.command.image, environment: scope).value, !name.isEmpty else { return nil }
        let lowered = name.lowercased()
        if lowered == "scratch" { return .scratch }
        if let earlier = stages.first(where: { $0.index < stage.index && $0.command.stageName == lowered }) {
            return .stage(earlier.index)
        }
        return .image(name)
    }

    /// InvalidBaseImagePlatform: the base image's OS and architecture against the stage's platform.
    private mutating func checkBasePlatform(_ stage: CheckedStage, scope: [String: String]) {
        guard case .image(let name)? = base(of: stage, scope: scope), let actual = baseImages[stage.index]?.platform else { return }
        var expected = options.targetPlatform
        if let text = stage.command.platform {
            guard let value = try? expander.expand(text, environment: scope).value, let parsed = try? Platform(parsing: value) else {
                return
            }
            expected = parsed
        }
        let wanted = expected.normalized
        let got = actual.normalized
        guard wanted.os != got.os || wanted.architecture != got.architecture else { return }
        warn(
            .invalidBaseImagePlatform,
            "Base image \(name) was pulled with platform \(GoFormat.quoted(got.description)), expected \(GoFormat.quoted(wanted.description)) for current build",
            at: stage.from)
    }
}

/// BuildKit's suggestion for a misspelt name: the closest candidate less than three edits
/// away (the first of equally close ones), or nil. Case-sensitive, as on Linux.
func suggestion(for name: String, among candidates: [String]) -> String? {
    var best: String?
    var bestDistance = 3
    for candidate in candidates {
        if candidate == name { return nil }
        let distance = editDistance(name, candidate)
        if distance < bestDistance {
            best = candidate
            bestDistance = distance
        }
    }
    return best
}
