import Foundation
import OCI
import OCIArchive
import Planner
import StepPlan
import Store

/// Builds images: runs a plan's stages in order and exports the target into the store.
///
/// Everything a build makes lives in one work directory under the store's `tmp/` until
/// the result is committed; the directory is removed whether the build succeeds or not.
public struct ImageBuilder: Sendable {
    public let store: ImageStore

    public init(store: ImageStore) {
        self.store = store
    }

    /// Builds `request.plan`'s target stage and stores it, tagged with `request.tags`.
    /// With two or more ``BuildRequest/platformTargets``, builds the whole graph once per
    /// platform and stores an image index of the results under the tags.
    public func build(_ request: BuildRequest, events: @escaping BuildEventHandler) async throws -> BuildResult {
        defer { if PhaseTrace.enabled { PhaseTrace.reportPeakMemory() } }
        // Steps' overlays are volatile (no sync per step), and a build does not wait for
        // its snapshots to reach the disk: it leaves them to the next build, which syncs
        // them alongside its own work (by then mostly written back) and waits for that
        // sync only at its end. A failed build leaves its snapshots the same way. An
        // earlier build's snapshots that cannot be synced stay in the journal for a later
        // build, and serve this boot only meanwhile: this build goes on regardless.
        let store = store
        let earlier = Task.detached { try? PhaseTrace.measure("build", "sync-earlier") { try store.syncEarlierSnapshots() } }
        let result: BuildResult
        do {
            result = try await store.withContentLease {
                guard request.platformTargets.count >= 2 else { return try await buildHoldingLease(request, events: events) }
                return try await buildPlatformsHoldingLease(request, events: events)
            }
        } catch {
            try? store.deferSyncOfBuiltSnapshots()
            await earlier.value
            throw error
        }
        try store.deferSyncOfBuiltSnapshots()
        await PhaseTrace.measure("build", "wait-sync-earlier") { await earlier.value }
        return result
    }

    /// A multi-platform build: each platform's graph in turn, in the order given, with
    /// its own plan and target platform, then one index over the images. Stages that do
    /// not depend on the target platform (`FROM --platform=$BUILDPLATFORM` without
    /// `$TARGET*` ARGs) have the same cache keys in every platform's build, so they run
    /// once and the later platforms hit the cache; everything built on a target-platform
    /// base or `FROM scratch` has keys of that platform (the base's manifest digest, or the
    /// platform itself) and is never shared. Each platform's image gets the ELF check. The
    /// content lease is held throughout, so no prune removes a platform's image before the
    /// index keeps it.
    private func buildPlatformsHoldingLease(_ request: BuildRequest, events: @escaping BuildEventHandler) async throws -> BuildResult {
        var images: [Descriptor] = []
        var records: [Digest: CacheRecord] = [:]
        var configs: [ImageConfiguration] = []
        for target in request.platformTargets {
            var one = request
            one.plan = target.plan
            one.options.targetPlatform = target.platform
            one.tags = []
            one.platformTargets = []
            one.progressPrefix = target.platform.description
            one.indexPlatform = target.platform
            let result = try await buildHoldingLease(one, events: events)
            var descriptor = result.descriptor
            descriptor.platform = target.platform.normalized
            images.append(descriptor)
            configs.append(result.config)
            records.merge(result.cacheRecords) { kept, _ in kept }
        }
        let index = try store.commitIndex(manifests: images, tags: request.tags)
        events(.exported(imageID: index.digest.description, tags: request.tags))
        return BuildResult(descriptor: index, config: configs[0], cacheRecords: records, platformImages: images)
    }

