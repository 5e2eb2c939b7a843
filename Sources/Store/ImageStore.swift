import Foundation
import OCI

/// swiftbuild's on-disk state: one directory that is itself an OCI image layout.
///
///     oci-layout, index.json   tags are index.json entries with a ref.name annotation
///     blobs/sha256/<hex>       manifests, configs and layers
///     snapshots/<id>/fs        layers unpacked in overlayfs form (id = diff ID hex)
///     snapshots/<id>/meta.json
///     cache/                   build cache records
///     tmp/                     per-operation work directories
///     index.lock, content.lock see withIndexLocked and withContentLease
///
/// Blob and snapshot writes are atomic (staged in `tmp/`, renamed into place);
/// `index.json` changes under an exclusive file lock, so processes can share a store.
public final class ImageStore: Sendable {
    /// The store directory.
    public let root: URL
    /// The OCI layout the store is.
    public let layout: OCILayout

    /// Opens the store at `root`, creating it when absent.
    public init(root: URL) throws {
        self.root = root
        for directory in ["snapshots", "cache", "tmp"] {
            try Self.makeDirectory(root.appendingPathComponent(directory))
        }
        layout = try OCILayout.create(at: root.path, temporaryDirectory: root.appendingPathComponent("tmp").path)
        for lock in ["index.lock", "content.lock"] {
            let path = root.appendingPathComponent(lock).path
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw StoreError.io(path: path, operation: "create lock file", errno: errno) }
            close(descriptor)
        }
    }

    private static func makeDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw StoreError.io(path: url.path, operation: "create directory", errno: (error as NSError).code == 0 ? EIO : Int32((error as NSError).code))
        }
    }

    var temporaryDirectory: URL { root.appendingPathComponent("tmp") }
    var snapshotsDirectory: URL { root.appendingPathComponent("snapshots") }
    var cacheDirectory: URL { root.appendingPathComponent("cache") }
    private var indexLock: FileLock { FileLock(path: root.appendingPathComponent("index.lock").path) }

    /// Runs `body` with `index.json` locked against other processes and threads.
    func withIndexLocked<T>(_ body: () throws -> T) throws -> T {
        try indexLock.withExclusiveLock(body)
    }

    /// Guards content an operation uses without holding the index lock: loads and builds
    /// hold the lease shared for their whole run, `prune` holds it exclusively, so it
    /// never removes a snapshot a running build has mounted or a blob a load relies on.
    private var contentLease: FileLock { FileLock(path: root.appendingPathComponent("content.lock").path) }

    /// Runs `body` holding the content lease (shared with other loads and builds).
    public func withContentLease<T>(_ body: () async throws -> T) async throws -> T {
        try await contentLease.withSharedLock(body)
    }

    /// Runs `body` holding the content lease (shared with other loads and builds).
    public func withContentLease<T>(_ body: () throws -> T) throws -> T {
        try contentLease.withSharedLock(body)
    }

    func withContentLeaseExclusive<T>(_ body: () throws -> T) throws -> T {
        try contentLease.withExclusiveLock(body)
    }

    /// A new work directory under `tmp/`.
    func makeWorkspace() throws -> Workspace {
        try Workspace(storeTemporaryDirectory: temporaryDirectory)
    }

    // MARK: Tags

    /// Every image of `index.json`, sorted by name; one loaded without a name is `<none>`.
    public func images() throws -> [StoredImage] {
        try layout.readIndex().manifests.map { entry -> StoredImage in
            let name = entry.referenceName ?? "<none>"
            let resolved = try layout.resolveManifest(from: entry)
            let config = try layout.decodeBlob(resolved.manifest.config, as: ImageConfiguration.self)
            let size = resolved.descriptor.size + resolved.manifest.config.size + resolved.manifest.layers.map(\.size).reduce(0, +)
            return StoredImage(name: name, digest: entry.digest, mediaType: entry.mediaType, size: size,
                               created: config.created, platform: config.platform.description)
        }.sorted { $0.name < $1.name }
    }

    /// The descriptor a name is tagged with.
    public func descriptor(named name: String) throws -> Descriptor {
        let normalised = try ImageName(parsing: name).description
        guard let entry = try layout.readIndex().manifests.first(where: { $0.referenceName == normalised }) else {
            throw StoreError.imageNotFound(normalised)
        }
        return entry
    }

    /// An image's descriptor, manifest and config, each verified against its digest.
    public func inspect(_ name: String) throws -> ImageDetails {
        try details(of: descriptor(named: name), name: ImageName(parsing: name).description)
    }

    /// The manifest and config of the image `entry` points at, verified, under the name `name`.
    public func details(of entry: Descriptor, name: String) throws -> ImageDetails {
        let resolved = try layout.resolveManifest(from: entry)
        let config = try layout.decodeBlob(resolved.manifest.config, as: ImageConfiguration.self)
        return ImageDetails(name: name, descriptor: resolved.descriptor, manifest: resolved.manifest, config: config)
    }

    /// Points `name` at `descriptor` (replacing what it named before).
    public func setTag(_ name: String, to descriptor: Descriptor) throws {
        let normalised = try ImageName(parsing: name).description
        var entry = descriptor
        entry.annotations = (entry.annotations ?? [:]).merging([AnnotationKey.refName: normalised]) { $1 }
        try withIndexLocked {
            var index = try layout.readIndex()
            index.manifests.removeAll { $0.referenceName == normalised }
            index.manifests.append(entry)
            try layout.writeIndex(index)
        }
    }

    /// Gives the image `source` names the extra name `destination`.
    public func tag(_ source: String, as destination: String) throws {
        try setTag(destination, to: descriptor(named: source))
    }

    /// Removes a name; the content stays until `prune`. Returns the normalised name.
    @discardableResult
    public func removeName(_ name: String) throws -> String {
        let normalised = try ImageName(parsing: name).description
        try withIndexLocked {
            var index = try layout.readIndex()
            guard index.manifests.contains(where: { $0.referenceName == normalised }) else {
                throw StoreError.imageNotFound(normalised)
            }
            index.manifests.removeAll { $0.referenceName == normalised }
            try layout.writeIndex(index)
        }
        return normalised
    }
}

/// One line of `swiftbuild images`.
public struct StoredImage: Sendable, Encodable, Equatable {
    public var name: String
    /// The digest of the manifest (or index) the name points at: the image ID.
    public var digest: Digest
    public var mediaType: MediaType
    /// Manifest, config and layers, compressed as stored.
    public var size: Int64
    public var created: String?
    public var platform: String
}

/// What `swiftbuild inspect` prints.
public struct ImageDetails: Sendable, Encodable {
    public var name: String
    public var descriptor: Descriptor
    public var manifest: ImageManifest
    public var config: ImageConfiguration
}
