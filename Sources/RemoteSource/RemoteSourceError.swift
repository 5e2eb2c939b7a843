import System

/// A remote `ADD` source that could not be fetched; each case names the URL or
/// repository. The builder prefixes the Dockerfile's `FILE:LINE`.
public enum RemoteSourceError: Error, Sendable, CustomStringConvertible {
    /// A source that looks remote but cannot be used (bad URL, unsupported scheme or query).
    case invalidReference(String, reason: String)
    /// The server answered with a status other than 2xx (after redirects).
    case httpStatus(url: String, status: UInt, reason: String)
    /// The server could not be reached or the transfer broke.
    case transport(url: String, description: String)
    /// The downloaded content is not what `--checksum` says.
    case checksumMismatch(url: String, expected: String, actual: String)
    /// `--checksum` is not a `sha256:` digest (or, for git, a commit hash).
    case invalidChecksum(String)
    /// A git command failed; `output` is what it printed (its last lines).
    case git(remote: String, operation: String, output: String)
    /// The checked-out commit is not the one `--checksum` (or `?checksum=`) names.
    case commitMismatch(remote: String, expected: String, actual: String)
    /// The `:subdir` of a git source is missing, not a directory, or goes through a symlink.
    case subdirectory(remote: String, subdirectory: String, reason: String)
    /// A system call on the staging area failed.
    case system(SystemError)

    public var description: String {
        switch self {
        case .invalidReference(let source, let reason):
            "\"\(source)\": \(reason)"
        case .httpStatus(let url, let status, let reason):
            "\(url): the server answered \(status) \(reason)"
        case .transport(let url, let description):
            "\(url): \(description)"
        case .checksumMismatch(let url, let expected, let actual):
            "\(url): checksum mismatch: the content is \(actual), --checksum expects \(expected)"
        case .invalidChecksum(let checksum):
            "invalid --checksum \"\(checksum)\": expected sha256:<64 hex digits> (or a commit hash for a git source)"
        case .git(let remote, let operation, let output):
            output.isEmpty ? "\(remote): git \(operation) failed" : "\(remote): git \(operation) failed: \(output)"
        case .commitMismatch(let remote, let expected, let actual):
            "\(remote): checksum mismatch: the checkout is commit \(actual), the checksum expects \(expected)"
        case .subdirectory(let remote, let subdirectory, let reason):
            "\(remote): subdirectory \"\(subdirectory)\" \(reason)"
        case .system(let error):
            "\(error)"
        }
    }
}