    private func buildHoldingLease(_ request: BuildRequest, events: @escaping BuildEventHandler) async throws -> BuildResult {
        // `--ssh ID=KEYFILE`: a private agent for the build's length, whatever its outcome.
        let agents = try PrivateSSHAgents(request.sshSources)
        defer { agents.stop() }
        var request = request
        request.sshSources = agents.sources
        let workDirectory = try store.makeWorkDirectory()
        defer { store.removeWorkDirectory(workDirectory) }
        do {
            return try await buildInWorkDirectory(request, workDirectory: workDirectory, events: events)
        } catch let error as BuildError where !error.outputTail.isEmpty {
            throw error  // a step's own failure, whatever its output says
        } catch {
            throw store.outOfSpace(error, operation: "build", workDirectory: workDirectory) ?? error
        }
    }

    private func buildInWorkDirectory(
        _ request: BuildRequest, workDirectory: URL,
        events: @escaping BuildEventHandler
    ) async throws -> BuildResult {
        let cacheLog = CacheLog()
        let packing = BackgroundPacking()
        let unmounts = BackgroundUnmounts()
        do {
            let finished = try await buildStages(
                request, cacheLog: cacheLog, packing: packing, unmounts: unmounts, workDirectory: workDirectory,
                events: events)
            guard let target = finished[request.plan.targetIndex] else {
                preconditionFailure("the build order always ends with the target stage")
            }
            if request.elfCheck != .off {
                let report = try PhaseTrace.measure("elf-check", "check") {
                    try checkExecutables(of: target, stages: finished, request: request, workDirectory: workDirectory)
                }
                events(.elfChecked(report, policy: request.elfCheck))
                if request.elfCheck == .error, report.hasFindings { throw ELFCheckFailure(report: report) }
            }
            await PhaseTrace.measure("export", "wait-packing") { await packing.drain() }
            // The steps' overlays are unmounted before anything is tagged: a build whose
            // unmount failed fails.
            try await PhaseTrace.measure("build", "wait-unmounts") { try await unmounts.finish() }
            var result = try PhaseTrace.measure("export", "total") { try export(target, request: request) }
            result.cacheRecords = cacheLog.all
            if request.indexPlatform == nil {
                events(.exported(imageID: result.descriptor.digest.description, tags: request.tags))
            }
            return result
        } catch {
            await packing.cancel()
            try? await unmounts.finish()
            throw error
        }
    }

    /// Builds every stage the target needs with the context (its digest memo loaded from
    /// the store and written back afterwards; both are freed before the export).
    private func buildStages(
        _ request: BuildRequest, cacheLog: CacheLog, packing: BackgroundPacking, unmounts: BackgroundUnmounts,
        workDirectory: URL, events: @escaping BuildEventHandler
    ) async throws -> [Int: StageOutput] {
        let digests = ContentDigestCache(from: store)
        let context = try BuildContext(
            directory: request.contextDirectory.path, dockerfile: request.dockerfilePath?.path,
            digestCache: digests)
        // Each named directory context is read once per build, with the same digest memo;
        // one that cannot be read fails the step that uses it, which names the line.
        var directories: [String: Result<BuildContext, BuildContextError>] = [:]
        for case (let name, .directory(let directory)) in request.namedContexts {
            directories[name] = Result { () throws(BuildContextError) in
                try BuildContext(directory: directory.path, digestCache: digests)
            }
        }
        let finished = try await buildStages(
            request, context: context, namedDirectories: directories, cacheLog: cacheLog,
            packing: packing, unmounts: unmounts, workDirectory: workDirectory, events: events)
        try? digests.write(into: store)
        return finished
    }

