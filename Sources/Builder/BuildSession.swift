import Foundation
import OCI
import OCIArchive
import SBOM
import Sandbox
import Store
import Synchronization

/// What a build session needs from registries, supplied by the caller (the command line
/// passes one over its registry client), so that the builder never depends on the
/// Registry module or touches the network itself, as with ``BaseImageFetcher``. Each
/// operation reports its own progress.
public protocol BuildRegistry: Sendable {
    /// Where a shared build cache lives (`--cache-from`, `--cache-to`).
    associatedtype CacheLocation: Sendable, CustomStringConvertible

    /// Reads the cache records at `location` for a build on `store`; the returned source
    /// fetches a record's layer only when a step hits it.
    func importCache(from location: CacheLocation, into store: ImageStore) async throws -> any SharedCacheSource
    /// Uploads `records` and their layers (packed by `packer` where a layer is not a blob
    /// yet) to `location`.
    func exportCache(
        _ records: [Digest: CacheRecord], from store: ImageStore, to location: CacheLocation,
        packer: LayerPacker) async throws
    /// Pushes the image tagged `tag` in `store` to the registry and repository `tag` names.
    func push(_ tag: String, from store: ImageStore) async throws
    /// The full reference `tag` stands for (`app` is `docker.io/library/app:latest`).
    func fullName(of tag: String) throws -> String
}

/// Where a build's result is also written (`--output`).
public struct BuildOutput: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// An OCI archive, or with `tar` false an OCI layout directory.
        case oci
        /// A docker archive, for `docker load` and `podman load`.
        case docker
        /// The final root filesystem, as a directory.
        case local
        /// The final root filesystem, as one tar.
        case tar
        /// The image in the store (always written; BuildKit's `type=image`, and
        /// `type=registry` with ``BuildOutput/push``): it has no destination.
        case image
    }

    /// How an image output's layers are compressed (`compression=`, `compression-level=`,
    /// `force-compression=`, BuildKit's names).
    public struct Compression: Sendable, Equatable {
        /// How new layers are compressed.
        public var layers: LayerCompression
        /// Whether the base image's layers are recompressed too.
        public var force: Bool

        public init(layers: LayerCompression, force: Bool) {
            self.layers = layers
            self.force = force
        }
    }

    public var kind: Kind
    /// Where the output goes; empty for ``Kind/image``.
    public var destination: String
    /// For `oci`: false writes a layout directory instead of an archive.
    public var tar: Bool
    /// For image outputs (`oci`, `docker`, `image`): the compression the output asked for;
    /// nil when it named none (gzip, base layers as they are).
    public var compression: Compression?
    /// For ``Kind/image``: push the image to the registry of each of its names.
    public var push: Bool
    /// For ``Kind/image``: names the image gets besides `-t`'s (`name=`).
    public var names: [String] = []

    public init(kind: Kind, destination: String, tar: Bool, compression: Compression? = nil, push: Bool = false) {
        self.kind = kind
        self.destination = destination
        self.tar = tar
        self.compression = compression
        self.push = push
    }
}

/// One build from its request to every place its result goes: the shared caches it
/// imports first, the build, its SBOM (`sbom`), the caches it exports, the pushes of its tags, its outputs,
/// the image ID file and the metadata file, in that order. The command line only turns
/// flags into a session and runs it.
public struct BuildSession<Registry: BuildRegistry>: Sendable {
    /// What to build (its tags are what is pushed and named in the metadata file).
    public var request: BuildRequest
    /// Registry access for the cache and pushes.
    public var registry: Registry
    /// Shared caches imported before the build (one that cannot be read is a warning).
    public var cacheImports: [Registry.CacheLocation] = []
    /// Where the cache records of the build's steps are exported.
    public var cacheExports: [Registry.CacheLocation] = []
    /// Whether every tag is pushed to its registry.
    public var push = false
    /// Where the result is also written.
    public var outputs: [BuildOutput] = []
    /// A file that receives the image ID.
    public var imageIDFile: URL?
    /// A file that receives the build's result as JSON, with docker buildx's keys.
    public var metadataFile: URL?
    /// Whether an SPDX SBOM of the image (of each platform's image, for several platforms)
    /// is made and stored with it (`--sbom`), before pushes and outputs, which carry it.
    public var sbom = false

    public init(request: BuildRequest, registry: Registry) {
        self.request = request
        self.registry = registry
    }

