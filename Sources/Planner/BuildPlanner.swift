import Dockerfile

/// Turns a parsed Dockerfile into a ``BuildPlan``: stages, ARG values, the stage graph,
/// which stages the target needs, and the order to build them in.
public enum BuildPlanner {
    /// Plans `dockerfile` for `options`; every error names the file and the line.
    public static func plan(_ dockerfile: ParsedDockerfile, options: PlanOptions = PlanOptions()) throws(DockerfileError) -> BuildPlan {
        var planning = Planning(dockerfile: dockerfile, options: options)
        try planning.splitStages()
        try planning.resolveStages()
        try planning.rejectForwardReferences()
        let target = try planning.targetIndex()
        planning.markSkipped(target: target)
        return BuildPlan(
            file: dockerfile.file, dockerfile: dockerfile, globalArgs: planning.globalArgs,
            stages: planning.stages, targetIndex: target, buildOrder: planning.buildOrder(),
            warnings: planning.unusedBuildArgWarnings())
    }
}

/// The state of one planning run.
private struct Planning {
    let dockerfile: ParsedDockerfile
    let options: PlanOptions
    let expander: ArgExpander
    var globalArgs: [ResolvedArg] = []
    var globalScope: [String: String]
    var stages: [Stage] = []
    /// References to the current or a later stage, checked once the whole graph is known.
    var forwardReferences: [(from: Int, to: Int, line: Int, text: String)] = []
    var consumedBuildArgs: Set<String> = []
    var stageIndexByName: [String: Int] = [:]
    /// What `$NAME` means at the end of each stage resolved so far (its ARGs and ENVs,
    /// with its base stage's), and which of those names ENV set.
    var scopeAtEnd: [Int: (scope: [String: String], envNames: Set<String>)] = [:]

    init(dockerfile: ParsedDockerfile, options: PlanOptions) {
        self.dockerfile = dockerfile
        self.options = options
        self.expander = ArgExpander(file: dockerfile.file, escape: dockerfile.directives.escape)
        self.globalScope = options.predefinedArgs
    }

    private func error(_ line: Int, _ message: String) -> DockerfileError {
        DockerfileError(file: dockerfile.file, line: line, message: message)
    }

