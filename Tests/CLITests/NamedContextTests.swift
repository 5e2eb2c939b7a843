import Foundation
import Testing

/// `--build-context NAME=VALUE`: a directory for `COPY --from=NAME`, an image
/// (`docker-image://`) or an OCI layout (`oci-layout://`) for `FROM NAME` and `--from`.
@Suite("Named build contexts", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct NamedContextTests {
    @Test func directoryImageAndLayoutContexts() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        let extra = workspace.work.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: extra, withIntermediateDirectories: true)
        try Data("extra-content\n".utf8).write(to: extra.appendingPathComponent("data.txt"))
        try Data("secret\n".utf8).write(to: extra.appendingPathComponent("ignored.txt"))
        try Data("ignored.txt\n".utf8).write(to: extra.appendingPathComponent(".dockerignore"))

        // A directory: COPY --from reads it with its own .dockerignore; it is no misspelt stage.
        let copying = """
            FROM busybox AS extras
            FROM scratch
            COPY --from=extra . /from-extra/
            """
        let first = try workspace.build(copying, ["-t", "named:1", "--build-context", "extra=\(extra.path)"])
        #expect(first.status == 0, "\(first.standardError)")
        let listing = try unpacked("named:1", workspace)
        #expect(try String(contentsOf: listing.appendingPathComponent("from-extra/data.txt"), encoding: .utf8) == "extra-content\n")
        #expect(!FileManager.default.fileExists(atPath: listing.appendingPathComponent("from-extra/ignored.txt").path))
        let again = try workspace.build(copying, ["--build-context", "extra=\(extra.path)"])
        #expect(again.status == 0 && again.standardError.contains("CACHED"), "\(again.standardError)")
        try Data("changed\n".utf8).write(to: extra.appendingPathComponent("data.txt"))
        let changed = try workspace.build(copying, ["--build-context", "extra=\(extra.path)"])
        #expect(changed.status == 0 && !changed.standardError.contains("CACHED"), "\(changed.standardError)")

        // An image in place of FROM's name (no image 'base' exists anywhere).
        let fromBase = "FROM base\nRUN echo hi > /hi\n"
        let image = try workspace.build(fromBase, ["-t", "named:2", "--build-context", "base=docker-image://busybox"])
        #expect(image.status == 0, "\(image.standardError)")
        #expect(try String(contentsOf: try unpacked("named:2", workspace).appendingPathComponent("hi"), encoding: .utf8) == "hi\n")

        // An OCI layout directory (here: busybox saved by swiftbuild).
        let layout = workspace.work.appendingPathComponent("layout")
        let saved = try SwiftBuildProcess.run(["save", "busybox", "-o", layout.path, "--format", "oci-dir", "--root", workspace.store.path])
        #expect(saved.status == 0)
        let fromLayout = try workspace.build(fromBase, ["--build-context", "base=oci-layout://\(layout.path)"])
        #expect(fromLayout.status == 0, "\(fromLayout.standardError)")

        // A directory cannot be a base; bad values are usage errors.
        let directoryBase = try workspace.build(fromBase, ["--build-context", "base=\(extra.path)"])
        #expect(
            directoryBase.status == 1 && directoryBase.standardError.contains("FROM cannot start from"), "\(directoryBase.standardError)")
        let missing = try workspace.build(fromBase, ["--build-context", "base=/nonexistent"])
        #expect(
            missing.status != 0 && missing.standardError.contains("--build-context /nonexistent: not a directory"),
            "\(missing.standardError)")
    }

    private func unpacked(_ image: String, _ workspace: BuildWorkspace) throws -> URL {
        let bundle = workspace.work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(workspace.store.path):\(image)", bundle.path])
        return bundle.appendingPathComponent("rootfs")
    }
}
