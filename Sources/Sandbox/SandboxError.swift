import Glibc

/// Why a sandbox or mount operation failed; each case names what failed and where.
public enum SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration cannot work (relative path, empty command...).
    case invalidConfiguration(String)
    /// A system call swiftbuild made for the step failed (creating or removing a mount
    /// point, cloning the sandbox...).
    case system(operation: String, path: String, errno: SystemErrno)
    /// The sandbox's init could not prepare the step, e.g. "mount proc on /proc".
    case setup(operation: String, path: String, rootfs: String, errno: SystemErrno)
    /// The step's command could not be executed. ``exitCode`` is what a shell would return.
    case exec(command: String, errno: SystemErrno)
    /// The sandbox's init ended without the step's status (killed from outside?).
    case initEnded(ExitStatus)
    /// The step was killed because its task was cancelled.
    case cancelled
    /// Mounting or unmounting an overlay failed; `detail` is the kernel's own explanation.
    case overlay(operation: String, target: String, errno: SystemErrno, detail: String)

    /// For ``exec(command:errno:)``: 127 when the command does not exist, 126 when it
    /// exists but cannot run, as shells do. Nil for the other cases.
    public var exitCode: Int32? {
        guard case .exec(_, let error) = self else { return nil }
        return error.code == ENOENT ? 127 : 126
    }

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            "invalid sandbox configuration: \(reason)"
        case .system(let operation, let path, let error):
            "\(operation) \(path): \(error)"
        case .setup(let operation, let path, let rootfs, let error):
            "\(operation)\(path.isEmpty ? "" : " \(path)") in \(rootfs): \(error)"
        case .exec(let command, let error):
            "exec \(command): \(error.meaning)"
        case .initEnded(let status):
            "the sandbox's init \(status) before the step ended"
        case .cancelled:
            "the step was cancelled"
        case .overlay(let operation, let target, let error, let detail):
            "\(operation) on \(target): \(error)\(detail.isEmpty ? "" : ": \(detail)")"
        }
    }
}