    /// Runs the session on `store`, reporting the build's progress to `events` and
    /// warnings (a shared cache that cannot be imported, as in BuildKit) to `warning`.
    /// `interruptible` wraps the build alone (the command line turns SIGINT and SIGTERM
    /// into cancellation there).
    public func run(
        in store: ImageStore,
        events: @escaping BuildEventHandler,
        warning: (String) -> Void,
        interruptible: (@escaping @Sendable () async throws -> BuildResult) async throws -> BuildResult = { try await $0() }
    ) async throws -> BuildResult {
        var request = request
        for location in cacheImports {
            do {
                request.sharedCaches.append(try await registry.importCache(from: location, into: store))
            } catch {
                warning("cannot import the cache from \(location): \(error)")
            }
        }
        let configured = request
        // What each RUN step used, for the metadata file.
        let steps = StepUsageLog()
        let recording: BuildEventHandler = { event in
            steps.note(event)
            events(event)
        }
        let result = try await interruptible { try await ImageBuilder(store: store).build(configured, events: recording) }
        let sbomDocuments = sbom ? try attachSBOMs(to: result, in: store, warning: warning) : []
        for location in cacheExports {
            try await registry.exportCache(
                result.cacheRecords, from: store, to: location,
                packer: LayerPacker(
                    compression: request.compression,
                    sourceDateEpoch: request.sourceDateEpoch))
        }
        if push || outputs.contains(where: \.push) {
            for tag in request.tags {
                try await registry.push(tag, from: store)
            }
        }
        for output in outputs {
            try write(output, result: result, store: store)
            // Next to the root filesystem (each platform's, in its directory), as BuildKit
            // writes its attestations. An atomic write replaces a link of the image's of
            // that name, never writing through it.
            if output.kind == .local {
                for made in sbomDocuments {
                    var directory = URL(fileURLWithPath: output.destination)
                    if let platformDirectory = made.directory { directory.appendPathComponent(platformDirectory) }
                    try Data(made.document).write(to: directory.appendingPathComponent(SPDXDocument.fileName), options: .atomic)
                }
            }
        }
        if let imageIDFile {
            try Data(result.descriptor.digest.description.utf8).write(to: imageIDFile)
        }
        if let metadataFile {
            // An index has no config of its own: buildx writes none for a multi-platform build.
            let document = BuildMetadataDocument(
                configDigest: result.isIndex ? nil : try store.details(of: result.descriptor, name: "").manifest.config.digest.description,
                manifest: result.descriptor,
                names: try request.tags.map(registry.fullName(of:)), steps: steps.records)
            try document.data().write(to: metadataFile)
        }
        return result
    }

    /// Writes one output: an image under its first tag's name (or a name made of its ID),
    /// or its root filesystem.
    private func write(_ output: BuildOutput, result: BuildResult, store: ImageStore) throws {
        let name = request.tags.first.map { try? ImageReference.storeName(parsing: $0) } ?? nil
        let imageName = name ?? "swiftbuild/\(result.descriptor.digest.hex.prefix(12)):latest"
        let destination = URL(fileURLWithPath: output.destination)
        if result.isIndex {
            return try writeIndex(output, result: result, name: imageName, to: destination, store: store)
        }
        let image = try store.details(of: result.descriptor, name: imageName)
        switch output.kind {
        case .oci: try store.save(image, to: destination, format: output.tar ? .ociArchive : .ociDirectory)
        case .docker: try store.save(image, to: destination, format: .dockerArchive)
        case .local: try ImageBuilder(store: store).exportRootFilesystem(of: image, to: destination, asTar: false)
        case .tar: try ImageBuilder(store: store).exportRootFilesystem(of: image, to: destination, asTar: true)
        case .image: break  // the build stored it; a push is the session's
        }
    }
}

extension BuildSession {
    /// Writes one output of a multi-platform build: the index with every platform's
    /// image (`oci`, `docker`), or each platform's root filesystem in a directory of its
    /// own named as BuildKit names them (`linux_amd64`, `linux_arm_v7`), as directories
    /// (`local`) or in one tar (`tar`).
    fileprivate func writeIndex(
        _ output: BuildOutput, result: BuildResult, name: String, to destination: URL, store: ImageStore
    ) throws {
        switch output.kind {
        case .oci:
            try store.save(
                store.indexDetails(of: result.descriptor, name: name), to: destination,
                format: output.tar ? .ociArchive : .ociDirectory)
        case .docker:
            try store.save(store.indexDetails(of: result.descriptor, name: name), to: destination, format: .dockerArchive)
        case .local, .tar:
            let images = try result.platformImages.map { descriptor in
                (
                    directory: Self.platformDirectoryName(descriptor.platform ?? request.platform),
                    image: try store.details(of: descriptor, name: name)
                )
            }
            try ImageBuilder(store: store).exportRootFilesystems(of: images, to: destination, asTar: output.kind == .tar)
        case .image: break  // the build stored the index; a push is the session's
        }
    }

