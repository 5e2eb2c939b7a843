import Foundation
import Testing

/// A multi-platform build with a registry: each platform's base pulled from the base's
/// index, and `--push` (and `push`) sending the index with every platform's manifest, as
/// skopeo reads it back from the registry.
@Suite(
    "Multi-platform builds with a registry",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct MultiPlatformPushTests {
    @Test func eachPlatformsBaseIsPulledAndTheIndexIsPushed() throws {
        let work = try makeTemporaryDirectory()
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let layout = work.appendingPathComponent("layout")
        try StagePlatformPullTests.writeMultiPlatformLayout(at: layout, work: work)
        let base = "\(registry.address)/library/multi:1"
        try Processes.tool(["skopeo", "copy", "--all", "--dest-tls-verify=false", "oci:\(layout.path):multi", "docker://\(base)"])

        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM \(base)\nARG TARGETARCH\nCOPY a.txt /a-$TARGETARCH.txt\n".utf8)
            .write(to: context.appendingPathComponent("Dockerfile"))
        try Data("a\n".utf8).write(to: context.appendingPathComponent("a.txt"))
        let store = work.appendingPathComponent("store").path
        let app = "\(registry.address)/team/app:1"
        let result = try Processes.run(
            Processes.swiftbuildBinary,
            ["build", "--progress", "plain", "--root", store, "--platform", "linux/amd64,linux/arm64", "--push", "-t", app, context.path])
        #expect(result.status == 0, "\(result.standardError)")
        let indexDigest = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        // The registry has the index under the tag, byte for byte the store's, and each manifest.
        let raw = try Processes.tool(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(app)"])
        let index = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        #expect(index["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        #expect(manifests.map { ($0["platform"] as? [String: Any])?["architecture"] as? String } == ["amd64", "arm64"])
        let stored = try String(contentsOfFile: "\(store)/blobs/sha256/\(indexDigest.dropFirst(7))", encoding: .utf8)
        #expect(raw.trimmingCharacters(in: .newlines) == stored)

        // Each platform's image has that platform's base and ARG value.
        let copied = work.appendingPathComponent("copied").path
        try Processes.tool(["skopeo", "copy", "--all", "--src-tls-verify=false", "docker://\(app)", "oci:\(copied):app"])
        try Processes.tool(["oci-image-tool", "validate", "--type", "image", "--ref", "name=app", copied])
        let copiedIndex = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: copied + "/index.json"))) as? [String: Any])
        let copiedDigest = try #require((copiedIndex["manifests"] as? [[String: Any]])?.first?["digest"] as? String)
        try Processes.tool(["oci-image-tool", "validate", "--type", "imageIndex", copied + "/blobs/sha256/" + copiedDigest.dropFirst(7)])
        for architecture in StagePlatformPullTests.architectures {
            let bundle = work.appendingPathComponent("bundle-\(architecture)").path
            try Processes.tool([
                "skopeo", "--override-arch", architecture, "copy", "--src-tls-verify=false", "docker://\(app)",
                "oci:\(work.path)/one-\(architecture):app"
            ])
            try Processes.tool(["umoci", "unpack", "--image", "\(work.path)/one-\(architecture):app", bundle])
            #expect(try String(contentsOfFile: bundle + "/rootfs/arch.txt", encoding: .utf8) == "\(architecture)\n")
            #expect(FileManager.default.fileExists(atPath: bundle + "/rootfs/a-\(architecture).txt"))
        }

        // `push` of the stored index to another name sends the same index.
        let mirror = "\(registry.address)/mirror/app:2"
        let pushed = try Processes.swiftbuild(["push", "-q", app, mirror, "--root", store])
        #expect(pushed.status == 0, "\(pushed.standardError)")
        #expect(pushed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == indexDigest)
        let mirrored = try Processes.tool(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(mirror)"])
        #expect(mirrored == raw)
    }
}
