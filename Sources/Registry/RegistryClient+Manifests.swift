import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// A manifest or index as a registry sent it: the exact bytes and their descriptor.
public struct RemoteManifest: Sendable {
    /// The document's bytes, verified against ``descriptor``'s digest.
    public var bytes: [UInt8]
    /// Its media type (from `Content-Type`, else its `mediaType` field), sha256 digest and size.
    public var descriptor: Descriptor
}

extension RegistryClient {
    /// The media types a manifest request accepts: OCI and Docker v2 schema 2 manifests and indexes.
    static let manifestMediaTypes: [MediaType] = [.ociIndex, .ociManifest, .dockerManifestList, .dockerManifest]

    /// The largest manifest or index read: 4 MiB, as registries cap them.
    static let maxManifestSize = 4 << 20

    /// Fetches the manifest or index `reference` names (its digest, else its tag). A
    /// digest in the reference, or else a `Docker-Content-Digest` header, must match the bytes.
    public func fetchManifest(_ reference: ImageReference) async throws -> RemoteManifest {
        let endpoint = try await endpoint(for: reference.registry)
        let name = reference.repository
        let operation = "GET manifest \(reference.manifestReference)"
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: Self.manifestMediaTypes.map(\.rawValue).joined(separator: ", "))
        let response = try await send(
            RegistryRequest(
                method: .GET, path: "/v2/\(name)/manifests/\(reference.manifestReference)", headers: headers,
                scopes: [Self.scope(reference, "pull")], repository: name, operation: operation),
            on: endpoint)
        try await expect(response, [200], registry: reference.registry, repository: name, operation: operation)
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: Self.maxManifestSize)
        } catch {
            throw RegistryError.invalidResponse(
                registry: reference.registry, repository: name,
                reason: "\(operation): \(error) (manifests are at most \(Self.maxManifestSize) bytes)")
        }
        let bytes = Array(buffer.readableBytesView)
        let digest = Digest.sha256(bytes)
        let promised = reference.digest ?? response.headers.first(name: "Docker-Content-Digest").flatMap { try? Digest(parsing: $0) }
        if let promised, promised != digest {
            throw RegistryError.invalidResponse(
                registry: reference.registry, repository: name,
                reason: "\(operation): the manifest's digest is \(digest), not \(promised)")
        }
        let mediaType = Self.mediaType(of: bytes, contentType: response.headers.first(name: "Content-Type"))
        guard mediaType.isManifest || mediaType.isIndex else {
            throw RegistryError.invalidResponse(
                registry: reference.registry, repository: name,
                reason: "\(operation): media type \(mediaType) is neither an OCI or Docker v2 schema 2 manifest nor an index")
        }
        return RemoteManifest(bytes: bytes, descriptor: Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)))
    }

    /// Stores `bytes` as the manifest `reference` names (its tag, else its digest) and
    /// returns the manifest's descriptor.
    @discardableResult
    public func putManifest(_ bytes: [UInt8], mediaType: MediaType, to reference: ImageReference) async throws -> Descriptor {
        try await sendManifest(bytes, mediaType: mediaType, to: reference).descriptor
    }

    /// ``putManifest(_:mediaType:to:)`` with the registry's response headers, which say
    /// more than the status (a referrer's `OCI-Subject`).
    func sendManifest(
        _ bytes: [UInt8], mediaType: MediaType, to reference: ImageReference
    ) async throws -> (descriptor: Descriptor, headers: HTTPHeaders) {
        let endpoint = try await endpoint(for: reference.registry)
        let name = reference.repository
        let descriptor = Descriptor(mediaType: mediaType, digest: .sha256(bytes), size: Int64(bytes.count))
        if let digest = reference.digest, digest != descriptor.digest {
            throw RegistryError.invalidReference(reference.description, reason: "the manifest's digest is \(descriptor.digest)")
        }
        let target = reference.tag ?? descriptor.digest.description
        let operation = "PUT manifest \(target)"
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: mediaType.rawValue)
        let response = try await send(
            RegistryRequest(
                method: .PUT, path: "/v2/\(name)/manifests/\(target)", headers: headers,
                body: ByteBuffer(bytes: bytes), scopes: [Self.scope(reference, "pull,push")],
                repository: name, operation: operation),
            on: endpoint)
        try await expect(response, [200, 201], registry: reference.registry, repository: name, operation: operation)
        return (descriptor, response.headers)
    }

    /// The media type of a fetched document: `Content-Type` when it names a manifest or
    /// index, else the document's own `mediaType` field, else what its shape says.
    private static func mediaType(of bytes: [UInt8], contentType: String?) -> MediaType {
        if let contentType {
            let type = MediaType(rawValue: String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces))
            if type.isManifest || type.isIndex { return type }
        }
        struct Shape: Decodable {
            var mediaType: MediaType?
            var manifests: [Descriptor]?
            var config: Descriptor?
        }
        guard let shape = try? JSONDecoder().decode(Shape.self, from: Data(bytes)) else {
            return MediaType(rawValue: contentType ?? "application/octet-stream")
        }
        if let mediaType = shape.mediaType { return mediaType }
        if shape.manifests != nil { return .ociIndex }
        if shape.config != nil { return .ociManifest }
        return MediaType(rawValue: contentType ?? "application/octet-stream")
    }
}
