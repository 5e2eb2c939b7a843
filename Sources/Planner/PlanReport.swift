import Dockerfile

/// The plan as `swiftbuild parse --format json` prints it: stages with their graph
/// edges, and every instruction in file order.
public struct PlanReport: Encodable, Sendable {
    public struct StageEntry: Encodable, Sendable {
        public var index: Int
        public var name: String?
        /// The base image or stage name after ARG expansion.
        public var base: String
        /// The index of the base stage when the stage starts from another stage.
        public var baseStage: Int?
        public var platform: String?
        public var line: Int
        public var dependsOn: [Int]
        public var imageReferences: [String]
        public var skipped: Bool

        private enum CodingKeys: String, CodingKey {
            case index, name, base, baseStage, platform, line, dependsOn, imageReferences, skipped
        }

        /// Writes every key, with `null` for absent values, so readers need not guess.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(name, forKey: .name)
            try container.encode(base, forKey: .base)
            try container.encode(baseStage, forKey: .baseStage)
            try container.encode(platform, forKey: .platform)
            try container.encode(line, forKey: .line)
            try container.encode(dependsOn, forKey: .dependsOn)
            try container.encode(imageReferences, forKey: .imageReferences)
            try container.encode(skipped, forKey: .skipped)
        }
    }

    public struct InstructionEntry: Encodable, Sendable {
        public var line: Int
        public var endLine: Int
        /// The stage the instruction belongs to; nil for ARGs before the first FROM.
        public var stage: Int?
        public var keyword: String
        public var args: [String]
        public var flags: [String: FlagJSON]
        /// Present only for instructions that have an exec form.
        public var exec: Bool?
        public var heredocs: [Heredoc]
        /// The trigger of an ONBUILD instruction.
        public var trigger: TriggerEntry?

        private enum CodingKeys: String, CodingKey {
            case line, endLine, stage, keyword, args, flags, exec, heredocs, trigger
        }

        /// Writes `stage: null` for global ARGs; `exec` and `trigger` only where they apply.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(line, forKey: .line)
            try container.encode(endLine, forKey: .endLine)
            try container.encode(stage, forKey: .stage)
            try container.encode(keyword, forKey: .keyword)
            try container.encode(args, forKey: .args)
            try container.encode(flags, forKey: .flags)
            try container.encodeIfPresent(exec, forKey: .exec)
            try container.encode(heredocs, forKey: .heredocs)
            try container.encodeIfPresent(trigger, forKey: .trigger)
        }
    }

    /// An ONBUILD trigger: the instruction it will run in a child image.
    public struct TriggerEntry: Encodable, Sendable {
        public var keyword: String
        public var args: [String]
        public var flags: [String: FlagJSON]
        public var exec: Bool?
    }

    /// A flag value in JSON: a string, a boolean or a list of strings.
    public enum FlagJSON: Encodable, Sendable {
        case string(String)
        case bool(Bool)
        case list([String])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .bool(let value): try container.encode(value)
            case .list(let value): try container.encode(value)
            }
        }
    }

    public struct ArgEntry: Encodable, Sendable {
        public var name: String
        public var value: String?
    }

    public var file: String
    public var directives: ParserDirectives
    public var args: [ArgEntry]
    public var target: Int
    public var buildOrder: [[Int]]
    public var warnings: [String]
    public var stages: [StageEntry]
    public var instructions: [InstructionEntry]

    public init(_ plan: BuildPlan) {
        file = plan.file
        directives = plan.dockerfile.directives
        args = plan.globalArgs.map { ArgEntry(name: $0.name, value: $0.value) }
        target = plan.targetIndex
        buildOrder = plan.buildOrder
        warnings = plan.warnings
        stages = plan.stages.map(Self.entry)
        var stageOfLine: [Int: Int] = [:]
        for stage in plan.stages {
            stageOfLine[stage.from.line] = stage.index
            for instruction in stage.instructions { stageOfLine[instruction.line] = stage.index }
        }
        instructions = plan.dockerfile.instructions.map { instruction in
            InstructionEntry(
                line: instruction.line, endLine: instruction.endLine, stage: stageOfLine[instruction.line],
                keyword: instruction.keyword.rawValue, args: instruction.arguments,
                flags: Self.flags(instruction.flags), exec: instruction.isExecForm, heredocs: instruction.heredocs,
                trigger: Self.trigger(of: instruction))
        }
    }

    private static func entry(_ stage: Stage) -> StageEntry {
        var baseStage: Int? = nil
        if case .stage(let index) = stage.base { baseStage = index }
        return StageEntry(
            index: stage.index, name: stage.name, base: stage.baseName, baseStage: baseStage,
            platform: stage.platform, line: stage.from.line, dependsOn: stage.dependsOn,
            imageReferences: stage.imageReferences, skipped: stage.skipped)
    }

    private static func flags(_ flags: InstructionFlags) -> [String: FlagJSON] {
        var result: [String: FlagJSON] = [:]
        for (name, value) in flags.entries {
            switch value {
            case .string(let text): result[name] = .string(text)
            case .bool(let flag): result[name] = .bool(flag)
            case .list(let values): result[name] = .list(values)
            }
        }
        return result
    }

    private static func trigger(of instruction: Instruction) -> TriggerEntry? {
        guard case .onbuild(let trigger) = instruction.command else { return nil }
        return TriggerEntry(
            keyword: trigger.keyword.rawValue, args: trigger.arguments,
            flags: flags(trigger.flags), exec: trigger.isExecForm)
    }
}
