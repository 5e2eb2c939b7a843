import CSandbox
import Glibc
import System

/// The overlay mounts of build steps: lower = the parent layers, upper = the new layer.
///
/// The options keep the upper dir exactly the layer's diff (see `csandbox_overlay_options()`:
/// no `redirect_dir`, `metacopy`, `index` or `xino`): new and changed files, whiteouts as
/// 0:0 character devices, opaque directories marked `trusted.overlay.opaque=y`. Overlayfs
/// also leaves bookkeeping xattrs on copied-up entries (`trusted.overlay.origin`,
/// `trusted.overlay.impure`), which layer packing ignores like any `trusted.overlay.*`
/// other than `opaque`. Mounts are `volatile`: their unmount does not sync the upper
/// directory's file system (the next build syncs the store once: ImageStore.syncEarlierSnapshots). Rootless, the overlay is mounted with `userxattr` and the same
/// attributes are `user.overlay.*` (only the host's root may write `trusted.*`).
public enum OverlayMount {
    /// Mounts an overlay on `target`. `lowerDirectories` are listed top first; with none
    /// (`FROM scratch`), `upperDirectory` is bind-mounted instead.
    ///
    /// Uses the new mount API (one `lowerdir+` per layer, so the number of layers is not
    /// limited by the page-sized option string of `mount(2)`), and `mount(2)` on kernels
    /// without it (before Linux 6.8).
    public static func mount(
        lowerDirectories: [String], upperDirectory: String, workDirectory: String,
        target: String
    ) throws(SandboxError) {
        guard !lowerDirectories.isEmpty else {
            guard csandbox_bind_mount(upperDirectory, target) == 0 else {
                throw .overlay(.last("bind mount \(upperDirectory)", path: target), detail: "")
            }
            return
        }
        var failedStep: UnsafePointer<CChar>?
        var message = [CChar](repeating: 0, count: 512)
        let result = withCStrings(lowerDirectories) { lowers in
            csandbox_overlay_mount(
                lowers, lowerDirectories.count, upperDirectory, workDirectory, target,
                RootlessProcess.isRootless ? 1 : 0, &failedStep, &message, message.count)
        }
        guard result != 0 else { return }
        let error = errno
        let step = failedStep.map { String(cString: $0) } ?? "mount overlay"
        let unsupported = error == ENOSYS || (step.contains("lowerdir+") && error == EINVAL)
        guard unsupported else {
            var detail = Self.detail(message)
            if RootlessProcess.isRootless && [EPERM, EINVAL, ENODEV].contains(error) {
                detail += (detail.isEmpty ? "" : "; ") + Self.rootlessRequirement
            }
            throw .overlay(SystemError(operation: step, path: target, code: error), detail: detail)
        }
        try mountClassic(
            lowerDirectories: lowerDirectories, upperDirectory: upperDirectory,
            workDirectory: workDirectory, target: target)
    }

    /// What a rootless overlay needs of the kernel, said when mounting one fails.
    static let rootlessRequirement =
        "rootless builds need overlayfs in a user namespace with the userxattr option (Linux 5.11 or later; this kernel is \(kernelRelease))"

    private static var kernelRelease: String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    /// Unmounts `target`, detaching it lazily (`MNT_DETACH`) when it is busy.
    public static func unmount(_ target: String) throws(SandboxError) {
        if csandbox_unmount(target, 0) == 0 { return }
        guard errno == EBUSY else { throw .overlay(.last("unmount", path: target), detail: "") }
        guard csandbox_unmount(target, Int32(MNT_DETACH)) == 0 else {
            throw .overlay(.last("detach", path: target), detail: "")
        }
    }

    /// `mount(2)` with a `lowerdir=a:b` option string, limited to one page.
    static func mountClassic(
        lowerDirectories: [String], upperDirectory: String, workDirectory: String,
        target: String
    ) throws(SandboxError) {
        let paths = lowerDirectories + [upperDirectory, workDirectory]
        if let bad = paths.first(where: { $0.contains(",") || $0.contains(":") }) {
            throw .overlay(
                SystemError(operation: "mount overlay (mount(2))", path: target, code: EINVAL),
                detail: "'\(bad)' contains ',' or ':', which the option string cannot hold")
        }
        var options = [
            "lowerdir=" + lowerDirectories.joined(separator: ":"), "upperdir=" + upperDirectory,
            "workdir=" + workDirectory
        ]
        if RootlessProcess.isRootless { options.append("userxattr") }
        let overlayOptions = csandbox_overlay_options()!
        var index = 0
        while let key = overlayOptions[index], let value = overlayOptions[index + 1] {
            let rootlessRedirect = RootlessProcess.isRootless && String(cString: key) == "redirect_dir"
            options.append(String(cString: key) + "=" + (rootlessRedirect ? "nofollow" : String(cString: value)))
            index += 2
        }
        // volatile (Linux 5.10) as the new API mounts; a kernel without it refuses the
        // whole option string, and is asked again without it (its unmount then syncs).
        let data = (options + ["volatile"]).joined(separator: ",")
        guard data.utf8.count < Int(getpagesize()) else {
            throw .overlay(
                SystemError(operation: "mount overlay (mount(2))", path: target, code: E2BIG),
                detail: "\(lowerDirectories.count) lower directories do not fit in one page of options")
        }
        guard
            csandbox_overlay_mount_classic(data, target) == 0
                || (errno == EINVAL && csandbox_overlay_mount_classic(options.joined(separator: ","), target) == 0)
        else {
            let error = SystemError.last("mount overlay (mount(2))", path: target)
            throw .overlay(error, detail: RootlessProcess.isRootless ? rootlessRequirement : "")
        }
    }

    /// The fs context's message ("e overlay: ..."), without its severity prefix.
    private static func detail(_ message: [CChar]) -> String {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return text.hasPrefix("e ") ? String(text.dropFirst(2)) : text
    }

    /// Calls `body` with a C array of C strings that live for the call.
    private static func withCStrings<Result>(
        _ strings: [String],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
