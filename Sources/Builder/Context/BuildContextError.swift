import Dockerfile
import OCI
import System

/// A build context that cannot be used.
public enum BuildContextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The context directory cannot be opened.
    case unreadableDirectory(String, SystemError)
    /// An ignore file exists but cannot be read.
    case unreadableIgnoreFile(String, SystemError)
    /// An ignore file has an invalid pattern (the error names its file and line).
    case invalidIgnoreFile(DockerIgnoreError)

    public var description: String {
        switch self {
        case .unreadableDirectory(let path, let error): "build context \(path): \(error)"
        case .unreadableIgnoreFile(let path, let error): "\(path): \(error)"
        case .invalidIgnoreFile(let error): error.description
        }
    }
}
