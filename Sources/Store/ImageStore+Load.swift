import Foundation
import OCI

extension ImageStore {
    /// Imports every image in `input`: an OCI archive, a docker archive (`docker save`,
    /// `podman save`), or an OCI layout directory. Blobs are verified against their
    /// digests and every layer is unpacked into a snapshot (checked against the config's
    /// diff IDs) before anything enters the store; on any error the store is unchanged.
    ///
    /// The referrers of the loaded images an OCI layout or archive carries (their SBOMs, as
    /// `save` writes them) are kept with them, as `build --sbom` keeps its own; an artifact
    /// that refers to nothing loaded is left out, and the report says why.
    ///
    /// - Returns: the names it tagged (the manifest digest for an image without a name),
    ///   the referrers it kept, and the artifacts it left out.
    public func load(from input: URL) throws -> LoadReport {
        try withContentLease { try loadHoldingLease(from: input) }
    }

    /// Imports the one image of `input` that `reference` names (the only one when nil)
    /// without tagging it, as `FROM oci-archive:PATH[:REF]` does, and returns it.
    public func importImage(from input: URL, reference: String?, platform: Platform = .host) throws -> ImageDetails {
        try withContentLease {
            let workspace = try makeWorkspace()
            defer { workspace.remove() }
            return try reportingOutOfSpace("import \(input.path)", workDirectory: workspace.url) {
                try importHoldingLease(from: input, reference: reference, platform: platform, workspace: workspace)
            }
        }
    }

    private func importHoldingLease(from input: URL, reference: String?, platform: Platform, workspace: Workspace) throws -> ImageDetails {
        let candidates = try ImageSourceReader(workspace: workspace).candidates(in: input, platform: platform).filter { !$0.keptByIndex }
        let normalised = try reference.map { try ImageReference.storeName(parsing: $0) }
        let matching = candidates.filter { candidate in
            normalised.map { candidate.names.contains($0) || candidate.entry.referenceName == reference } ?? true
        }
        guard matching.count == 1, var chosen = matching.first else {
            let names = candidates.flatMap(\.names)
            let problem = matching.isEmpty ? "holds no image named \(reference ?? "")" : "holds several images; name one"
            throw StoreError.unreadableInput(
                path: input.path, reason: "\(problem) (it has: \(names.isEmpty ? "no names" : names.joined(separator: ", ")))")
        }
        chosen.names = []
        _ = try importCandidates([chosen], workspace: workspace)
        return try details(of: chosen.resolved.descriptor, name: normalised ?? chosen.entry.referenceName ?? "imported:latest")
    }

    private func loadHoldingLease(from input: URL) throws -> LoadReport {
        let workspace = try makeWorkspace()
        defer { workspace.remove() }
        return try reportingOutOfSpace("load \(input.path)", workDirectory: workspace.url) {
            let contents = try ImageSourceReader(workspace: workspace).contents(in: input)
            let names = try importCandidates(contents.images, referrers: contents.referrers, workspace: workspace)
            return LoadReport(names: names, referrers: contents.referrers.map(\.entry.digest), skipped: contents.skipped)
        }
    }

    /// Stages, verifies and commits `candidates`, tagging each with its names, and
    /// `referrers` with them.
    private func importCandidates(
        _ candidates: [ImportCandidate], referrers: [ImportReferrer] = [], workspace: Workspace
    ) throws -> [String] {
        let staged = try OCILayout.create(at: workspace.path("staged").path, temporaryDirectory: workspace.path("staged-tmp").path)
        var snapshots: [Digest: URL] = [:]
        var required = RequiredContent()
        for candidate in candidates {
            try stage(candidate, into: staged, snapshots: &snapshots, required: &required, workspace: workspace)
        }
        for referrer in referrers {
            try stage(referrer, into: staged, required: &required)
        }
        return try commit(candidates, referrers: referrers, staged: staged, snapshots: snapshots, required: required)
    }

    /// Copies a referrer's manifest, config and layers into `staged`, each verified
    /// against its descriptor (its layers are content, such as an SPDX document, and are
    /// not unpacked).
    private func stage(_ referrer: ImportReferrer, into staged: OCILayout, required: inout RequiredContent) throws {
        let documents = [referrer.entry, referrer.manifest.config]
        required.blobs.formUnion((documents + referrer.manifest.layers).map(\.digest))
        for document in documents where !layout.hasBlob(document.digest) && !staged.hasBlob(document.digest) {
            try staged.writeBlob(referrer.source.readBlob(document))
        }
        for layer in referrer.manifest.layers where !layout.hasBlob(layer.digest) && !staged.hasBlob(layer.digest) {
            let sourcePath = try referrer.source.blobPath(for: layer.digest)
            guard FileManager.default.fileExists(atPath: sourcePath) else {
                throw OCIError.blobMissing(digest: layer.digest, path: sourcePath)
            }
            try staged.ingestBlob(from: sourcePath, mode: .copy, expectedDigest: layer.digest, expectedSize: layer.size)
        }
    }

