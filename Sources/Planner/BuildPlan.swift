import Dockerfile

/// A Dockerfile turned into stages, their dependencies and an order to build them in.
public struct BuildPlan: Sendable {
    /// The Dockerfile's path, for messages.
    public var file: String
    /// The parsed Dockerfile the plan was made from.
    public var dockerfile: ParsedDockerfile
    /// The ARGs declared before the first FROM, with the values they took.
    public var globalArgs: [ResolvedArg]
    /// Every stage, in file order.
    public var stages: [Stage]
    /// The index of the stage the build produces.
    public var targetIndex: Int
    /// The stages to build, in waves: every stage of a wave depends only on earlier waves,
    /// so the stages of one wave can be built at the same time.
    public var buildOrder: [[Int]]
    /// Things worth telling the user that do not stop the build (e.g. unused build args).
    public var warnings: [String]

    /// The stage the build produces.
    public var target: Stage { stages[targetIndex] }
}

/// One build stage: a FROM and the instructions up to the next FROM.
public struct Stage: Sendable {
    /// The stage's position, counting from 0, as `COPY --from=0` names it.
    public var index: Int
    /// The name after `AS`, lower-cased; nil when the stage has none.
    public var name: String?
    /// The stage's FROM instruction.
    public var from: Instruction
    /// What the stage starts from.
    public var base: StageBase
    /// The FROM argument after ARG expansion (`golang:alpine`, `builder`, `scratch`).
    public var baseName: String
    /// The `--platform` of its FROM, expanded; nil when none was given.
    public var platform: String?
    /// The instructions after FROM, in file order.
    public var instructions: [Instruction]
    /// The earlier stages this one needs, with the instruction that needs each.
    public var dependencies: [StageDependency]
    /// Images (not stages) named by `COPY --from` or `RUN --mount=from=`.
    public var imageReferences: [String]
    /// True when the target does not need this stage, so it is not built.
    public var skipped: Bool

    /// The indices of the stages this one needs, sorted, without repeats.
    public var dependsOn: [Int] {
        Array(Set(dependencies.map(\.stage))).sorted()
    }
}

/// What a stage starts from.
public enum StageBase: Sendable, Equatable {
    /// `FROM scratch`: an empty filesystem.
    case scratch
    /// An earlier stage, by index.
    case stage(Int)
    /// An image reference, after ARG expansion.
    case image(String)
}

/// An edge of the stage graph: this stage needs `stage` because of the instruction at `line`.
public struct StageDependency: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        case from, copyFrom, mountFrom
    }

    public var stage: Int
    public var reason: Reason
    public var line: Int

    public init(stage: Int, reason: Reason, line: Int) {
        self.stage = stage
        self.reason = reason
        self.line = line
    }
}

/// A declared ARG and the value it took (nil when it has none).
public struct ResolvedArg: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(name: String, value: String?) {
        self.name = name
        self.value = value
    }
}
