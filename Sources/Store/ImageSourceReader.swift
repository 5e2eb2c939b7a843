import Foundation
import OCI
import OCIArchive
import System

/// Finds the images in something `swiftbuild load` was given: an OCI layout directory,
/// a docker archive directory, or a tar of either (OCI archive, `docker save` output).
struct ImageSourceReader {
    let workspace: Workspace

    func candidates(in input: URL, platform: Platform = .host) throws -> [ImportCandidate] {
        try contents(in: input, platform: platform).images
    }

    /// The images of `input` and, for an OCI layout or archive, the referrers of those
    /// images (a docker archive carries none).
    func contents(in input: URL, platform: Platform = .host) throws -> ImportContents {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input.path, isDirectory: &isDirectory) else {
            throw StoreError.unreadableInput(path: input.path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            if FileManager.default.fileExists(atPath: input.appendingPathComponent("manifest.json").path) {
                return ImportContents(
                    images: try dockerArchiveCandidates(input: input, ownsFiles: false) { member in
                        try Self.resolve(member, inside: input, input: input)
                    })
            }
            return try layoutContents(openLayout(at: input, input: input), platform: platform)
        }
        let membersDirectory = workspace.path("members")
        try FileManager.default.createDirectory(at: membersDirectory, withIntermediateDirectories: true)
        let members: ArchiveMembers
        do {
            members = try ArchiveMembers(archive: input, into: membersDirectory)
        } catch let error as ArchiveError {
            throw StoreError.unreadableInput(path: input.path, reason: "not a readable image archive: \(error.message)")
        }
        if members.file(at: "manifest.json") != nil {
            return ImportContents(
                images: try dockerArchiveCandidates(input: input, ownsFiles: true) { member in
                    guard let file = members.file(at: member) else {
                        throw StoreError.unreadableInput(
                            path: input.path, reason: "manifest.json names '\(member)', which the archive does not hold as a file")
                    }
                    return file.path
                })
        }
        return try layoutContents(openLayout(at: assembleLayout(from: members, input: input), input: input), platform: platform)
    }

