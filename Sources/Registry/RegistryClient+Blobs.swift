import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import OCI

/// How ``RegistryClient/uploadBlob(_:from:to:mountFrom:)`` got a blob into the repository.
public enum BlobUploadResult: Sendable, Equatable {
    /// Its bytes were sent.
    case uploaded
    /// The registry mounted it from this repository of its own.
    case mounted(from: String)
}

extension RegistryClient {
    /// True when `repository`'s registry has the blob in that repository (`HEAD`).
    public func hasBlob(_ digest: Digest, in repository: ImageReference) async throws -> Bool {
        let endpoint = try await endpoint(for: repository.registry)
        let operation = "HEAD blob \(digest)"
        let response = try await send(
            RegistryRequest(
                method: .HEAD, path: "/v2/\(repository.repository)/blobs/\(digest)",
                scopes: [Self.scope(repository, "pull")], repository: repository.repository, operation: operation),
            on: endpoint)
        if response.status.code == 404 { return false }
        try await expect(response, [200], registry: repository.registry, repository: repository.repository, operation: operation)
        return true
    }

    /// Downloads the blob `descriptor` names to the file `path` (created or truncated),
    /// streaming it; a connection that drops mid-blob starts the download again. Throws
    /// when the registry sends more bytes than the descriptor's size. The content is not
    /// hashed here: ``OCILayout/ingestBlob(from:mode:expectedDigest:expectedSize:)`` checks it.
    /// `received`, when given, is told the bytes written so far after each buffer.
    public func fetchBlob(
        _ descriptor: Descriptor, from repository: ImageReference, to path: String,
        received report: (@Sendable (Int64) -> Void)? = nil
    ) async throws {
        let endpoint = try await endpoint(for: repository.registry)
        let operation = "GET blob \(descriptor.digest)"
        var attempt = 0
        while true {
            attempt += 1
            var request = RegistryRequest(
                method: .GET, path: "/v2/\(repository.repository)/blobs/\(descriptor.digest)",
                scopes: [Self.scope(repository, "pull")], repository: repository.repository, operation: operation)
            request.timeout = .hours(6)
            let response = try await send(request, on: endpoint)
            try await expect(response, [200], registry: repository.registry, repository: repository.repository, operation: operation)
            let file = try OutputFile(path: path)
            do {
                var received: Int64 = 0
                for try await buffer in response.body {
                    received += Int64(buffer.readableBytes)
                    guard received <= descriptor.size else {
                        throw RegistryError.invalidResponse(
                            registry: repository.registry, repository: repository.repository,
                            reason: "blob \(descriptor.digest) is longer than the \(descriptor.size) bytes its descriptor gives")
                    }
                    try file.write(buffer)
                    report?(received)
                }
                try file.close()
                return
            } catch {
                try? file.close()
                guard attempt < configuration.retry.maxAttempts, Self.isRetryable(error) else {
                    if error is RegistryError { throw error }
                    throw RegistryError.connection(
                        registry: repository.registry, reason: "\(operation): \(TransportErrorDescription.describe(error))")
                }
                try await Task.sleep(for: configuration.retry.delay(afterAttempt: attempt))
            }
        }
    }

    /// Puts the blob at `path` (described by `descriptor`) into `repository`: first asking
    /// the registry to mount it from `mountFrom` (another repository of the same registry)
    /// when given, else uploading it, with one PUT up to
    /// ``RegistryConfiguration/uploadChunkSize`` bytes and in PATCH chunks of that size beyond
    /// (`sent`, when given, is told the bytes sent so far after each chunk).
    @discardableResult
    public func uploadBlob(
        _ descriptor: Descriptor, from path: String, to repository: ImageReference,
        mountFrom: String? = nil, sent report: (@Sendable (Int64) -> Void)? = nil
    ) async throws -> BlobUploadResult {
        let endpoint = try await endpoint(for: repository.registry)
        let name = repository.repository
        var scopes = [Self.scope(repository, "pull,push")]
        var query = ""
        if let mountFrom, mountFrom != name {
            scopes.append("repository:\(mountFrom):pull")
            query = "?mount=\(descriptor.digest)&from=\(mountFrom)"
        }
        let start = try await send(
            RegistryRequest(
                method: .POST, path: "/v2/\(name)/blobs/uploads/\(query)", scopes: scopes, repository: name,
                operation: "POST blob upload"),
            on: endpoint)
        try await expect(start, [201, 202], registry: repository.registry, repository: name, operation: "POST blob upload")
        if start.status.code == 201, let mountFrom {
            return .mounted(from: mountFrom)
        }
        var location = try uploadLocation(start, endpoint: endpoint, repository: name)
        let file = try InputFile(path: path)
        let chunkSize = max(1, configuration.uploadChunkSize)
        var body: ByteBuffer? = nil
        if descriptor.size <= chunkSize {
            body = try file.read(offset: 0, count: Int(descriptor.size))
        } else {
            var offset: Int64 = 0
            while offset < descriptor.size {
                let count = Int(min(chunkSize, descriptor.size - offset))
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: "application/octet-stream")
                headers.add(name: "Content-Range", value: "\(offset)-\(offset + Int64(count) - 1)")
                let operation = "PATCH blob \(descriptor.digest) at \(offset)"
                let response = try await send(
                    RegistryRequest(
                        method: .PATCH, path: "", absoluteURL: location, headers: headers,
                        body: try file.read(offset: offset, count: count), scopes: scopes, repository: name,
                        operation: operation),
                    on: endpoint)
                try await expect(response, [202], registry: repository.registry, repository: name, operation: operation)
                location = try uploadLocation(response, endpoint: endpoint, repository: name)
                offset += Int64(count)
                report?(offset)
            }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/octet-stream")
        let separator = location.contains("?") ? "&" : "?"
        let operation = "PUT blob \(descriptor.digest)"
        let finish = try await send(
            RegistryRequest(
                method: .PUT, path: "", absoluteURL: "\(location)\(separator)digest=\(descriptor.digest)",
                headers: headers, body: body, scopes: scopes, repository: name, operation: operation),
            on: endpoint)
        try await expect(finish, [201], registry: repository.registry, repository: name, operation: operation)
        return .uploaded
    }

    /// The absolute upload URL a `202 Accepted` names in `Location`.
    private func uploadLocation(_ response: HTTPClientResponse, endpoint: RegistryEndpoint, repository: String) throws -> String {
        guard let location = response.headers.first(name: "Location"), !location.isEmpty else {
            throw RegistryError.invalidResponse(
                registry: endpoint.registry, repository: repository,
                reason: "a blob upload answer has no Location")
        }
        return endpoint.absolute(location)
    }

    /// `repository:NAME:ACTIONS`, a token scope.
    static func scope(_ repository: ImageReference, _ actions: String) -> String {
        "repository:\(repository.repository):\(actions)"
    }
}
