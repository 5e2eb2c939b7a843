import Dockerfile
import Foundation
import OCI
import OCIArchive
import Planner
import Sandbox
import StepPlan
import Store

/// A stage after its last instruction: its configuration and layers.
struct StageOutput: Sendable {
    var state: StageState
    var chain: LayerChain
}

/// Builds one stage: its base image's ONBUILD triggers, then its instructions, one
/// snapshot per filesystem step.
struct StageBuilder {
    let stage: Stage
    let request: BuildRequest
    let store: ImageStore
    /// Where this build's snapshots, mounts and blobs are made (in the store's `tmp/`).
    let workDirectory: URL
    let events: BuildEventHandler
    /// The outputs of the stages built before this one, by index.
    let finishedStages: [Int: StageOutput]
    /// The build context with its `.dockerignore`, read once per build.
    let context: BuildContext
    /// The named directory contexts (`--build-context NAME=DIR`), each read once per build.
    let namedDirectories: [String: Result<BuildContext, BuildContextError>]
    /// Where the cache records of this build's steps are gathered.
    let cacheLog: CacheLog
    /// The images the build names, each resolved once per build.
    let images: ImageResolver
    /// Packs the layers of exported stages while the build goes on.
    let packing: BackgroundPacking
    /// Unmounts finished steps' overlays while the build goes on.
    let unmounts: BackgroundUnmounts

    /// What the RUN step that just ran used, for its `stepFinished` event.
    let stepUsage = StepUsageRecorder()

    var label: String { (request.progressPrefix.map { "\($0) " } ?? "") + (stage.name ?? "stage-\(stage.index)") }

