import System

/// Why a registry operation failed. Every case that involves the network names the
/// registry, and the repository when there is one; HTTP failures carry the status.
public enum RegistryError: Error, Sendable, CustomStringConvertible {
    /// Text that is not an image reference.
    case invalidReference(String, reason: String)
    /// The registry answered with an unexpected HTTP status. `operation` says what was
    /// asked (`GET manifest latest`), `message` what the registry said about it.
    case http(registry: String, repository: String?, operation: String, status: Int, message: String)
    /// The registry or its token endpoint refused the credentials (or their absence).
    case unauthorized(registry: String, repository: String?, status: Int, message: String)
    /// No HTTP exchange with the registry could be completed (after the retries).
    case connection(registry: String, reason: String)
    /// The registry sent something that breaks the distribution spec.
    case invalidResponse(registry: String, repository: String?, reason: String)
    /// The credentials file could not be read or written: why in words, and the error
    /// behind them when one is.
    case credentialsFile(path: String, reason: String, cause: (any Error)? = nil)
    /// A certificate directory's files could not be used (why, and the error behind it).
    case certificates(path: String, reason: String, cause: (any Error)? = nil)
    /// A local file a transfer reads or writes failed.
    case file(path: String, reason: String)
    /// A system call on a local file a transfer reads or writes failed.
    case fileSystem(path: String, SystemError)

    public var description: String {
        switch self {
        case .invalidReference(let text, let reason):
            return "invalid image reference '\(text)': \(reason)"
        case .http(let registry, let repository, let operation, let status, let message):
            return "\(Self.place(registry, repository)): \(operation): HTTP \(status) \(Self.reasonPhrase(status))"
                + (message.isEmpty ? "" : ": \(message)")
        case .unauthorized(let registry, let repository, let status, let message):
            return "\(Self.place(registry, repository)): authentication failed: HTTP \(status) \(Self.reasonPhrase(status))"
                + (message.isEmpty ? "" : ": \(message)")
                + " (check the credentials of `swiftbuild login \(registry)`)"
        case .connection(let registry, let reason):
            return "registry \(registry): \(reason)"
        case .invalidResponse(let registry, let repository, let reason):
            return "\(Self.place(registry, repository)): invalid response: \(reason)"
        case .credentialsFile(let path, let reason, _):
            return "\(path): \(reason)"
        case .certificates(let path, let reason, _):
            return "certificates in \(path): \(reason)"
        case .file(let path, let reason):
            return "\(path): \(reason)"
        case .fileSystem(let path, let error):
            return "\(path): \(error)"
        }
    }

    private static func place(_ registry: String, _ repository: String?) -> String {
        "registry \(registry)" + (repository.map { ", repository \($0)" } ?? "")
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Payload Too Large"
        case 416: return "Range Not Satisfiable"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}
