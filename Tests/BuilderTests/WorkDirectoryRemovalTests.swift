import Foundation
import Glibc
import Store
import Testing

/// A build's work directory holds its steps' overlay mount points; one whose unmount
/// failed must not be emptied through the mount (after a step's layer is detached, the
/// overlay's upper entries are a committed snapshot's).
@Suite("Work directory removal", .enabled(if: getuid() == 0, "mounting needs root"))
struct WorkDirectoryRemovalTests {
    @Test func aWorkDirectoryIsNeverRemovedThroughAMountInIt() throws {
        let top = FileManager.default.temporaryDirectory.appendingPathComponent("work-removal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: top) }
        let store = try ImageStore(root: top.appendingPathComponent("store"))
        // The sentinel lives outside the store; a bind mount puts it inside the work directory.
        let outside = top.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside.appendingPathComponent("deep"), withIntermediateDirectories: true)
        let sentinel = outside.appendingPathComponent("deep/sentinel")
        try Data("keep me\n".utf8).write(to: sentinel)
        let work = try store.makeWorkDirectory()
        let mountPoint = work.appendingPathComponent("merged-0-0")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        try Data("scratch\n".utf8).write(to: work.appendingPathComponent("scratch"))
        try #require(mount(outside.path, mountPoint.path, nil, UInt(MS_BIND), nil) == 0)
        defer { umount2(mountPoint.path, Int32(MNT_DETACH)) }

        store.removeWorkDirectory(work)
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "keep me\n")
        #expect(FileManager.default.fileExists(atPath: mountPoint.appendingPathComponent("deep/sentinel").path))

        // Once the mount is gone, the rest goes too.
        #expect(umount2(mountPoint.path, 0) == 0)
        store.removeWorkDirectory(work)
        #expect(!FileManager.default.fileExists(atPath: work.path))
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "keep me\n")
    }
}
