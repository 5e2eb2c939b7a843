import CSandbox
import System

/// Whether swiftbuild runs in its own mount namespace, which the CLI enters at startup
/// (``enterPrivate()``) when started as root.
///
/// In a private namespace, no mount swiftbuild makes (the overlays of its steps) is seen
/// by the host or survives the process, even after SIGKILL: the namespace dies with its
/// last process. The price: the host does not see those mounts (a step's merged view
/// cannot be inspected from another shell) and swiftbuild does not see mounts the host
/// makes after it started. Files written are visible as usual.
///
/// Linking this module changes nothing by itself: a process (a test runner, another tool)
/// keeps the host's namespace until it calls ``enterPrivate()``.
public enum MountNamespaceStatus: Sendable, Equatable {
    /// The process has its own mount namespace with private propagation.
    case `private`
    /// The process shares the host's mount namespace: it is not root, or never asked.
    case host
    /// ``enterPrivate()`` came after the process had started a second thread. A mount
    /// namespace belongs to each thread, so moving only the calling one would leave the
    /// others mounting on the host: nothing was changed.
    case multithreaded
    /// Entering the namespace failed with this error; mounts may reach the host.
    case failed(SystemError)

    /// Moves the whole process into a private mount namespace, when it runs as root (other
    /// users cannot mount, and keep the host's namespace; a rootless swiftbuild is root in
    /// its own user namespace by then, see ``UserNamespaceEntry``). It must be called before the
    /// process starts any thread: first thing in a synchronous `main`, before any task,
    /// dispatch queue or `Thread`. Calling it again returns the first call's status.
    @discardableResult
    public static func enterPrivate() -> MountNamespaceStatus {
        status(csandbox_enter_private_mount_namespace())
    }

    /// The status of the running process.
    public static var current: MountNamespaceStatus {
        status(csandbox_private_mount_namespace_status())
    }

    private static func status(_ value: Int32) -> MountNamespaceStatus {
        if value > 0 { return .private }
        if value == 0 { return .host }
        if value == CSANDBOX_MOUNT_NAMESPACE_MULTITHREADED { return .multithreaded }
        return .failed(SystemError(operation: "enter a private mount namespace", code: -value))
    }
}