    private func openLayout(at directory: URL, input: URL) throws -> OCILayout {
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("oci-layout").path) else {
            throw StoreError.unreadableInput(
                path: input.path, reason: "neither an OCI layout (no oci-layout file) nor a docker archive (no manifest.json)")
        }
        return try OCILayout.open(at: directory.path, temporaryDirectory: workspace.path("input-tmp").path)
    }

    /// An OCI layout directory made of an OCI archive's members: its two documents and
    /// every `blobs/ALGORITHM/HEX` file, moved into place.
    private func assembleLayout(from members: ArchiveMembers, input: URL) throws -> URL {
        let layout = workspace.path("input")
        for document in ["oci-layout", "index.json"] {
            guard let file = members.file(at: document) else { continue }
            try FileManager.default.createDirectory(at: layout, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: file, to: layout.appendingPathComponent(document))
        }
        for path in members.paths {
            let parts = path.split(separator: "/")
            guard parts.count == 3, parts[0] == "blobs", let digest = try? Digest(parsing: "\(parts[1]):\(parts[2])"),
                let file = members.file(at: path)
            else { continue }
            let directory = layout.appendingPathComponent("blobs/\(digest.algorithm)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: file, to: directory.appendingPathComponent(digest.hex))
        }
        return layout
    }

    /// Every entry of the layout's index.json, resolved for `platform` (this machine's
    /// unless a build asks for another). Unnamed artifact entries (an SBOM referring to an
    /// image, as `save` writes them) are not images: those that refer to a manifest the
    /// images bring are their referrers, the others are left out.
    private func layoutContents(_ layout: OCILayout, platform: Platform) throws -> ImportContents {
        let all = try layout.readIndex().manifests
        let entries = all.filter { !Self.isArtifactEntry($0) }
        guard !entries.isEmpty else {
            throw StoreError.unreadableInput(path: layout.root, reason: "index.json lists no images")
        }
        let images = try entries.flatMap { entry in
            let names = try entry.referenceName.map { [try ImageReference.storeName(parsing: $0)] } ?? []
            let resolved = try layout.resolveManifest(from: entry, platform: platform)
            let candidate = ImportCandidate(names: names, entry: entry, resolved: resolved, source: layout)
            return [candidate] + otherPlatforms(of: entry, besides: resolved.descriptor.digest, in: layout)
        }
        var contents = ImportContents(images: images)
        let loaded = Set(images.flatMap { [$0.entry.digest, $0.resolved.descriptor.digest] })
        for entry in all where Self.isArtifactEntry(entry) && entry.mediaType.isManifest {
            // An artifact that cannot be read is no image's referrer that can be kept; the
            // images load without it, as they did before referrers were loaded.
            let manifest: ImageManifest
            do {
                manifest = try layout.decodeBlob(entry, as: ImageManifest.self)
            } catch {
                contents.skipped.append("artifact \(entry.digest): cannot be read (\(error)); skipped")
                continue
            }
            guard let subject = manifest.subject else { continue }
            guard loaded.contains(subject.digest) else {
                contents.skipped.append(
                    "artifact \(entry.digest) (\(manifest.artifactType ?? entry.artifactType ?? entry.mediaType)) refers to \(subject.digest), which the input does not load; skipped"
                )
                continue
            }
            contents.referrers.append(ImportReferrer(entry: entry, manifest: manifest, subject: subject, source: layout))
        }
        return contents
    }

    /// An unnamed `index.json` entry with an artifact type: an artifact (such as an SBOM
    /// referring to an image), not an image to load.
    private static func isArtifactEntry(_ entry: Descriptor) -> Bool {
        entry.artifactType != nil && entry.referenceName == nil
    }

    /// The other platforms' images of an index entry whose manifest, config and layers
    /// the input holds (a multi-platform image; an input copied for one platform lacks
    /// the others, which are then left out, as before).
    private func otherPlatforms(of entry: Descriptor, besides chosen: Digest, in layout: OCILayout) -> [ImportCandidate] {
        guard entry.mediaType.isIndex, let index = try? layout.decodeBlob(entry, as: ImageIndex.self) else { return [] }
        return index.manifests.compactMap { child in
            guard child.mediaType.isManifest, child.digest != chosen, layout.hasBlob(child.digest),
                let manifest = try? layout.decodeBlob(child, as: ImageManifest.self),
                ([manifest.config] + manifest.layers).allSatisfy({ layout.hasBlob($0.digest) })
            else { return nil }
            return ImportCandidate(
                names: [], entry: child, resolved: ResolvedManifest(entry: child, descriptor: child, manifest: manifest), source: layout,
                keptByIndex: true)
        }
    }

    /// One line of a docker archive's manifest.json.
    private struct DockerArchiveEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    /// The images of a docker archive, converted to OCI manifests in a workspace layout.
    /// `file` turns a path named in manifest.json into the path of a regular file.
    private func dockerArchiveCandidates(input: URL, ownsFiles: Bool, file: (String) throws -> String) throws -> [ImportCandidate] {
        let entries: [DockerArchiveEntry]
        do {
            entries = try JSONDecoder().decode([DockerArchiveEntry].self, from: Data(RegularFile.read(file("manifest.json"))))
        } catch let error as DecodingError {
            throw StoreError.unreadableInput(path: input.path, reason: "manifest.json is not a docker archive manifest: \(error)")
        }
        let converted = try OCILayout.create(at: workspace.path("converted").path, temporaryDirectory: workspace.path("converted-tmp").path)
        // A layer file is ingested once, however often manifest.json lists it: docker and
        // podman list one file twice for an image with two identical layers, and the first
        // ingestion may have moved the file away.
        var ingested: [String: Descriptor] = [:]
        return try entries.map { entry in
            let config = try converted.writeBlob(RegularFile.read(file(entry.Config))).descriptor(mediaType: .ociConfig)
            let layers = try entry.Layers.map { layer -> Descriptor in
                let path = try file(layer)
                if let descriptor = ingested[path] { return descriptor }
                let compression = try Self.compression(ofFileAt: path)
                let descriptor = try converted.ingestBlob(from: path, mode: ownsFiles ? .move : .copy)
                    .descriptor(mediaType: .ociLayer(compression))
                ingested[path] = descriptor
                return descriptor
            }
            let manifest = ImageManifest(mediaType: .ociManifest, config: config, layers: layers)
            let encoded = try manifest.encoded()
            try converted.writeBlob(encoded.bytes)
            let names = try (entry.RepoTags ?? []).map { try ImageReference.storeName(parsing: $0) }
            return ImportCandidate(
                names: names, entry: encoded.descriptor,
                resolved: ResolvedManifest(entry: encoded.descriptor, descriptor: encoded.descriptor, manifest: manifest),
                source: converted)
        }
    }

    /// `relative`'s real path, which must stay inside `directory` (docker archives hold symlinks).
    static func resolve(_ relative: String, inside directory: URL, input: URL) throws -> String {
        guard !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
            throw StoreError.unreadableInput(path: input.path, reason: "manifest.json names '\(relative)', outside the archive")
        }
        guard let root = realpath(directory.path, nil), let resolved = realpath(directory.appendingPathComponent(relative).path, nil) else {
            throw StoreError.unreadableInput(path: input.path, reason: "manifest.json names '\(relative)', which the archive does not hold")
        }
        defer { free(root); free(resolved) }
        let rootPath = String(cString: root), resolvedPath = String(cString: resolved)
        guard resolvedPath.hasPrefix(rootPath + "/") else {
            throw StoreError.unreadableInput(path: input.path, reason: "'\(relative)' leads outside the archive")
        }
        return resolvedPath
    }

    /// The compression of a layer file, by its first bytes.
    static func compression(ofFileAt path: String) throws -> MediaType.Compression {
        let descriptorFile = FileDescriptor(adopting: open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { throw StoreError.io(path: path, operation: "open", errno: errno) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = read(descriptor, &magic, 4)
        if count >= 2, magic.starts(with: [0x1f, 0x8b]) { return .gzip }
        if count >= 4, magic == [0x28, 0xb5, 0x2f, 0xfd] { return .zstd }
        return .none
    }
}
