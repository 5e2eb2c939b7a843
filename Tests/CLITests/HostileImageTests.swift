import Foundation
import Testing

/// Inputs that try to escape the store or lie about their content: each must fail with
/// a clear error and leave the store, and everything outside it, exactly as it was.
@Suite("Hostile images", .enabled(if: ExternalTool.isRoot, "needs root to unpack layers"))
struct HostileImageTests {
    static let cases: [(kind: String, message: String)] = [
        ("dotdot", "/evil' refused: its path has a '..' component"),
        ("absolute", "/evil' refused: its path is absolute"),
        ("symlink-through", "entry 'escape/evil' refused: its path goes through the symlink 'escape'"),
        ("hardlink-out", "entry 'victim-link' refused: its link target"),
        ("truncated-gzip", "truncated gzip input"),
        ("digest-mismatch", "digest mismatch: expected sha256:"),
        ("missing-blob", "is missing: no file at")
    ]

    @Test(arguments: cases.map(\.kind))
    func refusedWithoutTrace(_ kind: String) throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let sentinel = work.appendingPathComponent("sentinel")
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        try Data("victim\n".utf8).write(to: sentinel.appendingPathComponent("victim"))
        let layout = work.appendingPathComponent("layout")
        let script = repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures/hostile_layout.py").path
        try ExternalTool.run(["python3", script, kind, layout.path, sentinel.path])

        let store = work.appendingPathComponent("store")
        let empty = try SwiftBuildProcess.run(["images", "--root", store.path])
        #expect(empty.status == 0)
        let before = try TreeListing.of(store)

        for input in [layout.path, try archive(layout, in: work)] {
            let result = try SwiftBuildProcess.run(["load", "-i", input, "--root", store.path])
            #expect(result.status == 1, "\(kind) was accepted: \(result.standardOutput)")
            let expected = Self.cases.first { $0.kind == kind }!.message
            #expect(result.standardError.contains(expected), "\(kind): \(result.standardError)")
            #expect(try TreeListing.of(store) == before, "\(kind) changed the store")
            #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel.path) == ["victim"])
            let victim = try FileManager.default.attributesOfItem(atPath: sentinel.appendingPathComponent("victim").path)
            #expect((victim[.referenceCount] as? Int) == 1)
        }
    }

    /// The layout as an OCI archive, so the archive path is exercised too.
    private func archive(_ layout: URL, in work: URL) throws -> String {
        let path = work.appendingPathComponent("hostile.tar").path
        try ExternalTool.run(["tar", "-cf", path, "-C", layout.path, "."])
        return path
    }

    @Test func notAnImageIsAClearError() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let garbage = work.appendingPathComponent("garbage.tar")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: garbage)
        let result = try SwiftBuildProcess.run(["load", "-i", garbage.path, "--root", work.appendingPathComponent("store").path])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("\(garbage.path): not a readable image archive"))
        let missing = try SwiftBuildProcess.run(["load", "-i", "/nonexistent.tar", "--root", work.appendingPathComponent("store").path])
        #expect(missing.standardError == "/nonexistent.tar: no such file or directory\n")
    }
}
