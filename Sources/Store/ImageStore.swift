import Foundation
import OCI
import Synchronization
import System

/// swiftbuild's on-disk state: one directory that is itself an OCI image layout.
///
///     oci-layout, index.json   tags are index.json entries with a ref.name annotation
///     blobs/sha256/<hex>       manifests, configs and layers
///     snapshots/<id>/fs        layers unpacked in overlayfs form (id = diff ID hex)
///     snapshots/<id>/meta.json
///     cache/                   build cache records
///     unsynced                 snapshots ended builds left for the next one to sync
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
    /// Snapshots this process's build steps committed and has not journaled yet
    /// (``deferSyncOfBuiltSnapshots()``).
    let unsyncedSnapshots = Mutex<Set<Digest>>([])

    /// Opens the store at `root`, creating it when absent.
    public init(root: URL) throws {
        self.root = root
        for directory in ["snapshots", "cache", "tmp"] {
            try Self.makeDirectory(root.appendingPathComponent(directory))
        }
        layout = try OCILayout.create(at: root.path, temporaryDirectory: root.appendingPathComponent("tmp").path)
        try Self.restrictAccess(root)
        for lock in ["index.lock", "content.lock"] {
            let path = root.appendingPathComponent(lock).path
            let descriptor = FileDescriptor(adopting: open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644))
            guard descriptor.rawValue >= 0 else { throw StoreError.io(path: path, operation: "create lock file", errno: errno) }
        }
        reclaimDebris()
    }

    /// The store and its top directories are the owner's alone (0700), fixed on every open.
    ///
    /// Snapshots keep the files builds made with their image modes, setuid-root helpers
    /// included, and every image's content is there to read: a directory other users could
    /// traverse would hand them both (Docker keeps /var/lib/docker 0710, containers/storage
    /// 0700). A store the caller does not own is left as it is; its owner fixes it.
    static func restrictAccess(_ root: URL) throws {
        for directory in ["", "blobs", "snapshots", "cache", "tmp"] {
            let path = directory.isEmpty ? root.path : root.appendingPathComponent(directory).path
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            guard status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid(), status.st_mode & 0o7777 != 0o700 else { continue }
            guard chmod(path, 0o700) == 0 else { throw StoreError.io(path: path, operation: "restrict access (chmod 0700)", errno: errno) }
        }
    }

    /// `mkdir -p`, with the real `errno` in the error (Foundation's error codes, such as
    /// 640 for a full disk, are not errno values).
    private static func makeDirectory(_ url: URL) throws {
        var path = ""
        for component in url.path.split(separator: "/") {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST {
                throw StoreError.io(path: path, operation: "create directory", errno: errno)
            }
        }
    }

    var temporaryDirectory: URL { root.appendingPathComponent("tmp") }
    public var snapshotsDirectory: URL { root.appendingPathComponent("snapshots") }
    var cacheDirectory: URL { root.appendingPathComponent("cache") }
    private var indexLock: FileLock { FileLock(path: root.appendingPathComponent("index.lock").path) }

    /// Runs `body` with `index.json` locked against other processes and threads.
    func withIndexLocked<T>(_ body: () throws -> T) throws -> T {
        try indexLock.withExclusiveLock(body)
    }

    /// Guards content an operation uses without holding the index lock: loads and builds
    /// hold the lease shared for their whole run, `prune` holds it exclusively, so it
    /// never removes a snapshot a running build has mounted or a blob a load relies on.
    var contentLease: FileLock { FileLock(path: root.appendingPathComponent("content.lock").path) }

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

    /// Every image of `index.json`, sorted by name; one without a name is `<none>`. An
    /// entry whose documents cannot be read is listed with the problem instead of failing
    /// the listing, so it can be found and removed.
    public func images() throws -> [StoredImage] {
        let manifests = try layout.readIndex().manifests
        // Referrers (an SBOM) are listed with the image they refer to, not as images.
        let referrers = Dictionary(grouping: manifests.filter(Self.isReferrer)) { $0.annotations?[Self.subjectAnnotation] ?? "" }
        return manifests.filter { !Self.isReferrer($0) }.map { entry -> StoredImage in
            let name = entry.referenceName ?? "<none>"
            do {
                if entry.mediaType.isIndex {
                    // An index's images have no entries: their referrers (one SBOM per
                    // platform) are listed with the index, in its order.
                    var listing = try indexListing(entry, name: name)
                    let held = try layout.decodeBlob(entry, as: ImageIndex.self).manifests.flatMap {
                        referrers[$0.digest.description] ?? []
                    }
                    if !held.isEmpty {
                        listing.referrers = held.map {
                            StoredReferrer(
                                digest: $0.digest, artifactType: $0.artifactType, size: $0.size,
                                subject: $0.annotations?[Self.subjectAnnotation].flatMap { try? Digest(parsing: $0) })
                        }
                    }
                    return listing
                }
                let resolved = try layout.resolveManifest(from: entry)
                let config = try layout.decodeBlob(resolved.manifest.config, as: ImageConfiguration.self)
                let size = resolved.descriptor.size + resolved.manifest.config.size + resolved.manifest.layers.map(\.size).reduce(0, +)
                var image = StoredImage(
                    name: name, digest: entry.digest, mediaType: entry.mediaType, size: size,
                    created: config.created, platform: config.platform.description, problem: nil)
                image.referrers = referrers[entry.digest.description]?.map {
                    StoredReferrer(digest: $0.digest, artifactType: $0.artifactType, size: $0.size)
                }
                return image
            } catch {
                return StoredImage(
                    name: name, digest: entry.digest, mediaType: entry.mediaType, size: 0,
                    created: nil, platform: "", problem: "\(error)")
            }
        }.sorted { $0.name < $1.name }
    }

    /// The descriptor an image reference names: a tag (`app`, `app:1.0`), a full digest
    /// (`sha256:...`), a name pinned to a digest (`app@sha256:...`, `app:1.0@sha256:...`:
    /// the digest decides), or an image ID prefix of at least 12 hex digits that only one
    /// image has.
    public func descriptor(named reference: String) throws -> Descriptor {
        try entries(matching: reference).first!
    }

    /// The `index.json` entries a reference names (several for an image ID with several tags).
    func entries(matching reference: String) throws -> [Descriptor] {
        let manifests = try layout.readIndex().manifests
        if reference.contains("@") {
            // `NAME@sha256:...` or `NAME:TAG@sha256:...`, the form `pull` takes and
            // Dockerfiles use to pin a base image: the digest (the manifest or index digest,
            // the store's image ID) names the image; the name must be one docker accepts but
            // does not choose the image, so a pinned FROM builds on exactly the bytes it
            // names whatever the tag points at now.
            let pinned: ImageReference
            do {
                pinned = try ImageReference(parsing: reference)
            } catch {
                throw StoreError.invalidName(reference, reason: error.reason)
            }
            let matching = manifests.filter { $0.digest == pinned.digest }
            guard !matching.isEmpty else { throw StoreError.imageNotFound(reference) }
            return matching
        }
        if let digest = Self.imageID(reference) {
            let matching = manifests.filter { $0.digest.description == digest || $0.digest.hex.hasPrefix(digest) }
            guard Set(matching.map(\.digest)).count <= 1 else {
                throw StoreError.invalidName(reference, reason: "more than one image has an ID starting with it; write more of it")
            }
            if !matching.isEmpty { return matching }
        }
        let normalised = try ImageReference.storeName(parsing: reference)
        let matching = manifests.filter { $0.referenceName == normalised }
        guard !matching.isEmpty else { throw StoreError.imageNotFound(normalised) }
        return matching
    }

    /// `reference` as an image ID: a full `sha256:` digest, or 12 to 64 lower-case hex digits.
    private static func imageID(_ reference: String) -> String? {
        if reference.hasPrefix("sha256:"), (try? Digest(parsing: reference)) != nil { return reference }
        guard (12...64).contains(reference.count), reference.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return reference
    }

    /// An image's descriptor, manifest and config, each verified against its digest.
    public func inspect(_ name: String) throws -> ImageDetails {
        let entry = try descriptor(named: name)
        let display =
            entry.referenceName ?? (try? ImageReference.storeName(parsing: name)) ?? "swiftbuild/\(entry.digest.hex.prefix(12)):latest"
        var details = try details(of: entry, name: display)
        details.referrers = try listedReferrers(of: details.descriptor.digest)
        return details
    }

    /// The manifest and config of the image `entry` points at, verified, under the name `name`.
    public func details(of entry: Descriptor, name: String) throws -> ImageDetails {
        let resolved = try layout.resolveManifest(from: entry)
        let config = try layout.decodeBlob(resolved.manifest.config, as: ImageConfiguration.self)
        return ImageDetails(name: name, descriptor: resolved.descriptor, manifest: resolved.manifest, config: config)
    }

    /// Points `name` at `descriptor` (replacing what it named before).
    public func setTag(_ name: String, to descriptor: Descriptor) throws {
        let normalised = try ImageReference.storeName(parsing: name)
        try withIndexLocked {
            var index = try layout.readIndex()
            index.point(normalised, at: descriptor)
            try layout.writeIndex(index)
        }
    }

    /// Gives the image `source` names the extra name `destination`.
    public func tag(_ source: String, as destination: String) throws {
        try setTag(destination, to: descriptor(named: source))
    }

    /// Removes a name, or for an image ID every entry of that image; the content stays
    /// until `prune`. Returns what was removed (names, or the digest of an unnamed image).
    @discardableResult
    public func removeName(_ reference: String) throws -> [String] {
        try withIndexLocked {
            let matching = try entries(matching: reference)
            var index = try layout.readIndex()
            index.manifests.removeAll { entry in
                matching.contains { $0.digest == entry.digest && $0.referenceName == entry.referenceName }
            }
            try layout.writeIndex(index)
            return matching.map { $0.referenceName ?? $0.digest.description }
        }
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
    /// Why the image's documents could not be read; nil for a healthy image.
    public var problem: String?
    /// The artifacts stored as referring to the image (its SBOM); nil when there are none.
    public var referrers: [StoredReferrer]? = nil
}

/// An artifact kept in the store for an image (see ``ImageStore/attachArtifact(_:artifactType:to:)``).
public struct StoredReferrer: Sendable, Encodable, Equatable {
    /// The artifact manifest's digest.
    public var digest: Digest
    /// What it is, e.g. `application/spdx+json`.
    public var artifactType: MediaType?
    /// The artifact manifest's size.
    public var size: Int64
    /// For an index's line: the platform image it refers to (nil for an image's own).
    public var subject: Digest? = nil
}

/// What `swiftbuild inspect` prints.
public struct ImageDetails: Sendable, Encodable {
    public var name: String
    public var descriptor: Descriptor
    public var manifest: ImageManifest
    public var config: ImageConfiguration
    /// The artifacts the store keeps as referring to the manifest (its SBOM), each its
    /// artifact manifest's descriptor (media type, artifact type, digest, size); nil when
    /// there are none, and from ``ImageStore/inspect(_:)`` only.
    public var referrers: [Descriptor]? = nil
}