    /// Makes and stores the SBOM of the built image, or of each platform's image of a
    /// built index (each from that image's own root filesystem, referring to its own
    /// manifest, as BuildKit attests each platform's image), reporting what could not be
    /// read to `warning`. Returns each document with the directory of a multi-platform
    /// `local` output it goes in (nil for a single image: the destination itself).
    fileprivate func attachSBOMs(
        to result: BuildResult, in store: ImageStore, warning: (String) -> Void
    ) throws -> [(directory: String?, document: [UInt8])] {
        let name = request.tags.first.flatMap { try? ImageReference.storeName(parsing: $0) } ?? result.descriptor.digest.description
        let builder = ImageBuilder(store: store)
        guard result.isIndex else {
            let made = try builder.attachSBOM(to: store.details(of: result.descriptor, name: name), name: name)
            for problem in made.problems { warning("SBOM: \(problem)") }
            return [(nil, made.document)]
        }
        return try result.platformImages.map { descriptor in
            let platform = descriptor.platform ?? request.platform
            let made = try builder.attachSBOM(to: store.details(of: descriptor, name: name), name: name, namingArchitecture: true)
            for problem in made.problems { warning("SBOM of \(platform.normalized): \(problem)") }
            return (Self.platformDirectoryName(platform), made.document)
        }
    }

    /// A platform's directory in a multi-platform `local` or `tar` output: its
    /// normalised `os/arch[/variant]` with `_` for `/`, as BuildKit's exporters.
    static func platformDirectoryName(_ platform: Platform) -> String {
        platform.normalized.description.replacingOccurrences(of: "/", with: "_")
    }
}

/// The `--metadata-file` document, with the keys docker buildx writes for an image, and
/// swiftbuild's own `swiftbuild.steps`: what each RUN step that ran used (its time, and the
/// peak memory and CPU time its cgroup measured), for sizing CI runners and for benchmarks.
struct BuildMetadataDocument: Encodable {
    var configDigest: String?
    var manifest: Descriptor
    var names: [String]
    var steps: [StepUsageRecord] = []

    enum CodingKeys: String, CodingKey {
        case configDigest = "containerimage.config.digest"
        case descriptor = "containerimage.descriptor"
        case digest = "containerimage.digest"
        case name = "image.name"
        case steps = "swiftbuild.steps"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(configDigest, forKey: .configDigest)
        try container.encode(manifest, forKey: .descriptor)
        try container.encode(manifest.digest.description, forKey: .digest)
        if !names.isEmpty { try container.encode(names.joined(separator: ","), forKey: .name) }
        if !steps.isEmpty { try container.encode(steps, forKey: .steps) }
    }

    func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// One RUN step's use of the machine, as the metadata file records it.
struct StepUsageRecord: Encodable, Sendable {
    var stage: String
    var step: Int
    var instruction: String
    var seconds: Double
    var peakMemoryBytes: UInt64?
    var cpuSeconds: Double?
}

/// Gathers ``StepUsageRecord``s from a build's events (stages report from their own tasks).
final class StepUsageLog: Sendable {
    private struct State {
        var instructions: [String: String] = [:]
        var records: [StepUsageRecord] = []
    }
    private let state = Mutex(State())

    func note(_ event: BuildEvent) {
        switch event {
        case .stepStarted(let stage, let step, _, let instruction):
            state.withLock { $0.instructions["\(stage) \(step)"] = instruction }
        case .stepFinished(let stage, let step, let duration, let usage?):
            state.withLock { state in
                state.records.append(
                    StepUsageRecord(
                        stage: stage, step: step, instruction: state.instructions["\(stage) \(step)"] ?? "",
                        seconds: Self.seconds(duration), peakMemoryBytes: usage.peakMemory,
                        cpuSeconds: usage.cpuTime.map(Self.seconds)))
            }
        default:
            break
        }
    }

    /// The records in the order the steps finished.
    var records: [StepUsageRecord] { state.withLock { $0.records } }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
