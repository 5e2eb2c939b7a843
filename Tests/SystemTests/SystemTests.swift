import FileNames
import Foundation
import Glibc
import System
import Testing

/// A temporary directory holding `root/` (the confined tree) and `outside/sentinel`, a file
/// every test checks is never reached or changed from inside the root.
private final class Sandboxed {
    let base: String
    var root: String { base + "/root" }
    var sentinel: String { base + "/outside/sentinel" }

    init() throws {
        var template = Array("/tmp/system-tests-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError.last("mkdtemp") }
        base = String(cString: made)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        try Data("sentinel".utf8).write(to: URL(fileURLWithPath: sentinel))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: base)
    }

    func symlink(_ target: String, at path: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + path, withDestinationPath: target)
    }

    /// The sentinel is still there, unchanged.
    func sentinelIsIntact() -> Bool {
        (try? String(contentsOfFile: sentinel, encoding: .utf8)) == "sentinel"
    }
}

@Suite("System: descriptors, errors and the rooted directory")
struct SystemTests {
    @Test func aDescriptorClosesWhenItGoesAway() throws {
        let raw: Int32
        do {
            let file = try FileDescriptor.open("/dev/null", flags: O_RDONLY)
            raw = file.rawValue
            #expect(fcntl(raw, F_GETFD) >= 0)
        }
        #expect(fcntl(raw, F_GETFD) == -1 && errno == EBADF)
    }

    @Test func aReleasedDescriptorStaysOpen() throws {
        let raw = try FileDescriptor.open("/dev/null", flags: O_RDONLY).release()
        #expect(fcntl(raw, F_GETFD) >= 0)
        #expect(close(raw) == 0)
    }

    @Test func aFailedOpenNamesThePathAndTheErrno() {
        #expect(throws: SystemError(operation: "open", path: "/nonexistent/x", code: ENOENT)) {
            _ = try FileDescriptor.open("/nonexistent/x", flags: O_RDONLY)
        }
        let error = SystemError(operation: "open", path: "/nonexistent/x", code: ENOENT)
        #expect(error.description == "/nonexistent/x: open: No such file or directory")
        #expect(error.withoutPath.description == "open: No such file or directory")
        #expect(error.name == "ENOENT")
    }

    @Test func absoluteLinksAndDotDotStayInsideTheRoot() throws {
        let tree = try Sandboxed()
        try tree.symlink("/", at: "up")
        try tree.symlink("../../outside/sentinel", at: "climb")
        try tree.symlink("/outside/sentinel", at: "absolute")
        let root = try RootDirectory(path: tree.root)
        for path in ["up/outside/sentinel", "climb", "absolute", "../outside/sentinel", "/../../outside/sentinel"] {
            let opened = root.openInRoot(path, flags: O_RDONLY)
            defer { if opened >= 0 { close(opened) } }
            #expect(
                opened == -1 && errno == ENOENT, "\(path) reached \(opened >= 0 ? root.relativePath(of: opened) ?? "outside" : "nothing")")
        }
        // The same names, made inside the root, are what they reach.
        try FileManager.default.createDirectory(atPath: tree.root + "/outside", withIntermediateDirectories: true)
        try Data("inside".utf8).write(to: URL(fileURLWithPath: tree.root + "/outside/sentinel"))
        let inside = root.openInRoot("climb", flags: O_RDONLY)
        #expect(inside >= 0)
        if inside >= 0 {
            #expect(root.relativePath(of: inside) == "outside/sentinel")
            close(inside)
        }
        #expect(tree.sentinelIsIntact())
    }

    @Test func anExactOpenFollowsNoSymlink() throws {
        let tree = try Sandboxed()
        try FileManager.default.createDirectory(atPath: tree.root + "/dir", withIntermediateDirectories: true)
        try tree.symlink("dir", at: "link")
        let root = try RootDirectory(path: tree.root)
        try FileManager.default.createDirectory(atPath: tree.root + "/dir/sub", withIntermediateDirectories: true)
        #expect(throws: SystemError(operation: "open", path: "/link", code: ELOOP)) {
            _ = try root.openExact("link", flags: O_RDONLY)
        }
        #expect(throws: SystemError(operation: "open", path: "/link/sub", code: ELOOP)) {
            _ = try root.openExact("link/sub", flags: O_RDONLY | O_DIRECTORY)
        }
        let opened = try root.openExact("dir", flags: O_RDONLY | O_DIRECTORY)
        close(opened)
    }

    @Test func aNoFollowWalkNamesTheSymlinkAndCreatesWithTheModeGiven() throws {
        let tree = try Sandboxed()
        try tree.symlink(tree.base + "/outside", at: "escape")
        let root = try RootDirectory(path: tree.root)
        #expect(throws: NoFollowWalkFailure.throughSymlink(depth: 1)) {
            _ = try root.openDirectoryNoFollow([Array("escape".utf8), Array("made".utf8)], creatingWithMode: 0o755)
        }
        #expect(!FileManager.default.fileExists(atPath: tree.base + "/outside/made"))
        let previous = umask(0o077)
        defer { umask(previous) }
        let made = try root.openDirectoryNoFollow([Array("a".utf8), [0x62, 0xFF]], creatingWithMode: 0o755)
        var status = stat()
        #expect(fstat(made.rawValue, &status) == 0 && status.st_mode & 0o7777 == 0o755)
        #expect(root.relativePath(of: made.rawValue) == "a/" + FileName.decode([0x62, 0xFF]))
        #expect(tree.sentinelIsIntact())
    }

    @Test func removingContentsFollowsNoSymlink() throws {
        let tree = try Sandboxed()
        try FileManager.default.createDirectory(atPath: tree.root + "/d/e", withIntermediateDirectories: true)
        try tree.symlink(tree.base + "/outside", at: "d/out")
        let directory = try FileDescriptor.open(tree.root, flags: O_RDONLY | O_DIRECTORY)
        try RootDirectory.removeContents(of: directory.rawValue)
        #expect(try DirectoryListing.entryNames(directory.rawValue).isEmpty)
        #expect(tree.sentinelIsIntact())
    }

    @Test func listingKeepsNamesThatAreNotUTF8() throws {
        let tree = try Sandboxed()
        let names: [[UInt8]] = [[0x7A], [0x61, 0xFF], Array("é".utf8)]
        let directory = try FileDescriptor.open(tree.root, flags: O_RDONLY | O_DIRECTORY)
        for name in names {
            let created = FileName.openat(directory.rawValue, FileName.decode(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            #expect(created >= 0)
            close(created)
        }
        #expect(Set(try DirectoryListing.entryNames(directory.rawValue)) == Set(names))
        #expect(
            try DirectoryListing.sortedNames(directory.rawValue) == names.sorted { $0.lexicographicallyPrecedes($1) }.map(FileName.decode))
    }
}
