import Foundation
import Glibc
import Sandbox
import Testing

@Suite("Mount points and generated files", .enabled(if: isRoot, "the sandbox needs root"))
struct MountPointTests {
    @Test("mount points the root lacks exist during the step; only /proc, /sys, /dev and an empty /etc stay, as runc leaves them")
    func createdAndRemoved() async throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
        let before = try tree(root)
        let resolvConf = try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)
        let result = try await runStep(
            shell("cat /etc/resolv.conf; ls -d /proc/1 /sys/class /dev/null /dev/pts/ptmx /dev/shm", in: root),
            scratch: scratch)
        #expect(result.status == .exited(0))
        #expect(result.output == resolvConf + "/dev/null\n/dev/pts/ptmx\n/dev/shm\n/proc/1\n/sys/class\n")
        #expect(try tree(root) == (before + ["dev", "etc", "proc", "sys"]).sorted())
        #expect(try tree(root + "/etc").isEmpty)
        for kept in ["dev", "etc", "proc", "sys"] {
            var status = stat()
            #expect(lstat(root + "/" + kept, &status) == 0)
            #expect(status.st_mode == S_IFDIR | 0o755 && status.st_uid == 0 && status.st_gid == 0, "\(kept)")
        }
        #expect(try mounts(under: root).isEmpty)
    }

    @Test("mount points the image has are left as they were")
    func imageFilesUntouched() async throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try TestRoot.busyboxWithMountPoints(at: root)
        let before = try tree(root)
        let hostsBefore = try FileManager.default.attributesOfItem(atPath: root + "/etc/hosts")
        let result = try await runStep(shell("cat /etc/hostname; echo changed > /etc/hosts", in: root), scratch: scratch)
        #expect(result.output.hasPrefix("from the image\n"))
        #expect(result.output.contains("Read-only file system"))
        #expect(try tree(root) == before)
        #expect(try String(contentsOfFile: root + "/etc/hosts", encoding: .utf8) == "from the image\n")
        let hostsAfter = try FileManager.default.attributesOfItem(atPath: root + "/etc/hosts")
        #expect(hostsAfter[.modificationDate] as? Date == hostsBefore[.modificationDate] as? Date)
    }

    @Test("a parent directory keeps its times when only a mount point was made in it")
    func parentTimesRestored() async throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        let old = Date(timeIntervalSince1970: 1_000_000_000)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: root + "/etc")
        _ = try await runStep(shell("true", in: root), scratch: scratch)
        let after = try FileManager.default.attributesOfItem(atPath: root + "/etc")
        #expect(after[.modificationDate] as? Date == old)
        #expect(try tree(root + "/etc").isEmpty)
    }

    @Test("an absolute symlink in the image resolves inside the root")
    func symlinksStayInside() async throws {
        let scratch = try Scratch()
        let root = try scratch.directory("root")
        try TestRoot.busybox(at: root)
        try FileManager.default.createDirectory(atPath: root + "/usr/etc", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/etc", withDestinationPath: "/usr/etc")
        let result = try await runStep(shell("cat /usr/etc/hosts", in: root), scratch: scratch)
        #expect(result.output.hasPrefix("127.0.0.1\tlocalhost " + SandboxConfiguration.defaultHostname + "\n"))
        #expect(try tree(root + "/usr/etc").isEmpty)
    }
}
