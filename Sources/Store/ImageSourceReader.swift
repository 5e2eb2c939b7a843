import Foundation
import OCI

/// Finds the images in something `swiftbuild load` was given: an OCI layout directory,
/// a docker archive directory, or a tar of either (OCI archive, `docker save` output).
struct ImageSourceReader {
    let workspace: Workspace

    func candidates(in input: URL) throws -> [ImportCandidate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: input.path, isDirectory: &isDirectory) else {
            throw StoreError.unreadableInput(path: input.path, reason: "no such file or directory")
        }
        let directory: URL
        if isDirectory.boolValue {
            directory = input
        } else {
            directory = workspace.path("input")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                _ = try LayerExtractor.extract(layerAt: input.path, into: directory.path)
            } catch {
                throw StoreError.unreadableInput(path: input.path, reason: "not a readable image archive: \(error)")
            }
        }
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("manifest.json").path) {
            return try dockerArchiveCandidates(in: directory, input: input)
        }
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("oci-layout").path) else {
            throw StoreError.unreadableInput(path: input.path, reason: "neither an OCI layout (no oci-layout file) nor a docker archive (no manifest.json)")
        }
        return try layoutCandidates(OCILayout.open(at: directory.path, temporaryDirectory: workspace.path("input-tmp").path))
    }

    /// Every entry of the layout's index.json, resolved for this machine's platform.
    private func layoutCandidates(_ layout: OCILayout) throws -> [ImportCandidate] {
        let entries = try layout.readIndex().manifests
        guard !entries.isEmpty else {
            throw StoreError.unreadableInput(path: layout.root, reason: "index.json lists no images")
        }
        return try entries.map { entry in
            let names = try entry.referenceName.map { [try ImageName(parsing: $0).description] } ?? []
            return ImportCandidate(names: names, entry: entry, resolved: try layout.resolveManifest(from: entry), source: layout)
        }
    }

    /// One line of a docker archive's manifest.json.
    private struct DockerArchiveEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    /// The images of a docker archive, converted to OCI manifests in a workspace layout.
    private func dockerArchiveCandidates(in directory: URL, input: URL) throws -> [ImportCandidate] {
        let manifestPath = directory.appendingPathComponent("manifest.json").path
        let entries: [DockerArchiveEntry]
        do {
            entries = try JSONDecoder().decode([DockerArchiveEntry].self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        } catch {
            throw StoreError.unreadableInput(path: input.path, reason: "manifest.json is not a docker archive manifest: \(error)")
        }
        let converted = try OCILayout.create(at: workspace.path("converted").path, temporaryDirectory: workspace.path("converted-tmp").path)
        var ingested: [String: StoredBlob] = [:]
        return try entries.map { entry in
            let configBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: try Self.resolve(entry.Config, inside: directory, input: input))))
            let config = try converted.writeBlob(configBytes).descriptor(mediaType: .ociConfig)
            let layers = try entry.Layers.map { layer -> Descriptor in
                let path = try Self.resolve(layer, inside: directory, input: input)
                let blob = try ingested[path] ?? converted.ingestBlob(from: path, mode: .copy)
                ingested[path] = blob
                return blob.descriptor(mediaType: .ociLayer(try Self.compression(ofFileAt: path)))
            }
            let manifest = ImageManifest(mediaType: .ociManifest, config: config, layers: layers)
            let encoded = try manifest.encoded()
            try converted.writeBlob(encoded.bytes)
            let names = try (entry.RepoTags ?? []).map { try ImageName(parsing: $0).description }
            return ImportCandidate(names: names, entry: encoded.descriptor,
                                   resolved: ResolvedManifest(entry: encoded.descriptor, descriptor: encoded.descriptor, manifest: manifest),
                                   source: converted)
        }
    }

    /// `relative`'s real path, which must stay inside `directory` (archives hold symlinks).
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
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.io(path: path, operation: "open", errno: errno)
        }
        defer { try? handle.close() }
        let magic = [UInt8](handle.readData(ofLength: 4))
        if magic.starts(with: [0x1f, 0x8b]) { return .gzip }
        if magic.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        return .none
    }
}
