import Foundation
import Glibc
import System
import Testing

@testable import OCIArchive

/// The one extractor under its two policies, on the same archives: where a layer and an
/// `ADD` archive are treated differently, both outcomes are checked, and a sentinel next
/// to the root (one file) stays untouched either way.
@Suite("Extraction policies")
struct ExtractionPolicyTests {
    /// A symlink on the way: a layer refuses to write through it; `ADD` follows it, but
    /// inside the root (an absolute target resolves from the root), as Docker's chrooted
    /// extraction does.
    @Test func symlinkOnTheWayIsRefusedOrFollowedInsideTheRoot() throws {
        let entries: [[String: Any]] = [
            ["name": "d", "type": "dir"], ["name": "d/up", "type": "symlink", "linkname": "/"],
            ["name": "d/up/landed", "data": "x"]
        ]
        let layer = try PolicySetup(entries)
        #expect(throws: ExtractionFailure.unsafe(entry: "d/up/landed", path: "d/up/landed", .throughSymlink("d/up"))) {
            try layer.extract(.layer)
        }
        try layer.expectSentinelUntouched()

        let add = try PolicySetup(entries)
        try add.extract(.add(owner: nil))
        #expect(try String(contentsOfFile: add.root + "/landed", encoding: .utf8) == "x")
        try add.expectSentinelUntouched()
    }

    /// A relative symlink target that climbs above the root: a layer keeps it (it is never
    /// followed while extracting); `ADD` refuses it.
    @Test func symlinkLeavingTheRoot() throws {
        let entries: [[String: Any]] = [["name": "a/esc", "type": "symlink", "linkname": "../../sentinel/secret"]]
        let layer = try PolicySetup(entries)
        try layer.extract(.layer)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layer.root + "/a/esc") == "../../sentinel/secret")

        let add = try PolicySetup(entries)
        #expect(throws: ExtractionFailure.unsafe(entry: "a/esc", path: "a/esc", .symlinkLeavesRoot("../../sentinel/secret"))) {
            try add.extract(.add(owner: nil))
        }
        try add.expectSentinelUntouched()
    }

    /// `..` in a name: a layer refuses any; `ADD` folds it and refuses only a name that
    /// climbs above the root.
    @Test func parentComponents() throws {
        let inside: [[String: Any]] = [["name": "a/../b", "data": "b"]]
        let layer = try PolicySetup(inside)
        #expect(throws: ExtractionFailure.unsafe(entry: "a/../b", path: "a/../b", .parentComponent)) { try layer.extract(.layer) }

        let add = try PolicySetup(inside)
        try add.extract(.add(owner: nil))
        #expect(try String(contentsOfFile: add.root + "/b", encoding: .utf8) == "b")

        let outside = try PolicySetup([["name": "a/../../sentinel/secret", "data": "pwned"]])
        #expect(throws: ExtractionFailure.unsafe(entry: "a/../../sentinel/secret", path: "a/../../sentinel/secret", .leavesRoot)) {
            try outside.extract(.add(owner: nil))
        }
        try outside.expectSentinelUntouched()
    }

    /// A `.wh.` name is an overlay whiteout in a layer, an ordinary file in an `ADD` archive.
    @Test func whiteoutsAreALayerRule() throws {
        let entries: [[String: Any]] = [["name": ".wh.gone", "data": ""]]
        let layer = try PolicySetup(entries)
        try layer.extract(.layer)
        var status = stat()
        #expect(lstat(layer.root + "/gone", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR && status.st_rdev == 0)

        let add = try PolicySetup(entries)
        try add.extract(.add(owner: nil))
        #expect(lstat(add.root + "/.wh.gone", &status) == 0 && status.st_mode & S_IFMT == S_IFREG)
        #expect(lstat(add.root + "/gone", &status) != 0)
    }

    /// A file over a directory: a layer replaces the directory; `ADD` refuses, as BuildKit.
    @Test func fileOverADirectory() throws {
        let entries: [[String: Any]] = [["name": "d/inner", "data": "i"], ["name": "d", "data": "file"]]
        let layer = try PolicySetup(entries)
        try layer.extract(.layer)
        #expect(try String(contentsOfFile: layer.root + "/d", encoding: .utf8) == "file")

        let add = try PolicySetup(entries)
        #expect(throws: ExtractionFailure.cannotReplaceDirectory(entry: "d", path: [Array("d".utf8)])) {
            try add.extract(.add(owner: nil))
        }
    }

    /// `ADD --chown`: every entry and every implied directory gets the owner; a layer
    /// keeps the entries' owners and makes implied directories the caller's.
    @Test func owners() throws {
        let entries: [[String: Any]] = [["name": "implied/f", "data": "f", "uid": 1000, "gid": 1001]]
        let layer = try PolicySetup(entries)
        try layer.extract(.layer)
        var status = stat()
        #expect(lstat(layer.root + "/implied/f", &status) == 0 && status.st_uid == 1000 && status.st_gid == 1001)
        #expect(lstat(layer.root + "/implied", &status) == 0 && status.st_uid == getuid() && status.st_mode & 0o7777 == 0o755)

        let add = try PolicySetup(entries)
        try add.extract(.add(owner: ExtractionOwner(uid: 7, gid: 8)))
        #expect(lstat(add.root + "/implied/f", &status) == 0 && status.st_uid == 7 && status.st_gid == 8)
        #expect(lstat(add.root + "/implied", &status) == 0 && status.st_uid == 7 && status.st_gid == 8 && status.st_mode & 0o7777 == 0o755)
    }
}

/// An archive of `entries`, an empty root to extract it into and, next to the root, a
/// sentinel directory holding one file `secret`.
private struct PolicySetup {
    let directory: TemporaryDirectory
    let archive: String
    let root: String
    let sentinel: String

    init(_ entries: [[String: Any]]) throws {
        directory = try TemporaryDirectory()
        archive = directory.path("archive.tar")
        try makeTar(at: archive, entries)
        root = try directory.makeDirectory("root")
        sentinel = try directory.makeDirectory("sentinel")
        _ = try directory.file("sentinel/secret", contents: Array("secret".utf8))
    }

    func extract(_ policy: ExtractionPolicy) throws(ExtractionFailure) {
        let input = FileDescriptor(adopting: open(archive, O_RDONLY | O_CLOEXEC))
        let target = FileDescriptor(adopting: open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC))
        let confined = try! RootDirectory(directory: target.rawValue, displayedAs: root)
        let reader: TarReader
        do {
            reader = try TarReader(fileDescriptor: input.rawValue, name: archive)
        } catch {
            throw .unreadable(error)
        }
        try TarExtractor(root: confined, descriptor: target.rawValue, policy: policy, budgetPath: root).extract(from: reader)
    }

    func expectSentinelUntouched(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel) == ["secret"], sourceLocation: sourceLocation)
        #expect(try String(contentsOfFile: sentinel + "/secret", encoding: .utf8) == "secret", sourceLocation: sourceLocation)
    }
}
