import Foundation
import OCI

extension ImageStore {
    /// Writes the image `name` to `destination` in `format`. Archives are written to a
    /// temporary file beside the destination and renamed into place when complete; an
    /// OCI layout directory is created, or the image is added to the layout already there.
    public func save(_ name: String, to destination: URL, format: ExportFormat) throws {
        if let index = try inspectIndex(name) { return try save(index, to: destination, format: format) }
        try save(inspect(name), to: destination, format: format)
    }

    /// Writes an image index with every platform's image (a multi-platform build's
    /// result), named `index.name`: in an OCI layout or archive, `index.json` points the
    /// name at the index; a docker archive has one `manifest.json` entry per platform, and
    /// the name only on this machine's platform's entry (else the first), since a docker
    /// archive's names cannot tell platforms apart. An OCI layout or archive also carries
    /// each platform image's referrers (its SBOM) as `index.json` entries.
    public func save(_ index: IndexDetails, to destination: URL, format: ExportFormat) throws {
        try withContentLease {
            let images = try index.platformImages()
            var seen = Set<Digest>()
            let blobs = ([index.descriptor] + images.flatMap { [$0.descriptor, $0.manifest.config] + $0.manifest.layers })
                .filter { seen.insert($0.digest).inserted }
            for blob in blobs where !layout.hasBlob(blob.digest) {
                throw OCIError.blobMissing(digest: blob.digest, path: try layout.blobPath(for: blob.digest))
            }
            var entry = index.descriptor
            entry.annotations = [AnnotationKey.refName: index.name]
            // An OCI layout also carries each platform image's referrers (its SBOM), as
            // index.json entries, as for one image.
            var referrers: [Descriptor] = []
            var referrerBlobs: [Descriptor] = []
            for image in images {
                let (imageReferrers, imageBlobs) = try referrerContent(of: image)
                referrers += imageReferrers
                referrerBlobs += imageBlobs.filter { seen.insert($0.digest).inserted }
            }
            switch format {
            case .ociDirectory:
                try saveLayout(entry, name: index.name, blobs: blobs + referrerBlobs, referrers: referrers, to: destination)
            case .ociArchive:
                try writeOCIArchive(ociLayoutDocuments(entry, referrers: referrers), blobs: blobs + referrerBlobs, to: destination)
            case .dockerArchive:
                let named = images.firstIndex { Platform.host.bestMatch(in: [$0.descriptor]) != nil } ?? 0
                let entries = images.enumerated().map { position, image in
                    DockerArchiveEntry(
                        Config: "\(image.manifest.config.digest.hex).json", RepoTags: position == named ? [index.name] : [],
                        Layers: image.manifest.layers.map { "\($0.digest.hex)/layer.tar" })
                }
                var members: [ArchiveMember] = []
                var written = Set<String>()
                for image in images {
                    for (path, digest) in [("\(image.manifest.config.digest.hex).json", image.manifest.config.digest)]
                        + image.manifest.layers.map({ ("\($0.digest.hex)/layer.tar", $0.digest) })
                    where written.insert(path).inserted {
                        members.append(ArchiveMember(path: path, source: try layout.blobPath(for: digest)))
                    }
                }
                try withDocuments([("manifest.json", try OCIJSON.encode(entries))]) { documents in
                    try ArchiveMember.writeTar(members + documents, to: destination)
                }
            }
        }
    }

    /// Writes `image` (e.g. a build result that has no tag) as ``save(_:to:format:)`` does,
    /// named `image.name` inside the output.
    public func save(_ image: ImageDetails, to destination: URL, format: ExportFormat) throws {
        try withContentLease { try saveHoldingLease(image, to: destination, format: format) }
    }

    private func saveHoldingLease(_ image: ImageDetails, to destination: URL, format: ExportFormat) throws {
        let blobs = [image.descriptor, image.manifest.config] + image.manifest.layers
        for blob in blobs where !layout.hasBlob(blob.digest) {
            throw OCIError.blobMissing(digest: blob.digest, path: try layout.blobPath(for: blob.digest))
        }
        // An OCI layout also carries the image's referrers (its SBOM), as index.json entries.
        let (referrers, referrerBlobs) = try referrerContent(of: image)
        switch format {
        case .ociDirectory:
            try saveLayout(namedEntry(image), name: image.name, blobs: blobs + referrerBlobs, referrers: referrers, to: destination)
        case .ociArchive:
            try writeOCIArchive(ociLayoutDocuments(namedEntry(image), referrers: referrers), blobs: blobs + referrerBlobs, to: destination)
        case .dockerArchive:
            try withDocuments(dockerArchiveDocuments(image)) { documents in
                let configMember = ArchiveMember(
                    path: "\(image.manifest.config.digest.hex).json", source: try layout.blobPath(for: image.manifest.config.digest))
                let layerMembers = try image.manifest.layers.map {
                    ArchiveMember(path: "\($0.digest.hex)/layer.tar", source: try layout.blobPath(for: $0.digest))
                }
                try ArchiveMember.writeTar([configMember] + layerMembers + documents, to: destination)
            }
        }
    }

