import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import OCI

/// A client of the OCI distribution API (registries such as Docker Hub, GHCR, `docker-registry`).
///
/// One client talks to any number of registries; per registry it remembers whether it
/// speaks HTTPS or (for `localhost`, `127.0.0.1` and with ``RegistryConfiguration/tlsVerify``
/// off) plain HTTP, and the tokens it was given. Every exchange is retried as
/// ``RegistryConfiguration/retry`` says and answers the `WWW-Authenticate` challenge flow
/// (Bearer tokens, anonymous or with credentials, and Basic).
///
/// Call ``shutdown()`` when done, or use ``withClient(configuration:_:)``.
///
/// The blob and manifest primitives are in `RegistryClient+Blobs.swift` and
/// `RegistryClient+Manifests.swift`; whole images move with ``pull(_:platform:into:progress:)``
/// and ``push(_:from:to:progress:)``.
public final class RegistryClient: Sendable {
    /// How registries are reached.
    public let configuration: RegistryConfiguration
    let http: HTTPClient
    private let endpoints = EndpointCache()

    /// A client; its connections live until ``shutdown()``.
    public init(configuration: RegistryConfiguration = RegistryConfiguration()) {
        self.configuration = configuration
        var settings = HTTPClient.Configuration()
        settings.redirectConfiguration = .follow(max: 5, allowCycles: false)
        settings.timeout = .init(connect: .seconds(15), read: .seconds(120))
        settings.decompression = .disabled
        // The client retries with its own backoff; a refused connection fails at once.
        settings.connectionPool.retryConnectionEstablishment = false
        settings.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    /// Closes every connection; the client cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    public static func withClient<T: Sendable>(
        configuration: RegistryConfiguration = RegistryConfiguration(),
        _ body: (RegistryClient) async throws -> T
    ) async throws -> T {
        let client = RegistryClient(configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Checks that the registry answers and accepts the configured credentials (what
    /// `swiftbuild login` does): `GET /v2/` through the challenge flow.
    public func checkLogin(registry: String) async throws {
        let endpoint = try await endpoint(for: registry)
        let response = try await send(
            RegistryRequest(method: .GET, path: "/v2/", scopes: [], repository: nil, operation: "GET /v2/"),
            on: endpoint)
        try await expect(response, [200], registry: registry, repository: nil, operation: "GET /v2/")
    }

    // MARK: Endpoints

    /// The endpoint of `registry` (`docker.io`, `localhost:5000`), its scheme settled.
    func endpoint(for registry: String) async throws -> RegistryEndpoint {
        try await endpoints.endpoint(for: registry) {
            try await self.makeEndpoint(for: registry)
        }
    }

    private func makeEndpoint(for registry: String) async throws -> RegistryEndpoint {
        let host = registry == ImageReference.dockerHub ? "registry-1.docker.io" : registry
        let tls = try TLSSettings.configuration(
            for: registry, directory: configuration.certificateDirectory, verify: configuration.tlsVerify)
        let credentials =
            try configuration.credentials
            ?? DockerConfig(path: configuration.dockerConfigPath).credentials(for: registry)
        let authenticator = Authenticator(
            registry: registry, credentials: credentials, http: http, tls: tls, retry: configuration.retry)
        let secure = RegistryEndpoint(registry: registry, baseURL: "https://\(host)", tls: tls, authenticator: authenticator)
        guard !configuration.tlsVerify || Self.isLoopback(host) else { return secure }
        // Plain HTTP is allowed here: use it when HTTPS does not get an HTTP answer.
        var probe = HTTPClientRequest(url: "https://\(host)/v2/")
        probe.tlsConfiguration = tls
        do {
            _ = try await http.execute(probe, timeout: .seconds(10))
            return secure
        } catch {
            return RegistryEndpoint(registry: registry, baseURL: "http://\(host)", tls: nil, authenticator: authenticator)
        }
    }

    /// True for `localhost` and `127.0.0.1` (with or without a port) and `[::1]`.
    static func isLoopback(_ host: String) -> Bool {
        let name = host.hasPrefix("[") ? String(host.prefix { $0 != "]" }) + "]" : String(host.prefix { $0 != ":" })
        return ["localhost", "127.0.0.1", "[::1]"].contains(name)
    }

    // MARK: Exchanges

    /// Sends `request`, answering an authentication challenge once and retrying as the
    /// policy says; returns the first response that is neither a challenge nor retryable.
    func send(_ request: RegistryRequest, on endpoint: RegistryEndpoint) async throws -> HTTPClientResponse {
        let retry = configuration.retry
        var attempt = 0
        var answeredChallenge = false
        while true {
            attempt += 1
            var outgoing = HTTPClientRequest(url: request.absoluteURL ?? endpoint.baseURL + request.path)
            outgoing.method = request.method
            outgoing.headers = request.headers
            outgoing.tlsConfiguration = endpoint.tls
            if let authorization = await endpoint.authenticator.authorization(for: request.scopes) {
                outgoing.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
            if let body = request.body {
                outgoing.body = .bytes(body)
                outgoing.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
            } else if request.method == .PUT || request.method == .POST || request.method == .PATCH {
                outgoing.headers.replaceOrAdd(name: "Content-Length", value: "0")
            }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(outgoing, timeout: request.timeout)
            } catch {
                guard attempt < retry.maxAttempts, Self.isRetryable(error) else {
                    throw RegistryError.connection(
                        registry: endpoint.registry, reason: "\(request.operation): \(TransportErrorDescription.describe(error))")
                }
                try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                continue
            }
            let status = Int(response.status.code)
            if status == 401, !answeredChallenge {
                let challenges = response.headers["WWW-Authenticate"].flatMap(AuthChallenge.parse)
                let message = await Self.errorMessage(of: response)
                try await endpoint.authenticator.answer(
                    challenges, scopes: request.scopes, repository: request.repository, rejection: message)
                answeredChallenge = true
                attempt -= 1
                continue
            }
            if status == 401 {
                throw RegistryError.unauthorized(
                    registry: endpoint.registry, repository: request.repository, status: status,
                    message: await Self.errorMessage(of: response))
            }
            if RetryPolicy.isRetryable(status: status), attempt < retry.maxAttempts {
                _ = try? await response.body.collect(upTo: 1 << 20)
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                try await Task.sleep(for: retry.delay(afterAttempt: attempt, retryAfter: retryAfter))
                continue
            }
            return response
        }
    }

    /// Throws ``RegistryError/http(registry:repository:operation:status:message:)`` unless
    /// the response has one of `statuses`.
    func expect(
        _ response: HTTPClientResponse, _ statuses: Set<Int>, registry: String, repository: String?,
        operation: String
    ) async throws {
        let status = Int(response.status.code)
        guard !statuses.contains(status) else { return }
        throw RegistryError.http(
            registry: registry, repository: repository, operation: operation, status: status,
            message: await Self.errorMessage(of: response))
    }

    /// The registry's account of an error: the `errors` of a distribution-spec error body
    /// (`MANIFEST_UNKNOWN: manifest unknown`), else the start of the body as text.
    static func errorMessage(of response: HTTPClientResponse) async -> String {
        guard let buffer = try? await response.body.collect(upTo: 64 << 10) else { return "" }
        let bytes = Data(buffer.readableBytesView)
        struct ErrorBody: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]
        }
        if let body = try? JSONDecoder().decode(ErrorBody.self, from: bytes), !body.errors.isEmpty {
            return body.errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }
                .joined(separator: "; ")
        }
        let text = String(decoding: bytes.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.split(separator: "\n").first.map(String.init) ?? ""
    }

    /// True for failures a new try may cure: dropped or refused connections and timeouts,
    /// not TLS verification failures, a host name that does not resolve, cancellation or
    /// the client's own errors.
    static func isRetryable(_ error: any Error) -> Bool {
        if let connection = error as? NIOConnectionError, connection.connectionErrors.isEmpty,
            (connection.dnsAError ?? connection.dnsAAAAError) != nil
        {
            return false
        }
        return
            !(error is CancellationError || error is RegistryError || error is NIOSSLError || error is NIOSSLExtraError
            || error is OCIError)
    }
}

/// One exchange with a registry, described so that it can be sent again.
struct RegistryRequest: Sendable {
    var method: HTTPMethod
    /// The path under the registry's base URL (`/v2/app/manifests/latest`).
    var path: String
    /// A full URL instead of ``path`` (upload locations).
    var absoluteURL: String?
    var headers = HTTPHeaders()
    /// The whole body; nil for none.
    var body: ByteBuffer?
    /// The token scopes the exchange needs (`repository:app:pull`).
    var scopes: [String]
    /// The repository, for error messages.
    var repository: String?
    /// What is being done (`GET manifest latest`), for error messages.
    var operation: String
    /// How long the exchange may take until the response head arrives.
    var timeout: TimeAmount = .seconds(300)

