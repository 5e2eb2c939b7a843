import Foundation
import OCI
import Planner
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
    public func build(_ request: BuildRequest, events: @escaping BuildEventHandler) async throws -> BuildResult {
        try await store.withContentLease { try await buildHoldingLease(request, events: events) }
    }

    private func buildHoldingLease(_ request: BuildRequest, events: @escaping BuildEventHandler) async throws -> BuildResult {
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

    private func buildInWorkDirectory(_ request: BuildRequest, workDirectory: URL,
                                      events: @escaping BuildEventHandler) async throws -> BuildResult {
        let cacheLog = CacheLog()
        let finished = try await buildStages(request, cacheLog: cacheLog, workDirectory: workDirectory, events: events)
        guard let target = finished[request.plan.targetIndex] else {
            preconditionFailure("the build order always ends with the target stage")
        }
        if request.elfCheck != .off {
            let report = try checkExecutables(of: target.chain, workDirectory: workDirectory)
            events(.elfChecked(report, policy: request.elfCheck))
            if request.elfCheck == .error, !report.failing.isEmpty { throw ELFCheckFailure(report: report) }
        }
        var result = try export(target, request: request)
        result.cacheRecords = cacheLog.all
        events(.exported(imageID: result.descriptor.digest.description, tags: request.tags))
        return result
    }

    /// Builds every stage the target needs with the context (its digest memo loaded from
    /// the store and written back afterwards; both are freed before the export).
    private func buildStages(_ request: BuildRequest, cacheLog: CacheLog, workDirectory: URL,
                             events: @escaping BuildEventHandler) async throws -> [Int: StageOutput] {
        let digestsFile = store.root.appendingPathComponent("cache/context-digests.json")
        let digests = ContentDigestCache(contentsOf: digestsFile)
        let context = try BuildContext(directory: request.contextDirectory.path, dockerfile: request.dockerfilePath?.path,
                                       digestCache: digests)
        let finished = try await buildStages(request, context: context, cacheLog: cacheLog, workDirectory: workDirectory,
                                             events: events)
        try? digests.write(to: digestsFile)
        return finished
    }

    /// Builds every stage the target needs, each as soon as the stages it depends on are
    /// done and fewer than `request.jobs` are running. The first stage to fail cancels the
    /// others (their steps are killed and unmounted) and its error is the build's.
    private func buildStages(_ request: BuildRequest, context: BuildContext, cacheLog: CacheLog, workDirectory: URL,
                             events: @escaping BuildEventHandler) async throws -> [Int: StageOutput] {
        let order = request.plan.buildOrder.flatMap { $0 }
        var finished: [Int: StageOutput] = [:]
        var running: Set<Int> = []
        try await withThrowingTaskGroup(of: (Int, StageOutput).self) { group in
            func startReadyStages() {
                for index in order where finished[index] == nil && !running.contains(index) && running.count < request.jobs {
                    let stage = request.plan.stages[index]
                    guard stage.dependsOn.allSatisfy({ finished[$0] != nil }) else { continue }
                    running.insert(index)
                    let builder = StageBuilder(stage: stage, request: request, store: store, workDirectory: workDirectory,
                                               events: events, finishedStages: finished, context: context,
                                               cacheLog: cacheLog)
                    group.addTask { (index, try await builder.build()) }
                }
            }
            startReadyStages()
            while let (index, output) = try await group.next() {
                running.remove(index)
                finished[index] = output
                startReadyStages()
            }
        }
        return finished
    }

    /// Checks the ELF executables in the layers this build made against the final root filesystem.
    private func checkExecutables(of chain: LayerChain, workDirectory: URL) throws -> ELFCheckReport {
        let mount = try StepMount(over: chain, in: workDirectory, step: "elf-check")
        defer { try? mount.unmount() }
        return ExecutableChecker(root: mount.merged).check(snapshots: chain.stepLayers.map { store.snapshotDirectory(for: $0.diffID) },
                                                           origins: chain.stepLayers.map(\.origin))
    }

    /// Packs the target's new layers (reusing blobs their steps or an earlier build packed),
    /// writes its config and manifest, and tags it.
    private func export(_ target: StageOutput, request: BuildRequest) throws -> BuildResult {
        let packer = LayerPacker(compression: request.compression, sourceDateEpoch: request.sourceDateEpoch)
        let layers = try target.chain.stepLayers.map { try store.ensurePackedLayer(for: $0.diffID, packer: packer) }
        var config = target.state.finishedImage
        config.created = request.sourceDateEpoch == nil ? target.chain.created ?? StageBuilder.timestamp(nil)
                                                        : StageBuilder.timestamp(request.sourceDateEpoch)
        config.rootfs = RootFS(diffIDs: target.chain.storedDiffIDs + target.chain.stepLayers.map(\.diffID))
        let descriptor = try store.commitImage(config: config, baseLayers: target.chain.storedLayers, layers: layers,
                                               tags: request.tags)
        return BuildResult(descriptor: descriptor, config: config, cacheRecords: [:])
    }
}
