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
        defer { try? FileManager.default.removeItem(at: workDirectory) }
        let context = try BuildContext(directory: request.contextDirectory.path, dockerfile: request.dockerfilePath?.path)
        var finished: [Int: StageOutput] = [:]
        for wave in request.plan.buildOrder {
            for index in wave {
                let builder = StageBuilder(stage: request.plan.stages[index], request: request, store: store,
                                           workDirectory: workDirectory, events: events, finishedStages: finished,
                                           context: context)
                finished[index] = try await builder.build()
            }
        }
        guard let target = finished[request.plan.targetIndex] else {
            preconditionFailure("the build order always ends with the target stage")
        }
        if request.elfCheck != .off {
            let report = try checkExecutables(of: target.chain, workDirectory: workDirectory)
            events(.elfChecked(report, policy: request.elfCheck))
            if request.elfCheck == .error, !report.failing.isEmpty { throw ELFCheckFailure(report: report) }
        }
        let result = try export(target, request: request, workDirectory: workDirectory)
        events(.exported(imageID: result.descriptor.digest.description, tags: request.tags))
        return result
    }

    /// Checks the ELF executables in the layers this build made against the final root filesystem.
    private func checkExecutables(of chain: LayerChain, workDirectory: URL) throws -> ELFCheckReport {
        let mount = try StepMount(over: chain, in: workDirectory, step: "elf-check")
        defer { try? mount.unmount() }
        return ExecutableChecker(root: mount.merged).check(snapshots: chain.builtSnapshots, origins: chain.builtOrigins)
    }

    /// Packs the target's new layers, writes its config and manifest, and tags it.
    private func export(_ target: StageOutput, request: BuildRequest, workDirectory: URL) throws -> BuildResult {
        let packer = LayerPacker(compression: request.compression, sourceDateEpoch: request.sourceDateEpoch)
        var layers: [BuiltLayer] = []
        for (number, snapshot) in target.chain.builtSnapshots.enumerated() {
            let blobPath = workDirectory.appendingPathComponent("layer-\(number).blob").path
            let blob = try packer.pack(directory: snapshot.appendingPathComponent("fs").path, to: blobPath)
            layers.append(BuiltLayer(blobPath: blobPath, blob: blob, mediaType: Self.mediaType(request.compression),
                                     snapshotDirectory: snapshot))
        }
        var config = target.state.finishedImage
        config.created = StageBuilder.timestamp(request.sourceDateEpoch)
        config.rootfs = RootFS(diffIDs: target.chain.storedDiffIDs + layers.map(\.blob.diffID))
        let descriptor = try store.commitImage(config: config, baseLayers: target.chain.storedLayers, layers: layers,
                                               tags: request.tags)
        return BuildResult(descriptor: descriptor, config: config)
    }

    private static func mediaType(_ compression: LayerCompression) -> MediaType {
        switch compression {
        case .none: return .ociLayer
        case .gzip: return .ociLayerGzip
        case .zstd: return .ociLayerZstd
        }
    }
}
