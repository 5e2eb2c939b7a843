import Glibc
import System

/// Why a sandbox or mount operation failed; each case names what failed and where.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration cannot work (relative path, empty command...).
    case invalidConfiguration(String)
    /// A system call swiftbuild made for the step failed (creating or removing a mount
    /// point, cloning the sandbox...); the error's operation and path say which.
    case system(SystemError)
    /// The sandbox's init could not prepare the step, e.g. "mount proc on /proc" (the
    /// error's operation and path) in the root `rootfs`.
    case setup(SystemError, rootfs: String)
    /// The step's command (the error's path) could not be executed. ``exitCode`` is what
    /// a shell would return.
    case exec(SystemError)
    /// The sandbox's init ended without the step's status (killed from outside?).
    case initEnded(ExitStatus)
    /// The step was killed because its task was cancelled.
    case cancelled
    /// A cgroup limit cannot be set on this host (its controller is missing or cannot be
    /// delegated to the step's cgroup); the text says which and why.
    case cgroup(String)
    /// Mounting or unmounting an overlay on the error's path failed; `detail` is the
    /// kernel's own explanation.
    case overlay(SystemError, detail: String)

    /// For ``exec(_:)``: 127 when the command does not exist, 126 when it
    /// exists but cannot run, as shells do. Nil for the other cases.
    public var exitCode: Int32? {
        guard case .exec(let error) = self else { return nil }
        return error.code == ENOENT ? 127 : 126
    }

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            "invalid sandbox configuration: \(reason)"
        case .system(let error):
            "\(error.operation) \(error.path ?? ""): \(error.errnoDescription)"
        case .setup(let error, let rootfs):
            "\(error.operation)\(error.path.map { $0.isEmpty ? "" : " \($0)" } ?? "") in \(rootfs): \(error.errnoDescription)"
        case .exec(let error):
            "exec \(error.path ?? ""): \(error.meaning)"
        case .initEnded(let status):
            "the sandbox's init \(status) before the step ended"
        case .cancelled:
            "the step was cancelled"
        case .cgroup(let reason):
            reason
        case .overlay(let error, let detail):
            "\(error.operation) on \(error.path ?? ""): \(error.errnoDescription)\(detail.isEmpty ? "" : ": \(detail)")"
        }
    }
}
