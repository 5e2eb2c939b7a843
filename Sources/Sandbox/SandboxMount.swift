import CSandbox
import Glibc
import System

/// A mount a step asks for (`RUN --mount`), made on the step's root before the sandbox is
/// cloned and detached after the step; nothing under it reaches the layer.
public struct SandboxMount: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// `path` resolved inside the host directory `root`, as if `root` were `/` (its
        /// symlinks cannot leave it), bound read-only unless `readOnly` is false.
        case bind(root: String, path: String, readOnly: Bool)
        /// A new tmpfs of `size` bytes (nil: the kernel's default).
        case tmpfs(size: UInt64?)
    }

    public var source: Source
    /// The absolute path in the step's root (through the root's own symlinks); a missing
    /// one is created for the step and removed after it, with its missing parents.
    public var target: String

    public init(source: Source, target: String) {
        self.source = source
        self.target = target
    }
}

/// The step's mounts while it runs: each source is opened inside its root and each target
/// inside the step's root (`openat2` with `RESOLVE_IN_ROOT`), and the mount is attached
/// by descriptor, so no host path is ever resolved through a symlink a build controls.
/// Targets are mounted shallowest first, so a mount inside another lands on it.
final class StepMounts {
    private let rootfs: String
    /// Descriptors of the roots of the attached mounts, in mounting order.
    private var attached: [Int32] = []
    /// The mount points created for them, in creation order.
    private var created: [MountPoints] = []

    init(_ mounts: [SandboxMount], rootfs: String) throws(SandboxError) {
        self.rootfs = rootfs
        let ordered = mounts.enumerated().sorted {
            ($0.element.target.split(separator: "/").count, $0.offset) < ($1.element.target.split(separator: "/").count, $1.offset)
        }.map(\.element)
        do throws(SandboxError) {
            for mount in ordered { try attach(mount) }
        } catch {
            try? detach()
            throw error
        }
    }

    private func attach(_ mount: SandboxMount) throws(SandboxError) {
        var source: Int32 = -1
        defer { if source >= 0 { Glibc.close(source) } }
        var isDirectory = true
        if case .bind(let root, let path, _) = mount.source {
            let rootFile = try FileDescriptor(adopting: Self.open(root, in: AT_FDCWD, resolve: [], describing: root))
            source = try Self.open(
                path, in: rootFile.rawValue, resolve: [.inRoot, .noMagicLinks],
                describing: "\(path) in \(root) (symlinks resolved inside it)", operation: "open the mount source")
            var status = stat()
            guard fstat(source, &status) == 0 else {
                throw .system(.last("stat the mount source", path: "\(path) in \(root)"))
            }
            isDirectory = (status.st_mode & S_IFMT) == S_IFDIR
        }
        created.append(
            try MountPoints(
                rootfs: rootfs, directories: isDirectory ? [mount.target] : [], files: isDirectory ? [] : [mount.target]))
        let rootFile = try FileDescriptor(adopting: Self.open(rootfs, in: AT_FDCWD, resolve: [], describing: rootfs))
        let place = "\(mount.target) in \(rootfs)"
        let target = try FileDescriptor(
            adopting: Self.open(
                mount.target, in: rootFile.rawValue, resolve: [.inRoot, .noMagicLinks], describing: place,
                operation: "open the mount target"))
        let result: Int32 =
            switch mount.source {
            case .bind(_, _, let readOnly): csandbox_bind_descriptor(source, target.rawValue, readOnly ? 1 : 0)
            case .tmpfs(let size): csandbox_tmpfs_descriptor(target.rawValue, size ?? 0)
            }
        guard result == 0 else { throw .system(.last("mount on", path: place)) }
        // Opened again, the path now crosses into the new mount: its root, to detach it by.
        attached.append(try Self.open(mount.target, in: rootFile.rawValue, resolve: [.inRoot, .noMagicLinks], describing: place))
    }

    /// Detaches every mount, deepest first, then removes the mount points created for them.
    func detach() throws(SandboxError) {
        var failure: SandboxError?
        for root in attached.reversed() {
            if csandbox_unmount_descriptor(root) != 0, failure == nil {
                failure = .system(.last("unmount", path: "a RUN --mount in \(rootfs)"))
            }
            Glibc.close(root)
        }
        attached = []
        for points in created.reversed() {
            do throws(SandboxError) {
                try points.remove()
            } catch {
                if failure == nil { failure = error }
            }
        }
        created = []
        if let failure { throw failure }
    }

    private static func open(
        _ path: String, in directory: Int32, resolve: Resolve, describing: String, operation: String = "open"
    ) throws(SandboxError) -> Int32 {
        let fd =
            resolve.isEmpty
            ? Glibc.open(path, openPathOnly | O_CLOEXEC)
            : openat2(path, in: directory, flags: openPathOnly, resolve: resolve)
        guard fd >= 0 else { throw .system(.last(operation, path: describing)) }
        return fd
    }
}