    /// The manifest's descriptor as `index.json` lists it, named for the destination.
    private func namedEntry(_ image: ImageDetails) -> Descriptor {
        var entry = image.descriptor
        entry.annotations = [AnnotationKey.refName: image.name]
        return entry
    }

    /// The referrers of `image` the store holds (as `index.json` entries of an output
    /// layout), and the blobs they need (manifests, configs, layers), each checked present.
    private func referrerContent(of image: ImageDetails) throws -> ([Descriptor], [Descriptor]) {
        let referrers = try referrers(of: image.descriptor.digest)
        var blobs: [Descriptor] = []
        for referrer in referrers {
            let manifest = try layout.decodeBlob(referrer, as: ImageManifest.self)
            blobs += [referrer, manifest.config] + manifest.layers
        }
        for blob in blobs where !layout.hasBlob(blob.digest) {
            throw OCIError.blobMissing(digest: blob.digest, path: try layout.blobPath(for: blob.digest))
        }
        return (referrers, blobs)
    }

    private func saveLayout(
        _ entry: Descriptor, name: String, blobs: [Descriptor], referrers: [Descriptor] = [], to destination: URL
    ) throws {
        let staging = destination.appendingPathComponent(".swiftbuild-tmp-\(getpid())")
        defer { try? FileManager.default.removeItem(at: staging) }
        let target = try OCILayout.create(at: destination.path, temporaryDirectory: staging.path)
        for blob in blobs where !target.hasBlob(blob.digest) {
            try target.ingestBlob(
                from: layout.blobPath(for: blob.digest), mode: .copy, expectedDigest: blob.digest, expectedSize: blob.size)
        }
        var index = try target.readIndex()
        index.point(name, at: entry)
        for referrer in referrers where !index.manifests.contains(where: { $0.digest == referrer.digest }) {
            index.manifests.append(referrer)
        }
        try target.writeIndex(index)
    }

    /// `oci-layout` and `index.json` of an OCI archive whose one entry is `entry` (an image
    /// or an index, named), followed by `referrers`.
    private func ociLayoutDocuments(_ entry: Descriptor, referrers: [Descriptor]) throws -> [(String, [UInt8])] {
        [
            ("oci-layout", try OCIJSON.encode(OCILayoutHeader())),
            ("index.json", try OCIJSON.encode(ImageIndex(manifests: [entry] + referrers)))
        ]
    }

    /// `manifest.json` of a docker archive (the format `docker save` writes).
    private func dockerArchiveDocuments(_ image: ImageDetails) throws -> [(String, [UInt8])] {
        let entry = DockerArchiveEntry(
            Config: "\(image.manifest.config.digest.hex).json", RepoTags: [image.name],
            Layers: image.manifest.layers.map { "\($0.digest.hex)/layer.tar" })
        return [("manifest.json", try OCIJSON.encode([entry]))]
    }

    /// One image of a docker archive's `manifest.json`.
    private struct DockerArchiveEntry: Encodable {
        var Config: String
        var RepoTags: [String]
        var Layers: [String]
    }

    /// An OCI archive of `documents` (`oci-layout`, `index.json`) and `blobs` under
    /// `blobs/sha256/`, written atomically at `destination`.
    private func writeOCIArchive(_ documents: [(String, [UInt8])], blobs: [Descriptor], to destination: URL) throws {
        try withDocuments(documents) { documents in
            let members =
                try documents
                + blobs.map { ArchiveMember(path: "blobs/sha256/\($0.digest.hex)", source: try layout.blobPath(for: $0.digest)) }
            try ArchiveMember.writeTar(members, to: destination)
        }
    }

    /// Writes small documents to files in a workspace and hands them over as archive members.
    private func withDocuments(_ documents: [(String, [UInt8])], _ body: ([ArchiveMember]) throws -> Void) throws {
        let workspace = try makeWorkspace()
        defer { workspace.remove() }
        let members = try documents.enumerated().map { index, document in
            let file = workspace.path("document-\(index)")
            try Data(document.1).write(to: file)
            return ArchiveMember(path: document.0, source: file.path)
        }
        try body(members)
    }
}
