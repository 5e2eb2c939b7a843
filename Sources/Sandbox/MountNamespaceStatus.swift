import CSandbox

/// Whether swiftbuild runs in its own mount namespace, which CSandbox enters before `main`
/// when started as root.
///
/// In a private namespace, no mount swiftbuild makes (the overlays of its steps) is seen
/// by the host or survives the process, even after SIGKILL: the namespace dies with its
/// last process. The price: the host does not see those mounts (a step's merged view
/// cannot be inspected from another shell) and swiftbuild does not see mounts the host
/// makes after it started. Files written are visible as usual.
public enum MountNamespaceStatus: Sendable, Equatable {
    /// The process has its own mount namespace with private propagation.
    case `private`
    /// The process was not started as root and shares the host's mount namespace.
    case host
    /// Entering the namespace failed with this error; mounts may reach the host.
    case failed(SystemErrno)

    /// The status of the running process.
    public static var current: MountNamespaceStatus {
        let status = csandbox_private_mount_namespace_status()
        if status > 0 { return .private }
        if status == 0 { return .host }
        return .failed(SystemErrno(-status))
    }
}
