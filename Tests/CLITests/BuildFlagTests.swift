import Foundation
import Testing

/// The `docker build` flags CI pipelines pass: `--label`, `--annotation`,
/// `--metadata-file`, and the `ERROR: failed to solve:` line log parsers look for.
@Suite("docker build's CI flags", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct BuildFlagTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }

    init() throws {
        workspace = try BuildWorkspace(busybox: false)
        try Data("x\n".utf8).write(to: context.appendingPathComponent("file"))
    }

    func build(_ dockerfile: String, _ arguments: [String]) throws -> SwiftBuildProcess.Result {
        try workspace.build(dockerfile, arguments)
    }

    @Test func labelsAnnotationsAndMetadata() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let metadata = work.appendingPathComponent("metadata.json")
        let result = try build(
            """
            FROM scratch
            LABEL stage=dockerfile org.opencontainers.image.revision=old
            COPY file /file
            """,
            [
                "-t", "app:1", "--label", "org.opencontainers.image.revision=abc123", "--label", "empty=",
                "--annotation", "org.opencontainers.image.source=https://example.com/app",
                "--annotation", "manifest:com.example.note=a=b", "--metadata-file", metadata.path
            ])
        #expect(result.status == 0, "\(result.standardError)")
        let imageID = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        let config = try json(ExternalTool.run(["skopeo", "inspect", "--config", "oci:\(store.path):app:1"]))
        let labels = (config["config"] as? [String: Any])?["Labels"] as? [String: String]
        #expect(labels == ["stage": "dockerfile", "org.opencontainers.image.revision": "abc123", "empty": ""])

        let rawManifest = try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(store.path):app:1"])
        let manifest = try json(rawManifest)
        #expect(
            manifest["annotations"] as? [String: String] == [
                "org.opencontainers.image.source": "https://example.com/app", "com.example.note": "a=b"
            ])

        let document = try json(String(contentsOf: metadata, encoding: .utf8))
        #expect(document["containerimage.digest"] as? String == imageID)
        #expect(document["image.name"] as? String == "docker.io/library/app:1")
        let configDigest = (manifest["config"] as? [String: Any])?["digest"] as? String
        #expect(document["containerimage.config.digest"] as? String == configDigest)
        let descriptor = document["containerimage.descriptor"] as? [String: Any]
        #expect(descriptor?["digest"] as? String == imageID)
        #expect(descriptor?["size"] as? Int == rawManifest.utf8.count)
    }

    @Test func indexAnnotationsNeedAnIndex() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM scratch\nCOPY file /file\n", ["--annotation", "index:a=b"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("index annotations need an image index"), "\(result.standardError)")
    }

    @Test func failedBuildEndsWithTheSolveErrorLine() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM scratch\nCOPY missing /missing\n", [])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        let located = context.appendingPathComponent("Dockerfile").path + ":2: COPY missing /missing: "
        #expect(lines.contains { $0.hasPrefix(located) }, "\(result.standardError)")
        #expect(lines.last?.hasPrefix("ERROR: failed to solve: " + located) == true, "\(result.standardError)")
    }

    /// `--add-host` lines follow the sandbox's own in every RUN step's `/etc/hosts` (and
    /// never reach the image); a change of them misses the cache, as in BuildKit.
    @Test func addHostReachesRunSteps() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let dockerfile = "FROM busybox\nRUN cp /etc/hosts /hosts-seen\n"
        let result = try build(dockerfile, ["-t", "hosts:1", "--add-host", "db.internal:10.1.2.3", "--add-host", "six=::1"])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):hosts:1", bundle.path])
        let seen = try String(contentsOf: bundle.appendingPathComponent("rootfs/hosts-seen"), encoding: .utf8)
        #expect(seen.hasSuffix("10.1.2.3\tdb.internal\n::1\tsix\n"), "\(seen)")
        #expect(!FileManager.default.fileExists(atPath: bundle.appendingPathComponent("rootfs/etc/hosts").path))

        let other = try build(dockerfile, ["--add-host", "db.internal:10.9.9.9"])
        #expect(other.status == 0 && !other.standardError.contains("CACHED"), "\(other.standardError)")
        let bad = try build(dockerfile, ["--add-host", "db.internal:not-an-ip"])
        #expect(bad.status != 0 && bad.standardError.contains("not an IPv4 or IPv6 address"), "\(bad.standardError)")
    }

    /// `--ulimit` and `--shm-size` reach RUN steps as docker's do.
    @Test func ulimitAndShmSizeReachRunSteps() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let dockerfile = """
            FROM busybox
            RUN echo "$(ulimit -Sn) $(ulimit -Hn) $(df -k /dev/shm | tail -n 1 | awk '{print $2}')" > /seen
            """
        let result = try build(dockerfile, ["-t", "limits:1", "--ulimit", "nofile=1024:2048", "--shm-size", "32m"])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):limits:1", bundle.path])
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/seen"), encoding: .utf8) == "1024 2048 32768\n")

        let bad = try build(dockerfile, ["--ulimit", "files=10"])
        #expect(bad.status != 0 && bad.standardError.contains("--ulimit files=10: expected NAME=SOFT[:HARD]"), "\(bad.standardError)")
        let inverted = try build(dockerfile, ["--ulimit", "nofile=20:10"])
        #expect(inverted.status != 0 && inverted.standardError.contains("above the hard limit"), "\(inverted.standardError)")
    }
}