    /// Builds every stage the target needs, each as soon as the stages it depends on are
    /// done and fewer than `request.jobs` are running. The first stage to fail cancels the
    /// others (their steps are killed and unmounted) and its error is the build's.
    ///
    /// Each stage waits for a count of unfinished dependencies; a finished stage counts
    /// down its dependents', and the ones that reach zero queue up in build order. Each
    /// builder gets only the outputs it depends on: handing every builder the whole table
    /// of finished stages copied it once per stage, and scanning every stage for readiness
    /// after each one finished cost as much again (quadratic in a long chain of stages).
    /// The result holds the target's output (a stage's is dropped once all its dependents
    /// have started).
    private func buildStages(
        _ request: BuildRequest, context: BuildContext,
        namedDirectories: [String: Result<BuildContext, BuildContextError>], cacheLog: CacheLog,
        packing: BackgroundPacking, unmounts: BackgroundUnmounts, workDirectory: URL,
        events: @escaping BuildEventHandler
    ) async throws -> [Int: StageOutput] {
        let order: [Int] = request.plan.buildOrder.flatMap { $0 }
        var position: [Int: Int] = [:]
        var waitingOn: [Int: Int] = [:]
        var dependents: [Int: [Int]] = [:]
        for (place, index) in order.enumerated() {
            position[index] = place
            let dependencies: [Int] = request.plan.stages[index].dependsOn
            waitingOn[index] = dependencies.count
            for dependency in dependencies { dependents[dependency, default: []].append(index) }
        }
        var unstartedDependents: [Int: Int] = dependents.mapValues { (users: [Int]) -> Int in users.count }
        var ready: [Int] = order.filter { (index: Int) -> Bool in waitingOn[index] == 0 }
        var finished: [Int: StageOutput] = [:]
        let keptForTheTarget = Set([request.plan.targetIndex] + request.plan.stages[request.plan.targetIndex].dependsOn)
        var running = 0
        let images = ImageResolver(
            store: store, fetcher: request.baseImageFetcher, alwaysPull: request.alwaysPull,
            namedContexts: request.namedContexts)
        try await withThrowingTaskGroup(of: (Int, StageOutput).self) { group in
            func startReadyStages() {
                while running < request.jobs, !ready.isEmpty {
                    let index = ready.removeFirst()
                    let stage = request.plan.stages[index]
                    var inputs: [Int: StageOutput] = [:]
                    for dependency in stage.dependsOn {
                        inputs[dependency] = finished[dependency]
                        // Once its last dependent has it, a stage's output is dropped: a
                        // chain keeps one, not all of them. Kept: the target's, and those the
                        // target itself depends on (the stages it copies from), which the ELF
                        // check's remedies may mount.
                        let users: Int = (unstartedDependents[dependency] ?? 1) - 1
                        unstartedDependents[dependency] = users
                        if users == 0, !keptForTheTarget.contains(dependency) { finished[dependency] = nil }
                    }
                    running += 1
                    let builder = StageBuilder(
                        stage: stage, request: request, store: store, workDirectory: workDirectory,
                        events: events, finishedStages: inputs, context: context,
                        namedDirectories: namedDirectories, cacheLog: cacheLog, images: images, packing: packing,
                        unmounts: unmounts)
                    group.addTask { (index, try await builder.build()) }
                }
            }
            startReadyStages()
            while let (index, output) = try await group.next() {
                running -= 1
                finished[index] = output
                for dependent in dependents[index] ?? [] {
                    let left: Int = (waitingOn[dependent] ?? 1) - 1
                    waitingOn[dependent] = left
                    guard left == 0 else { continue }
                    // Keep build order among the ready ones.
                    let place: Int = position[dependent] ?? 0
                    var at = ready.count
                    for (offset, other) in ready.enumerated() where (position[other] ?? 0) > place {
                        at = offset
                        break
                    }
                    ready.insert(dependent, at: at)
                }
                startReadyStages()
            }
        }
        return finished
    }