    /// Reads the global ARGs and cuts the instructions into stages.
    mutating func splitStages() throws(DockerfileError) {
        for instruction in dockerfile.instructions {
            switch instruction.command {
            case .from(let from):
                let index = stages.count
                if let name = from.stageName {
                    if let earlier = stageIndexByName[name] {
                        throw error(
                            instruction.line,
                            "duplicate stage name '\(name)': stage \(earlier) already has it (line \(stages[earlier].from.line))")
                    }
                    stageIndexByName[name] = index
                }
                stages.append(
                    Stage(
                        index: index, name: from.stageName, from: instruction, base: .scratch, baseName: "", platform: nil,
                        instructions: [], dependencies: [], imageReferences: [], skipped: false))
            case .arg(let definitions) where stages.isEmpty:
                for definition in definitions {
                    let value = try resolve(definition, scope: globalScope, inherited: nil, line: instruction.line)
                    globalArgs.append(ResolvedArg(name: definition.name, value: value))
                    globalScope[definition.name] = value
                }
            default:
                guard !stages.isEmpty else {
                    throw error(instruction.line, "\(instruction.keyword.rawValue) before the first FROM: only ARG may come before FROM")
                }
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        guard !stages.isEmpty else {
            throw error(1, "no build stage: the Dockerfile has no FROM instruction")
        }
    }

    /// An ARG's value: the build arg, else its default expanded in `scope`, else the value
    /// of the global ARG of the same name (`inherited`), else none.
    private mutating func resolve(
        _ definition: ArgDefinition, scope: [String: String], inherited: String?,
        line: Int
    ) throws(DockerfileError) -> String? {
        if let value = options.buildArgs[definition.name] {
            consumedBuildArgs.insert(definition.name)
            return value
        }
        if let defaultValue = definition.defaultValue {
            return try expander.expand(defaultValue, scope: scope, line: line)
        }
        return inherited
    }

    /// Expands each stage's FROM and follows its instructions to find what it depends on.
    mutating func resolveStages() throws(DockerfileError) {
        for index in stages.indices {
            let from = stages[index].from
            guard case .from(let command) = from.command else { continue }
            let image = try expander.expand(command.image, scope: globalScope, line: from.line)
            guard !image.isEmpty else {
                throw error(from.line, "base name (\(command.image)) should not be blank")
            }
            stages[index].platform = try command.platform.map { (text) throws(DockerfileError) in
                try expander.expand(text, scope: globalScope, line: from.line)
            }
            stages[index].baseName = image
            stages[index].base = baseOf(image, stage: index, line: from.line)
            try followInstructions(of: index)
        }
    }

    private mutating func baseOf(_ image: String, stage index: Int, line: Int) -> StageBase {
        let lowered = image.lowercased()
        if lowered == "scratch" { return .scratch }
        guard let referenced = stageIndexByName[lowered] else { return .image(image) }
        if referenced < index {
            stages[index].dependencies.append(StageDependency(stage: referenced, reason: .from, line: line))
            return .stage(referenced)
        }
        if referenced > index {
            forwardReferences.append((index, referenced, line, "FROM \(image)"))
        }
        return .image(image)
    }

    /// Tracks ARG and ENV through a stage to expand `--from` values, and records the stage's
    /// edges. A stage built `FROM` an earlier one starts with that stage's ARGs and ENVs,
    /// as in BuildKit.
    private mutating func followInstructions(of index: Int) throws(DockerfileError) {
        var scope: [String: String] = [:]
        var envNames: Set<String> = []
        if case .stage(let parent) = stages[index].base, let inherited = scopeAtEnd[parent] {
            (scope, envNames) = inherited
        }
        defer { scopeAtEnd[index] = (scope, envNames) }
        for instruction in stages[index].instructions {
            let line = instruction.line
            switch instruction.command {
            case .arg(let definitions):
                // An ENV of the same name wins over the ARG, as in BuildKit.
                // Without a value of its own (build arg, default, global), an ARG keeps the
                // one it already has in this stage or from its base stage, as in BuildKit.
                for definition in definitions where !envNames.contains(definition.name) {
                    let inherited = globalScope[definition.name]
                    if let value = try resolve(definition, scope: scope, inherited: inherited, line: line) {
                        scope[definition.name] = value
                    }
                }
            case .env(let pairs):
                let before = scope
                for pair in pairs {
                    scope[pair.key] = try expander.expand(pair.value, scope: before, line: line)
                    envNames.insert(pair.key)
                }
            case .copy(let transfer):
                if let source = transfer.from {
                    let reference = try expander.expand(source, scope: scope, line: line)
                    try addReference(reference, from: index, reason: .copyFrom, line: line, flag: "COPY --from")
                }
            case .run(let run):
                for mount in run.mounts {
                    guard let source = mount.from else { continue }
                    let reference = try expander.expand(source, scope: scope, line: line)
                    try addReference(reference, from: index, reason: .mountFrom, line: line, flag: "RUN --mount=from")
                }
            default:
                break
            }
        }
    }

    /// Records what a `--from` value names: an earlier stage, a later one (an error), or an image.
    private mutating func addReference(
        _ reference: String, from index: Int, reason: StageDependency.Reason,
        line: Int, flag: String
    ) throws(DockerfileError) {
        let text = "\(flag)=\(reference)"
        if let number = Int(reference) {
            guard number >= 0, number < stages.count else {
                throw error(line, "\(text): there is no stage \(number) (stages are numbered 0 to \(stages.count - 1))")
            }
            try addStageEdge(to: number, from: index, reason: reason, line: line, text: text)
        } else if let referenced = stageIndexByName[reference.lowercased()] {
            try addStageEdge(to: referenced, from: index, reason: reason, line: line, text: text)
        } else if !options.namedContexts.contains(reference), let suggestion = closeStageName(to: reference.lowercased()) {
            throw error(
                line,
                "\(text): unknown stage '\(reference)' (did you mean '\(suggestion)'?); to use an image of that name, write its full reference, e.g. \(reference):latest"
            )
        } else {
            stages[index].imageReferences.append(reference)
        }
    }

    private mutating func addStageEdge(
        to referenced: Int, from index: Int, reason: StageDependency.Reason,
        line: Int, text: String
    ) throws(DockerfileError) {
        if referenced < index {
            stages[index].dependencies.append(StageDependency(stage: referenced, reason: reason, line: line))
        } else {
            forwardReferences.append((index, referenced, line, text))
        }
    }

    /// A stage name that a plain word is a likely misspelling of.
    private func closeStageName(to word: String) -> String? {
        guard !word.contains(where: { ":/@.".contains($0) }) else { return nil }
        return stageIndexByName.keys
            .map { ($0, editDistance($0, word)) }
            .filter { $0.0.count >= 4 && $0.1 <= $0.0.count / 3 }
            .min(by: { $0.1 < $1.1 })?.0
    }

    /// Reports the first reference to the current or a later stage: a cycle when the
    /// referenced stage leads back, otherwise a reference to a stage not yet built.
    func rejectForwardReferences() throws(DockerfileError) {
        guard let first = forwardReferences.first else { return }
        let name = label(first.to)
        if let cycle = path(from: first.to, to: first.from) {
            let names = ([first.from] + cycle).map(label).joined(separator: " -> ")
            throw error(first.line, "\(first.text): the stages form a cycle: \(names)")
        }
        throw error(
            first.line,
            "\(first.text): stage \(name) is defined later (line \(stages[first.to].from.line)); a stage can only use stages defined before it"
        )
    }

    private func label(_ index: Int) -> String {
        stages[index].name.map { "'\($0)'" } ?? "\(index)"
    }

    /// A path of stage indices from `start` to `goal` along all references, forward ones included.
    private func path(from start: Int, to goal: Int) -> [Int]? {
        var edges: [Int: [Int]] = [:]
        for stage in stages { edges[stage.index] = stage.dependencies.map(\.stage) }
        for reference in forwardReferences { edges[reference.from, default: []].append(reference.to) }
        // Breadth first with a record of where each stage was reached from: no recursion,
        // however long the chain of stages.
        var cameFrom: [Int: Int] = [start: start]
        var queue = [start]
        var next = 0
        while next < queue.count {
            let node = queue[next]
            next += 1
            if node == goal {
                var path = [node]
                while let previous = cameFrom[path[path.count - 1]], previous != path[path.count - 1] { path.append(previous) }
                return path.reversed()
            }
            for neighbour in edges[node] ?? [] where cameFrom[neighbour] == nil {
                cameFrom[neighbour] = node
                queue.append(neighbour)
            }
        }
        return nil
    }

    /// The index of the `--target` stage, or of the last stage.
    func targetIndex() throws(DockerfileError) -> Int {
        guard let target = options.target else { return stages.count - 1 }
        guard let index = stageIndexByName[target.lowercased()] else {
            let names = stages.compactMap(\.name)
            let known = names.isEmpty ? "no stage has a name" : "stages: \(names.joined(separator: ", "))"
            throw error(0, "target stage '\(target)' could not be found (\(known))")
        }
        return index
    }

    /// Marks every stage the target does not need, directly or through other stages.
    mutating func markSkipped(target: Int) {
        var needed: Set<Int> = []
        var pending = [target]
        while let index = pending.popLast() {
            guard needed.insert(index).inserted else { continue }
            pending.append(contentsOf: stages[index].dependsOn)
        }
        for index in stages.indices { stages[index].skipped = !needed.contains(index) }
    }

    /// The needed stages in waves: each wave holds the stages whose dependencies are all
    /// in earlier waves. A stage only depends on earlier ones (forward references were
    /// rejected), so one pass in index order finds each stage's wave: one after the
    /// latest of its dependencies'.
    func buildOrder() -> [[Int]] {
        var waveOf: [Int: Int] = [:]
        var waves: [[Int]] = []
        for stage in stages where !stage.skipped {
            let wave = stage.dependencies.compactMap { waveOf[$0.stage] }.max().map { $0 + 1 } ?? 0
            waveOf[stage.index] = wave
            if wave == waves.count { waves.append([]) }
            waves[wave].append(stage.index)
        }
        return waves
    }

    /// Warnings for `--build-arg` values that no ARG declared. `BUILDKIT_DOCKERFILE_CHECK`
    /// configures the build checks (as in BuildKit), so it needs no ARG.
    func unusedBuildArgWarnings() -> [String] {
        options.buildArgs.keys.filter { !consumedBuildArgs.contains($0) && $0 != "BUILDKIT_DOCKERFILE_CHECK" }.sorted().map {
            "build-arg \($0) was not consumed: no ARG \($0) is declared in \(dockerfile.file)"
        }
    }
}
