import Foundation
import Testing

/// `--output ...,compression=gzip|zstd|uncompressed,compression-level=N,force-compression=true`
/// (BuildKit's names): what the layers become, judged by the tools that read them (skopeo,
/// umoci, podman with runc), and the usage errors of bad values.
@Suite("Layer compression options", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct LayerCompressionTests {
    let space: BuildWorkspace

    init() throws {
        space = try BuildWorkspace(busybox: true)
    }

    static let dockerfile = "FROM busybox\nRUN echo compressed > /marker\n"

    /// The manifest of the image named `name` in an OCI archive, through skopeo.
    func manifest(ofArchive archive: String, name: String) throws -> [String: Any] {
        let raw = try ExternalTool.run(["skopeo", "inspect", "--raw", "oci-archive:\(archive):\(name)"])
        return try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
    }

    func layerList(of manifest: [String: Any]) -> [(mediaType: String, digest: String)] {
        (manifest["layers"] as? [[String: Any]] ?? []).map { ($0["mediaType"] as? String ?? "", $0["digest"] as? String ?? "") }
    }

    /// The first four bytes of the blob `digest` in the OCI layout at `layout`.
    func magic(of digest: String, in layout: URL) throws -> [UInt8] {
        let path = layout.appendingPathComponent("blobs/sha256/\(digest.dropFirst("sha256:".count))")
        return Array(try Data(contentsOf: path).prefix(4))
    }

    func metadata(_ path: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
    }

    @Test func zstdLayersAreReadBySkopeoUmociAndPodman() throws {
        defer { space.remove() }
        let out = space.work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let built = try space.build(
            Self.dockerfile,
            [
                "-t", "zstd-app", "--metadata-file", out.appendingPathComponent("zstd.json").path,
                "-o", "type=oci,dest=\(out.path)/image.tar,compression=zstd",
                "-o", "type=oci,dest=\(out.path)/layout,tar=false", "-o", "type=docker,dest=\(out.path)/docker.tar"
            ])
        #expect(built.status == 0, "\(built.standardError)")

        // The new layer is zstd; busybox's own layer keeps its gzip, as in BuildKit.
        let manifest = try manifest(ofArchive: "\(out.path)/image.tar", name: "zstd-app:latest")
        let layers = layerList(of: manifest)
        #expect(layers.count == 2)
        #expect(layers.last?.mediaType == "application/vnd.oci.image.layer.v1.tar+zstd")
        #expect(layers.first?.mediaType.hasSuffix("gzip") == true)
        let layout = out.appendingPathComponent("layout")
        #expect(try magic(of: try #require(layers.last).digest, in: layout) == [0x28, 0xB5, 0x2F, 0xFD])
        #expect(try magic(of: try #require(layers.first).digest, in: layout).prefix(2) == [0x1F, 0x8B])
        // The store holds the same image: its ID is this manifest's digest.
        let stored = try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(space.store.path):zstd-app:latest"])
        #expect(stored == (try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(layout.path):zstd-app:latest"])))

        // skopeo copies it (checking every digest; umoci 0.4.7 of Debian 12 knows no zstd).
        try ExternalTool.run(["skopeo", "copy", "oci-archive:\(out.path)/image.tar:zstd-app:latest", "dir:\(out.path)/dir"])

        // podman loads the docker archive and the OCI archive and runs them with runc.
        let podman = try Podman()
        defer { podman.remove() }
        try podman.load("\(out.path)/docker.tar")
        #expect(try podman.run("zstd-app:latest", "cat", "/marker") == "compressed\n")
        try podman.load("\(out.path)/image.tar")
        #expect(try podman.run("zstd-app:latest", "cat", "/marker") == "compressed\n")

        // Compression changes the manifest, never the config: the same build with gzip
        // (every step cached) has another image ID and the same config digest.
        let gzip = try space.build(Self.dockerfile, ["-t", "gzip-app", "--metadata-file", out.appendingPathComponent("gzip.json").path])
        #expect(gzip.status == 0, "\(gzip.standardError)")
        #expect(gzip.standardError.contains("CACHED"))
        let zstdMetadata = try metadata(out.appendingPathComponent("zstd.json"))
        let gzipMetadata = try metadata(out.appendingPathComponent("gzip.json"))
        #expect(zstdMetadata["containerimage.digest"] as? String != gzipMetadata["containerimage.digest"] as? String)
        #expect(zstdMetadata["containerimage.config.digest"] as? String == gzipMetadata["containerimage.config.digest"] as? String)
        let gzipLayers = layerList(
            of: try #require(
                try JSONSerialization.jsonObject(
                    with: Data(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(space.store.path):gzip-app:latest"]).utf8))
                    as? [String: Any]))
        #expect(
            gzipLayers.map(\.mediaType) == ["application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+gzip"])
    }

    @Test func uncompressedLayersAreTheirOwnDiffIDs() throws {
        defer { space.remove() }
        let archive = space.work.appendingPathComponent("plain.tar").path
        let built = try space.build(Self.dockerfile, ["-t", "plain", "-o", "type=oci,dest=\(archive),compression=uncompressed"])
        #expect(built.status == 0, "\(built.standardError)")
        let layer = try #require(layerList(of: try manifest(ofArchive: archive, name: "plain:latest")).last)
        #expect(layer.mediaType == "application/vnd.oci.image.layer.v1.tar")
        let config = try json(try ExternalTool.run(["skopeo", "inspect", "--config", "oci-archive:\(archive):plain:latest"]))
        let diffIDs = try #require((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
        #expect(diffIDs.last == layer.digest)
        try ExternalTool.run(["skopeo", "copy", "oci-archive:\(archive):plain:latest", "oci:\(space.work.path)/plain-layout:plain"])
        let bundle = space.work.appendingPathComponent("plain-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(space.work.path)/plain-layout:plain", bundle.path])
        #expect(try text("rootfs/marker", in: bundle) == "compressed\n")
    }

    /// `force-compression=true` recompresses busybox's gzip layer into zstd; its diff ID
    /// (the tar inside) stays.
    @Test func forceCompressionRecompressesTheBaseLayers() throws {
        defer { space.remove() }
        let layout = space.work.appendingPathComponent("forced")
        let built = try space.build(
            Self.dockerfile,
            ["-t", "forced", "-o", "type=oci,dest=\(layout.path),tar=false,compression=zstd,compression-level=19,force-compression=true"])
        #expect(built.status == 0, "\(built.standardError)")
        let raw = try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(layout.path):forced:latest"])
        let layers = layerList(of: try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any]))
        #expect(layers.map(\.mediaType) == Array(repeating: "application/vnd.oci.image.layer.v1.tar+zstd", count: 2))
        for layer in layers { #expect(try magic(of: layer.digest, in: layout) == [0x28, 0xB5, 0x2F, 0xFD]) }
        let base = try json(try ExternalTool.run(["skopeo", "inspect", "--config", "oci:\(space.store.path):busybox:latest"]))
        let forced = try json(try ExternalTool.run(["skopeo", "inspect", "--config", "oci:\(layout.path):forced:latest"]))
        let baseDiffIDs = try #require((base["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
        let forcedDiffIDs = try #require((forced["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
        #expect(forcedDiffIDs.first == baseDiffIDs.first)
        try ExternalTool.run([
            "skopeo", "copy", "oci:\(layout.path):forced:latest", "oci-archive:\(space.work.path)/forced.tar:forced:latest"
        ])
        let podman = try Podman()
        defer { podman.remove() }
        try podman.load("\(space.work.path)/forced.tar")
        #expect(try podman.run("forced:latest", "cat", "/marker") == "compressed\n")
        #expect(try podman.run("forced:latest", "busybox", "echo", "base layer read") == "base layer read\n")
    }

    @Test(arguments: [
        ("type=oci,dest=OUT,compression=brotli", "compression=brotli is not supported (gzip, zstd or uncompressed)"),
        ("type=oci,dest=OUT,compression=gzip,compression-level=10", "compression-level=10 is out of range for gzip (0 to 9)"),
        ("type=oci,dest=OUT,compression=zstd,compression-level=0", "compression-level=0 is out of range for zstd (1 to 22)"),
        ("type=oci,dest=OUT,compression-level=fast", "compression-level=fast is not an integer"),
        ("type=docker,dest=OUT,force-compression=maybe", "force-compression=maybe is not a boolean"),
        ("type=local,dest=OUT,compression=zstd", "compression applies to image outputs only"),
        ("type=registry,compression=zstd", "needs a name: -t NAME or name=NAME")
    ])
    func badValuesAreUsageErrors(output: String, message: String) throws {
        defer { space.remove() }
        let spec = output.replacingOccurrences(of: "OUT", with: space.work.appendingPathComponent("out").path)
        let result = try space.build(Self.dockerfile, ["-o", spec])
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: space.work.appendingPathComponent("out").path))
    }

    @Test func outputsThatDisagreeAreRefused() throws {
        defer { space.remove() }
        let result = try space.build(
            Self.dockerfile,
            [
                "-o", "type=oci,dest=\(space.work.path)/a.tar,compression=zstd", "-o",
                "type=docker,dest=\(space.work.path)/b.tar,compression=gzip"
            ])
        #expect(result.status == 64)
        #expect(result.standardError.contains("the outputs name different compressions"), "\(result.standardError)")
    }
}

/// A private podman store (vfs) under /tmp, with its own temporary directory (so tests running
/// at the same time do not share /run/libpod), run with runc and the ulimits this machine needs.
private struct Podman {
    let root = URL(fileURLWithPath: "/tmp/sbz-\(UUID().uuidString.prefix(8))")

    init() throws {}

    var command: [String] {
        [
            "podman", "--root", root.appendingPathComponent("root").path, "--runroot", root.appendingPathComponent("run").path,
            "--tmpdir", root.appendingPathComponent("tmp").path, "--storage-driver", "vfs"
        ]
    }

    func load(_ archive: String) throws {
        try ExternalTool.run(command + ["load", "-i", archive])
    }

    func run(_ image: String, _ arguments: String...) throws -> String {
        try ExternalTool.run(
            command + [
                "--runtime", "runc", "run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                image
            ] + arguments)
    }

    func remove() {
        _ = try? ExternalTool.run(command + ["system", "reset", "--force"])
        try? FileManager.default.removeItem(at: root)
    }
}