    init(
        method: HTTPMethod, path: String, absoluteURL: String? = nil, headers: HTTPHeaders = HTTPHeaders(),
        body: ByteBuffer? = nil, scopes: [String], repository: String?, operation: String
    ) {
        self.method = method
        self.path = path
        self.absoluteURL = absoluteURL
        self.headers = headers
        self.body = body
        self.scopes = scopes
        self.repository = repository
        self.operation = operation
    }
}

/// One registry as the client reaches it: base URL, TLS settings and authentication state.
struct RegistryEndpoint: Sendable {
    /// The registry as references name it (`docker.io`, `localhost:5000`).
    var registry: String
    /// `https://HOST[:PORT]` or `http://HOST[:PORT]`.
    var baseURL: String
    /// The TLS settings; nil for plain HTTP.
    var tls: TLSConfiguration?
    var authenticator: Authenticator

    /// `location` (an upload URL a registry returned) as an absolute URL.
    func absolute(_ location: String) -> String {
        location.hasPrefix("http://") || location.hasPrefix("https://") ? location : baseURL + location
    }
}

/// The endpoints made so far, each made once even when asked for concurrently.
private actor EndpointCache {
    private var tasks: [String: Task<RegistryEndpoint, any Error>] = [:]

    func endpoint(for registry: String, make: @escaping @Sendable () async throws -> RegistryEndpoint) async throws
        -> RegistryEndpoint
    {
        if let task = tasks[registry] { return try await task.value }
        let task = Task { try await make() }
        tasks[registry] = task
        do {
            return try await task.value
        } catch {
            tasks[registry] = nil
            throw error
        }
    }
}