    func build() async throws -> StageOutput {
        let target: StepTarget
        do {
            target = StepTarget(
                platform: try StagePlanner.platform(of: stage, in: request.plan, targetPlatform: request.platform),
                sourceDateEpoch: request.sourceDateEpoch, compression: request.compression)
        } catch {
            throw failure(stage.from, error)
        }
        let (base, startChain, triggerTexts) = try await start(platform: target.platform)
        var chain = startChain
        var planner = StagePlanner(
            stage: stage, of: request.plan, state: base, target: target, defaults: request.runDefaults,
            argSources: request.argSources, directoryContexts: request.directoryContexts)
        let steps = try parseTriggers(triggerTexts) + stage.instructions
        for (number, instruction) in steps.enumerated() {
            try Task.checkCancellation()
            let started = ContinuousClock.now
            events(.stepStarted(stage: label, step: number + 1, of: steps.count, instruction: Self.summary(instruction)))
            let hitCache: Bool
            _ = stepUsage.take()
            do {
                let step = try planner.step(for: instruction)
                hitCache = try await execute(step, of: instruction, number: number, planner: &planner, chain: &chain)
            } catch let error as BuildError {
                events(.stepFailed(stage: label, step: number + 1, message: error.message))
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch SandboxError.cancelled {
                throw CancellationError()
            } catch {
                let failed = failure(instruction, error)
                events(.stepFailed(stage: label, step: number + 1, message: failed.message))
                throw failed
            }
            events(
                hitCache
                    ? .stepCached(stage: label, step: number + 1)
                    : .stepFinished(
                        stage: label, step: number + 1, duration: ContinuousClock.now - started, usage: stepUsage.take()))
        }
        return StageOutput(state: planner.state, chain: chain)
    }

    /// The state and layers the stage starts from (scratch, an earlier stage, or an
    /// image for `platform`), and the ONBUILD triggers of that stage or image.
    private func start(platform: OCI.Platform) async throws -> (StageState, LayerChain, [String]) {
        let escape = request.plan.dockerfile.directives.escape
        switch stage.base {
        case .scratch:
            return (StageState(base: nil, platform: platform, escape: escape), LayerChain(scratchFor: platform), [])
        case .stage(let index):
            guard let parent = finishedStages[index] else {
                throw failure(stage.from, "stage \(index) was not built before it")
            }
            // BuildKit runs the ONBUILD triggers of a stage another stage is built FROM, as
            // it would a stored image's (the parent's own config keeps them).
            let triggers = parent.state.finishedImage.config?.onBuild ?? []
            return (StageState(continuing: parent.state, platform: platform, escape: escape), parent.chain, triggers)
        case .image(let name):
            let base: BaseImage
            do {
                base = try await images.image(name, platform: platform)
            } catch StoreError.imageNotFound(let normalised) {
                throw failure(
                    stage.from, "image '\(normalised)' is not in the store; pull it (swiftbuild pull) or load it (swiftbuild load -i FILE)")
            } catch {
                throw failure(stage.from, error)
            }
            let state = StageState(base: base.config, platform: platform, escape: escape)
            return (state, LayerChain(image: base), base.config.config?.onBuild ?? [])
        }
    }

    /// The base's (image's or stage's) ONBUILD triggers as instructions, placed at the
    /// FROM line.
    private func parseTriggers(_ triggers: [String]) throws -> [Instruction] {
        try triggers.flatMap { trigger -> [Instruction] in
            do throws(DockerfileError) {
                return try DockerfileParser.parse(trigger, file: "\(stage.baseName) ONBUILD").instructions.map {
                    var instruction = $0
                    instruction.line = stage.from.line
                    return instruction
                }
            } catch {
                throw failure(
                    stage.from,
                    "the base image's ONBUILD trigger '\(trigger)' is invalid: \(error.message)")
            }
        }
    }

    /// Runs one resolved step: a filesystem step through the cache, then its history entry
    /// (a configuration step has changed the planner's state already).
    ///
    /// - Returns: whether the step was a cache hit.
    private func execute(
        _ step: Step, of instruction: Instruction, number: Int, planner: inout StagePlanner,
        chain: inout LayerChain
    ) async throws -> Bool {
        let name = "\(stage.index)-\(number)"
        let outcome: (changed: Bool, hit: Bool)
        let historyLine: String
        switch step {
        case .run(let run):
            if run.mounts.isEmpty {
                outcome = try await cached(run.cacheKey(over: chain.cacheKey), instruction, chain: &chain) { chain in
                    try await executeRun(run, instruction: instruction, step: name, chain: &chain)
                }
            } else {
                let mounts = try await prepareRunMounts(run, step: name)
                defer { mounts.release() }
                let key = mounts.undigestable ? nil : run.cacheKey(over: chain.cacheKey, mountDigests: mounts.digests)
                outcome = try await cached(key, instruction, chain: &chain) { chain in
                    try await executeRun(
                        run, mounts: mounts.sandboxMounts, secretEnvironment: mounts.secretEnvironment, instruction: instruction,
                        step: name, chain: &chain)
                }
            }
            historyLine = run.historyLine
        case .copy(let copy):
            outcome = try await cachedCopy(copy, instruction: instruction, step: name, chain: &chain)
            historyLine = copy.historyLine
        case .workdir(let workdir):
            outcome = try await cached(workdir.cacheKey(over: chain.cacheKey), instruction, chain: &chain) { chain in
                try await executeWorkdir(workdir, instruction: instruction, step: name, chain: &chain)
            }
            historyLine = workdir.historyLine
        case .metadata(let line):
            if let line { planner.recordHistory(line, emptyLayer: true, created: historyTime(chain)) }
            return false
        }
        planner.recordHistory(historyLine, emptyLayer: !outcome.changed, created: historyTime(chain))
        return outcome.hit
    }

    /// Runs `body` in a new snapshot mounted over the chain; commits the snapshot to the
    /// store, unhashed, as the layer `instruction` made, when it changed anything; when the
    /// stage's layers are exported, queues its packing as `target` says (``BackgroundPacking``).
    ///
    /// - Returns: whether the step changed the filesystem.
    func inStepMount(
        for instruction: Instruction, target: StepTarget, step: String, chain: inout LayerChain,
        _ body: (URL) async throws -> Void
    ) async throws -> Bool {
        let mount = try PhaseTrace.measure(step, "mount") { try StepMount(over: chain, in: workDirectory, step: step) }
        do {
            try await PhaseTrace.measure(step, "process") { try await body(mount.merged) }
        } catch {
            try? mount.unmountAndRemove()
            throw error
        }
        let bodyEnded = ContinuousClock.now
        defer { if PhaseTrace.enabled { PhaseTrace.report(step, "after-process", since: bodyEnded) } }
        let layer: URL?
        do {
            layer = try PhaseTrace.measure(step, "detach") { try mount.detachLayer() }
        } catch {
            try? mount.unmountAndRemove()
            throw error
        }
        unmounts.unmount(mount, step: step)
        guard let layer else { return false }
        // No hash now: the diff ID is computed when an export, push or shared cache needs
        // it; a layer the image will hold is packed in the background meanwhile.
        let name = try PhaseTrace.measure(step, "commit") { try store.commitBuiltSnapshot(layer) }
        if layersAreExported {
            packing.pack(
                snapshot: name, in: store, with: LayerPacker(compression: target.compression, sourceDateEpoch: target.sourceDateEpoch),
                step: step)
        }
        chain.append(StepLayer(snapshot: name, origin: origin(of: instruction)), directory: store.snapshotDirectory(for: name))
        return true
    }

    /// Whether this stage's layers end up in the image: it is the target, or a stage the
    /// target is built `FROM`, directly or through others.
    var layersAreExported: Bool {
        var index = request.plan.targetIndex
        while index != stage.index {
            guard case .stage(let base) = request.plan.stages[index].base else { return false }
            index = base
        }
        return true
    }

    /// Where `instruction` is in the Dockerfile, for reports about the files it brought in.
    func origin(of instruction: Instruction) -> LayerOrigin {
        LayerOrigin(file: request.plan.file, line: instruction.line, instruction: Self.summary(instruction))
    }

    /// A located error for `instruction`, saying `message`.
    func failure(_ instruction: Instruction, _ message: String, outputTail: [String] = []) -> BuildError {
        BuildError(
            file: request.plan.file, line: instruction.line, instruction: Self.summary(instruction),
            message: message, outputTail: outputTail)
    }

    /// A located error for `instruction`, caused by `cause`.
    func failure(_ instruction: Instruction, _ cause: any Error) -> BuildError {
        BuildError(file: request.plan.file, line: instruction.line, instruction: Self.summary(instruction), cause: cause)
    }

    /// The instruction's text on one line, shortened for progress and errors.
    static func summary(_ instruction: Instruction) -> String {
        let text = instruction.original.replacingOccurrences(of: "\n", with: " ")
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    /// The `created` of a history entry recorded now: SOURCE_DATE_EPOCH when set, else
    /// when the chain's newest layer was made, so that a build whose steps all hit the
    /// cache makes the same image.
    func historyTime(_ chain: LayerChain) -> String? {
        request.sourceDateEpoch != nil ? Self.timestamp(request.sourceDateEpoch) : chain.created
    }

    /// RFC 3339 time for config and history: SOURCE_DATE_EPOCH when set, else now.
    static func timestamp(_ sourceDateEpoch: Int?) -> String {
        let date = sourceDateEpoch.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? Date()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