    /// Copies a candidate's blobs into `staged`, verifying them, and unpacks its layers.
    private func stage(
        _ candidate: ImportCandidate, into staged: OCILayout, snapshots: inout [Digest: URL],
        required: inout RequiredContent, workspace: Workspace
    ) throws {
        let manifest = candidate.resolved.manifest
        var documents = [candidate.resolved.descriptor, manifest.config]
        if candidate.entry.digest != candidate.resolved.descriptor.digest { documents.insert(candidate.entry, at: 0) }
        required.blobs.formUnion((documents + manifest.layers).map(\.digest))
        for document in documents where !layout.hasBlob(document.digest) {
            try staged.writeBlob(candidate.source.readBlob(document))
        }
        let config = try candidate.source.decodeBlob(manifest.config, as: ImageConfiguration.self)
        guard config.rootfs.diffIDs.count == manifest.layers.count else {
            throw StoreError.invalidImage(
                candidate.resolved.descriptor.digest.description,
                reason: "the manifest has \(manifest.layers.count) layers but the config lists \(config.rootfs.diffIDs.count) diff IDs")
        }
        required.snapshots.formUnion(config.rootfs.diffIDs)
        for (layer, diffID) in zip(manifest.layers, config.rootfs.diffIDs) {
            let layerPath = try stagedLayerPath(layer, from: candidate.source, into: staged)
            guard snapshots[diffID] == nil, !hasSnapshot(diffID) else { continue }
            snapshots[diffID] = try unpack(
                layerAt: layerPath, expecting: diffID, layerDigest: layer.digest,
                mediaType: layer.mediaType, workspace: workspace)
        }
    }

    /// The path of a layer blob to unpack: the store's copy if it has one, else a verified copy in `staged`.
    private func stagedLayerPath(_ layer: Descriptor, from source: OCILayout, into staged: OCILayout) throws -> String {
        if layout.hasBlob(layer.digest) { return try layout.blobPath(for: layer.digest) }
        guard layer.mediaType.isLayer else {
            throw StoreError.invalidImage(layer.digest.description, reason: "unsupported layer media type \(layer.mediaType)")
        }
        let sourcePath = try source.blobPath(for: layer.digest)
        guard FileManager.default.fileExists(atPath: sourcePath) else {
            throw OCIError.blobMissing(digest: layer.digest, path: sourcePath)
        }
        try staged.ingestBlob(from: sourcePath, mode: .copy, expectedDigest: layer.digest, expectedSize: layer.size)
        return try staged.blobPath(for: layer.digest)
    }

    /// Moves staged blobs and snapshots into the store and tags the images, all under the
    /// index lock so that a concurrent `prune` never sees them untagged.
    private func commit(
        _ candidates: [ImportCandidate], referrers: [ImportReferrer], staged: OCILayout, snapshots: [Digest: URL],
        required: RequiredContent
    ) throws -> [String] {
        try withIndexLocked {
            let stagedBlobs = URL(fileURLWithPath: staged.root).appendingPathComponent("blobs/sha256")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: stagedBlobs.path)) ?? [] {
                let digest = Digest(sha256Hex: name)
                guard !layout.hasBlob(digest) else { continue }
                try layout.ingestBlob(from: stagedBlobs.appendingPathComponent(name).path, mode: .move, expectedDigest: digest)
            }
            for (diffID, directory) in snapshots {
                try commitSnapshot(directory, name: diffID)
            }
            try verify(required, for: candidates.flatMap(\.names).first ?? "the loaded image")
            var loaded: [String] = []
            var index = try layout.readIndex()
            for candidate in candidates where !candidate.keptByIndex {
                for name in candidate.names {
                    index.point(name, at: candidate.entry)
                    loaded.append(name)
                }
                if candidate.names.isEmpty {
                    index.keepUnnamed(candidate.entry)
                    loaded.append(candidate.entry.digest.description)
                }
            }
            // Each referrer as `build --sbom` keeps one (see ImageStore+Referrers), once.
            for referrer in referrers {
                let subject = referrer.subject.digest.description
                guard
                    !index.manifests.contains(where: {
                        $0.digest == referrer.entry.digest && $0.annotations?[Self.subjectAnnotation] == subject
                    })
                else { continue }
                index.manifests.append(
                    Self.referrerEntry(
                        referrer.entry, artifactType: referrer.manifest.artifactType ?? referrer.entry.artifactType,
                        subject: referrer.subject.digest))
            }
            try layout.writeIndex(index)
            return loaded
        }
    }
}

/// What `load` did: the names it tagged, the referrers it kept with the images, and a
/// sentence for each artifact of the input it left out.
public struct LoadReport: Sendable {
    /// Each image's name, or the manifest digest of an image without one.
    public var names: [String]
    /// The digests of the referrers (artifact manifests) kept with the loaded images.
    public var referrers: [Digest]
    /// Why each artifact entry of the input that is not kept was left out.
    public var skipped: [String]
}