    /// Checks the ELF executables in the layers this build made, and the image's entry point,
    /// against the final root filesystem; the other stages are mounted only when a remedy
    /// needs them (and unmounted afterwards).
    private func checkExecutables(
        of target: StageOutput, stages: [Int: StageOutput], request: BuildRequest,
        workDirectory: URL
    ) throws -> ELFCheckReport {
        let plan = request.plan
        let chain = target.chain
        let mount = try StepMount(over: chain, in: workDirectory, step: "elf-check")
        defer { try? mount.unmount() }
        var others: [StepMount] = []
        defer { for other in others { try? other.unmount() } }
        let checker = ExecutableChecker(root: mount.merged, image: target.state.finishedImage)
        // The last check of this Dockerfile's target (for this platform): its results for
        // the layers this image shares with that one stand where the other layers change
        // nothing they read.
        let recordName = Digest.sha256(
            Array(
                [
                    request.contextDirectory.path, request.dockerfilePath?.path ?? "", String(plan.targetIndex),
                    request.options.targetPlatform.description
                ].joined(separator: "\n").utf8))
        let previous = store.elfCheckRecord(named: recordName).flatMap { ELFCheckRecord.decode($0, layersIn: store.snapshotsDirectory) }
        let baseCount = chain.directories.count - chain.stepLayers.count
        let layers = chain.directories.enumerated().map { index, directory in
            ExecutableChecker.Layer(directory: directory, origin: index < baseCount ? nil : chain.stepLayers[index - baseCount].origin)
        }
        let (report, record) = checker.check(layers: layers, previous: previous) {
            var roots: [ExecutableChecker.StageRoot] = []
            for (index, output) in stages.sorted(by: { $0.key < $1.key }) where index != plan.targetIndex {
                guard let other = try? StepMount(over: output.chain, in: workDirectory, step: "elf-check-stage-\(index)") else { continue }
                others.append(other)
                let stage = plan.stages[index]
                roots.append(.init(name: stage.name ?? String(index), base: stage.baseName, root: other.merged))
            }
            return roots
        }
        if let record, record != previous, let data = try? JSONEncoder().encode(record) {
            try? store.replaceELFCheckRecord(named: recordName, with: data)
        }
        return report
    }

    /// Packs the target's new layers (reusing blobs their steps or an earlier build packed),
    /// writes its config and manifest, and tags it.
    private func export(_ target: StageOutput, request: BuildRequest) throws -> BuildResult {
        let packer = LayerPacker(compression: request.compression, sourceDateEpoch: request.sourceDateEpoch)
        let layers = try PhaseTrace.measure("export", "pack") {
            try target.chain.stepLayers.map { try store.ensurePackedLayer(forSnapshot: $0.snapshot, packer: packer) }
        }
        var baseLayers = target.chain.storedLayers
        if request.forceCompression {
            baseLayers = try zip(baseLayers, target.chain.storedDiffIDs).map { layer, diffID in
                try store.ensureCompressedLayer(layer, diffID: diffID, packer: packer)
            }
        }
        var config = target.state.finishedImage
        if !request.labels.isEmpty {
            var container = config.config ?? ContainerConfig()
            container.labels = (container.labels ?? [:]).merging(request.labels) { _, given in given }
            config.config = container
        }
        config.created =
            request.sourceDateEpoch == nil
            ? target.chain.created ?? StageBuilder.timestamp(nil)
            : StageBuilder.timestamp(request.sourceDateEpoch)
        config.rootfs = RootFS(diffIDs: target.chain.storedDiffIDs + layers.map(\.diffID))
        if let platform = request.indexPlatform?.normalized {
            let sameOSAndArchitecture = platform.os == config.os && platform.architecture == config.architecture
            config.os = platform.os
            config.architecture = platform.architecture
            if platform.variant != nil || !sameOSAndArchitecture { config.variant = platform.variant }
        }
        let descriptor = try store.commitImage(
            config: config, baseLayers: baseLayers, layers: layers.map(\.descriptor),
            snapshots: target.chain.storedDiffIDs + target.chain.stepLayers.map(\.snapshot),
            tags: request.tags,
            annotations: request.manifestAnnotations.isEmpty ? nil : request.manifestAnnotations,
            keep: request.indexPlatform == nil)
        return BuildResult(descriptor: descriptor, config: config, cacheRecords: [:])
    }
}
