import Foundation
import OCI
import Testing

/// A stage's platform (`FROM --platform`, else `--platform`) is the one its images are
/// pulled for: from an index with several platforms, FROM and `COPY --from` get that
/// platform's manifest, not the host's.
@Suite(
    "Images pulled for a stage's platform",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct StagePlatformPullTests {
    static let architectures = ["amd64", "arm64"]

    /// Writes an OCI layout whose `multi` is an index of one image per architecture, each
    /// a single layer holding `/arch.txt` with the architecture's name.
    static func writeMultiPlatformLayout(at layout: URL, work: URL) throws {
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        func store(_ data: Data) throws -> (digest: String, size: Int) {
            let digest = Digest.sha256(Array(data))
            try data.write(to: blobs.appendingPathComponent(digest.hex))
            return (digest.description, data.count)
        }
        func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        var manifests: [[String: Any]] = []
        for architecture in architectures {
            let root = work.appendingPathComponent("root-\(architecture)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data("\(architecture)\n".utf8).write(to: root.appendingPathComponent("arch.txt"))
            let tarPath = work.appendingPathComponent("layer-\(architecture).tar").path
            try Processes.tool(["tar", "--owner=0", "--group=0", "-C", root.path, "-cf", tarPath, "arch.txt"])
            let layer = try store(try Data(contentsOf: URL(fileURLWithPath: tarPath)))
            let config = try store(
                try json([
                    "architecture": architecture, "os": "linux", "config": [String: Any](),
                    "rootfs": ["type": "layers", "diff_ids": [layer.digest]]
                ]))
            let manifest = try store(
                try json([
                    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.digest, "size": config.size],
                    "layers": [["mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer.digest, "size": layer.size]]
                ]))
            manifests.append([
                "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest.digest,
                "size": manifest.size, "platform": ["architecture": architecture, "os": "linux"]
            ])
        }
        let index = try store(
            try json([
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests
            ]))
        try json([
            "schemaVersion": 2,
            "manifests": [
                [
                    "mediaType": "application/vnd.oci.image.index.v1+json", "digest": index.digest, "size": index.size,
                    "annotations": ["org.opencontainers.image.ref.name": "multi"]
                ]
            ]
        ]).write(to: layout.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
    }

    /// The two-platform image of ``writeMultiPlatformLayout(at:work:)``, pushed to
    /// `registry` by skopeo as `team/multi:1`; returns its reference.
    static func pushMultiPlatformImage(to registry: RegistryServer, work: URL) throws -> String {
        let layout = work.appendingPathComponent("layout")
        try writeMultiPlatformLayout(at: layout, work: work)
        let image = "\(registry.address)/team/multi:1"
        try Processes.tool(["skopeo", "copy", "--all", "--dest-tls-verify=false", "oci:\(layout.path):multi", "docker://\(image)"])
        return image
    }

    /// Pulling a name for one platform, then for another, moves the name and keeps the
    /// first image unnamed (`<none>`), as docker does: a build whose stages pull one name
    /// for two platforms at once still finds the first by its digest.
    @Test func aPullThatMovesANameKeepsTheImageItNamed() throws {
        let work = try makeTemporaryDirectory()
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let image = try Self.pushMultiPlatformImage(to: registry, work: work)
        let store = work.appendingPathComponent("store").path
        var digests: [String] = []
        for platform in ["linux/arm64", "linux/amd64"] {
            let pulled = try Processes.run(
                Processes.swiftbuildBinary, ["pull", "--root", store, "--quiet", "--platform", platform, image])
            #expect(pulled.status == 0, "\(pulled.standardError)")
            let inspected = try Processes.run(Processes.swiftbuildBinary, ["inspect", "--root", store, image])
            let object = try JSONSerialization.jsonObject(with: Data(inspected.standardOutput.utf8)) as? [String: Any]
            digests.append(try #require((object?["descriptor"] as? [String: Any])?["digest"] as? String, "\(inspected.standardOutput)"))
        }
        #expect(digests[0] != digests[1])
        let first = try Processes.run(Processes.swiftbuildBinary, ["inspect", "--root", store, digests[0]])
        #expect(first.status == 0, "the arm64 image is gone: \(first.standardError)")
        let listed = try Processes.run(Processes.swiftbuildBinary, ["images", "--root", store])
        #expect(listed.standardOutput.contains("<none>"), "\(listed.standardOutput)")
    }

    @Test func fromAndCopyFromTakeTheStagesPlatform() throws {
        let work = try makeTemporaryDirectory()
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let image = try Self.pushMultiPlatformImage(to: registry, work: work)

        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(
            """
            FROM --platform=linux/arm64 \(image) AS arm
            FROM --platform=linux/amd64 \(image) AS amd
            FROM --platform=linux/arm64 scratch
            COPY --from=arm /arch.txt /from-arm
            COPY --from=amd /arch.txt /from-amd
            COPY --from=\(image) /arch.txt /copied

            """.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        let store = work.appendingPathComponent("store").path
        let result = try Processes.run(
            Processes.swiftbuildBinary,
            ["build", "--pull", "--progress", "plain", "--root", store, "-t", "platforms", context.path])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("bundle").path
        try Processes.tool(["umoci", "unpack", "--image", "\(store):platforms:latest", bundle])
        func text(_ name: String) throws -> String { try String(contentsOfFile: bundle + "/rootfs/" + name, encoding: .utf8) }
        #expect(try text("from-arm") == "arm64\n")
        #expect(try text("from-amd") == "amd64\n")
        #expect(try text("copied") == "arm64\n")
    }
}
