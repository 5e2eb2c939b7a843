import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Answers one registry's `WWW-Authenticate` challenges and remembers the result: Basic
/// with the credentials, or a Bearer token from the challenge's realm (fetched with the
/// credentials as Basic when there are any, anonymously otherwise), one per set of scopes.
actor Authenticator {
    let registry: String
    private let credentials: RegistryCredentials?
    private let http: HTTPClient
    private let tls: TLSConfiguration
    private let retry: RetryPolicy
    /// True once the registry asked for Basic: every request then carries the credentials.
    private var usesBasic = false
    /// `Authorization` values by scope set.
    private var tokens: [String: String] = [:]

    init(registry: String, credentials: RegistryCredentials?, http: HTTPClient, tls: TLSConfiguration, retry: RetryPolicy) {
        self.registry = registry
        self.credentials = credentials
        self.http = http
        self.tls = tls
        self.retry = retry
    }

    /// The `Authorization` value to send with a request needing `scopes`, when one is known.
    func authorization(for scopes: [String]) -> String? {
        if usesBasic, let credentials { return "Basic \(credentials.basicValue)" }
        return tokens[Self.key(scopes)]
    }

    /// Handles a 401: picks the Bearer or Basic challenge and prepares the `Authorization`
    /// value for `scopes`. Throws ``RegistryError/unauthorized(registry:repository:status:message:)``
    /// when there is no usable challenge, Basic is asked without credentials, or the token
    /// endpoint refuses.
    func answer(_ challenges: [AuthChallenge], scopes: [String], repository: String?, rejection: String) async throws {
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), bearer.realm != nil {
            tokens[Self.key(scopes)] = "Bearer " + (try await fetchToken(bearer, scopes: scopes, repository: repository))
            return
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            guard credentials != nil else {
                throw RegistryError.unauthorized(
                    registry: registry, repository: repository, status: 401,
                    message: "the registry wants a user name and password and none are configured")
            }
            // A request sent before another one switched to Basic gets here too; a request
            // that carried the credentials and still got a 401 fails in `send`.
            usesBasic = true
            return
        }
        let offered = challenges.map(\.scheme).joined(separator: ", ")
        throw RegistryError.unauthorized(
            registry: registry, repository: repository, status: 401,
            message: rejection.isEmpty ? "no usable WWW-Authenticate challenge (\(offered.isEmpty ? "none" : offered))" : rejection)
    }

    /// Asks the challenge's realm for a token covering `scopes` (plus the challenge's own scope).
    private func fetchToken(_ challenge: AuthChallenge, scopes: [String], repository: String?) async throws -> String {
        guard let realm = challenge.realm, var components = URLComponents(string: realm),
            components.scheme == "https" || components.scheme == "http"
        else {
            throw RegistryError.invalidResponse(
                registry: registry, repository: repository,
                reason: "Bearer realm '\(challenge.realm ?? "")' is not an http(s) URL")
        }
        var allScopes = scopes
        if let scope = challenge.scope, !allScopes.contains(scope) { allScopes.append(scope) }
        var query = components.queryItems ?? []
        if let service = challenge.service { query.append(URLQueryItem(name: "service", value: service)) }
        query += allScopes.map { URLQueryItem(name: "scope", value: $0) }
        components.queryItems = query.isEmpty ? nil : query
        guard let url = components.string else {
            throw RegistryError.invalidResponse(
                registry: registry, repository: repository, reason: "cannot build a token URL from '\(realm)'")
        }
        var attempt = 0
        while true {
            attempt += 1
            var request = HTTPClientRequest(url: url)
            if components.scheme == "https" { request.tlsConfiguration = tls }
            if let credentials {
                request.headers.add(name: "Authorization", value: "Basic \(credentials.basicValue)")
            }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(60))
            } catch {
                guard attempt < retry.maxAttempts, RegistryClient.isRetryable(error) else {
                    throw RegistryError.connection(
                        registry: registry, reason: "token request to \(realm): \(TransportErrorDescription.describe(error))")
                }
                try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                continue
            }
            let status = Int(response.status.code)
            if RetryPolicy.isRetryable(status: status), attempt < retry.maxAttempts {
                _ = try? await response.body.collect(upTo: 1 << 20)
                try await Task.sleep(for: retry.delay(afterAttempt: attempt))
                continue
            }
            guard status == 200 else {
                let message = await RegistryClient.errorMessage(of: response)
                if status == 401 || status == 403 {
                    throw RegistryError.unauthorized(
                        registry: registry, repository: repository, status: status,
                        message: "token endpoint \(realm): \(message)")
                }
                throw RegistryError.http(
                    registry: registry, repository: repository, operation: "GET token from \(realm)",
                    status: status, message: message)
            }
            struct TokenResponse: Decodable {
                var token: String?
                var access_token: String?
            }
            let body = try await response.body.collect(upTo: 1 << 20)
            guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(body.readableBytesView)),
                let token = decoded.token ?? decoded.access_token, !token.isEmpty
            else {
                throw RegistryError.invalidResponse(
                    registry: registry, repository: repository,
                    reason: "token endpoint \(realm) sent no token")
            }
            return token
        }
    }

    private static func key(_ scopes: [String]) -> String {
        scopes.sorted().joined(separator: " ")
    }
}
