import Foundation
import OCI

/// An image that lists no manifest for the platform a build asked for.
public struct MissingPlatformError: Error, Sendable, CustomStringConvertible {
    /// The image as the build named it.
    public var image: String
    public var requested: Platform
    /// The platforms the image has.
    public var available: [Platform]
    /// The index lists the platform, but the store lacks that image: the index was loaded
    /// or copied for other platforms only. A registry may still have it.
    public var listedButAbsent: Bool

    public init(image: String, requested: Platform, available: [Platform], listedButAbsent: Bool = false) {
        self.image = image
        self.requested = requested
        self.available = available
        self.listedButAbsent = listedButAbsent
    }

    public var description: String {
        if listedButAbsent {
            return "image '\(image)' lists \(requested), but the store lacks that image (the index was loaded for other platforms)"
        }
        let offered = available.isEmpty ? "none declared" : available.map(\.description).joined(separator: ", ")
        return "image '\(image)' has no \(requested) image (it has: \(offered))"
    }
}

/// One platform's image of an index: its entry in the index (with the platform) and,
/// when the store holds it, its manifest and config.
public struct IndexedImage: Sendable, Encodable {
    /// The index's entry for the manifest, platform included.
    public var descriptor: Descriptor
    public var manifest: ImageManifest?
    public var config: ImageConfiguration?
    /// The artifacts the store keeps as referring to this platform's manifest (its SBOM),
    /// as ``ImageDetails/referrers``; nil when there are none, and from
    /// ``ImageStore/inspectIndex(_:)`` only.
    public var referrers: [Descriptor]? = nil
}

/// What `swiftbuild inspect` prints for a name that points at an image index (a
/// multi-platform build's result): the index and one image per platform.
public struct IndexDetails: Sendable, Encodable {
    public var name: String
    public var descriptor: Descriptor
    public var index: ImageIndex
    public var images: [IndexedImage]

    /// The platforms the index lists, in its order.
    public var platforms: [Platform] { images.compactMap(\.descriptor.platform) }

    /// Every platform's image, named as the index; an image the store lacks (an index
    /// loaded for one platform) is an error naming it.
    public func platformImages() throws -> [ImageDetails] {
        try images.map { image in
            guard let manifest = image.manifest, let config = image.config else {
                throw StoreError.invalidImage(
                    name,
                    reason:
                        "the store lacks the \(image.descriptor.platform?.description ?? "unnamed") image \(image.descriptor.digest) of its index"
                )
            }
            return ImageDetails(name: name, descriptor: image.descriptor, manifest: manifest, config: config)
        }
    }
}

extension ImageStore {
    /// The image `name` names for `platform`, with a snapshot for every layer: for an
    /// index, the manifest ``Platform/bestMatch(in:)`` picks (none is a
    /// ``MissingPlatformError`` naming what the index has); for a single manifest, that
    /// manifest whatever its platform (the caller compares its config's platform).
    public func baseImage(named name: String, platform: Platform) throws -> BaseImage {
        let entry = try descriptor(named: name)
        guard entry.mediaType.isIndex else { return try baseImage(named: name) }
        let display = entry.referenceName ?? (try? ImageReference.storeName(parsing: name)) ?? name
        let index = try layout.decodeBlob(entry, as: ImageIndex.self)
        guard let chosen = platform.bestMatch(in: index.manifests) else {
            throw MissingPlatformError(image: display, requested: platform, available: index.manifests.compactMap(\.platform))
        }
        guard layout.hasBlob(chosen.digest) else {
            throw MissingPlatformError(
                image: display, requested: platform, available: index.manifests.compactMap(\.platform), listedButAbsent: true)
        }
        let resolved = try layout.resolveManifest(from: entry, platform: platform)
        let config = try layout.decodeBlob(resolved.manifest.config, as: ImageConfiguration.self)
        return try baseImage(of: ImageDetails(name: display, descriptor: resolved.descriptor, manifest: resolved.manifest, config: config))
    }

    /// The index `entry` points at, with each platform's manifest and config the store has.
    public func indexDetails(of entry: Descriptor, name: String) throws -> IndexDetails {
        let index = try layout.decodeBlob(entry, as: ImageIndex.self)
        let images = index.manifests.map { descriptor -> IndexedImage in
            guard descriptor.mediaType.isManifest, layout.hasBlob(descriptor.digest),
                let manifest = try? layout.decodeBlob(descriptor, as: ImageManifest.self)
            else { return IndexedImage(descriptor: descriptor) }
            return IndexedImage(
                descriptor: descriptor, manifest: manifest, config: try? layout.decodeBlob(manifest.config, as: ImageConfiguration.self))
        }
        return IndexDetails(name: name, descriptor: entry, index: index, images: images)
    }

    /// The index `name` names, or nil when it names a single image.
    public func inspectIndex(_ name: String) throws -> IndexDetails? {
        let entry = try descriptor(named: name)
        guard entry.mediaType.isIndex else { return nil }
        let display =
            entry.referenceName ?? (try? ImageReference.storeName(parsing: name)) ?? "swiftbuild/\(entry.digest.hex.prefix(12)):latest"
        var details = try indexDetails(of: entry, name: display)
        for position in details.images.indices {
            details.images[position].referrers = try listedReferrers(of: details.images[position].descriptor.digest)
        }
        return details
    }

    /// Stores an image index over `manifests` (each a built image's manifest descriptor
    /// with its platform, committed with ``commitImage(config:baseLayers:layers:tags:annotations:keep:)``
    /// and `keep` false) and points every tag at it, under the index lock, after checking
    /// that every manifest, config and layer is in the store. Without tags, the index is
    /// kept as an unnamed entry.
    ///
    /// - Returns: the index's descriptor (its digest is the image ID).
    public func commitIndex(manifests: [Descriptor], tags: [String]) throws -> Descriptor {
        let names = try tags.map { try ImageReference.storeName(parsing: $0) }
        return try withIndexLocked {
            var blobs = Set(manifests.map(\.digest))
            for descriptor in manifests {
                let manifest = try layout.decodeBlob(descriptor, as: ImageManifest.self)
                blobs.insert(manifest.config.digest)
                blobs.formUnion(manifest.layers.map(\.digest))
            }
            try verify(RequiredContent(blobs: blobs), for: names.first ?? "the built index")
            let encoded = try ImageIndex(mediaType: .ociIndex, manifests: manifests).encoded()
            try layout.writeBlob(encoded.bytes)
            var index = try layout.readIndex()
            index.point(names, at: encoded.descriptor)
            try layout.writeIndex(index)
            return encoded.descriptor
        }
    }
}

extension ImageStore {
    /// The `images` line of an index: the platforms whose images the store has (an index
    /// loaded for one platform names others it lacks), the size of the documents and
    /// layers the store has, the newest `created` of its images.
    func indexListing(_ entry: Descriptor, name: String) throws -> StoredImage {
        let details = try indexDetails(of: entry, name: name)
        var size = entry.size
        var blobs = Set<Digest>()
        for image in details.images {
            guard let manifest = image.manifest else { continue }
            size += image.descriptor.size
            for blob in [manifest.config] + manifest.layers where blobs.insert(blob.digest).inserted {
                size += blob.size
            }
        }
        return StoredImage(
            name: name, digest: entry.digest, mediaType: entry.mediaType, size: size,
            created: details.images.compactMap { $0.config?.created }.max(),
            platform: details.images.filter { $0.manifest != nil }.compactMap(\.descriptor.platform).map(\.description)
                .joined(separator: ","), problem: nil)
    }
}
