import Foundation
import Synchronization
import Testing

/// `load`, `save`, `images`, `tag`, `rmi`, `inspect`, `prune` against real OCI tools.
@Suite("Image import and export", .enabled(if: ExternalTool.isRoot, "needs root to unpack layers with their owners"))
struct ImageTransferTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
    }

    func swiftbuild(_ arguments: [String]) throws -> SwiftBuildProcess.Result {
        try SwiftBuildProcess.run(arguments + ["--root", store.path])
    }

    /// Runs swiftbuild and requires success.
    @discardableResult
    func succeed(_ arguments: [String]) throws -> String {
        let result = try swiftbuild(arguments)
        #expect(result.status == 0, "swiftbuild \(arguments.joined(separator: " ")): \(result.standardError)")
        return result.standardOutput
    }

    func unpack(_ image: String, into name: String) throws -> [String: String] {
        let bundle = work.appendingPathComponent(name)
        try ExternalTool.run(["umoci", "unpack", "--image", image, bundle.path])
        return try TreeListing.of(bundle.appendingPathComponent("rootfs"))
    }

    @Test func roundTripsThroughEveryFormat() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let layout = try BusyboxFixture.makeLayout(in: work)
        let original = try unpack("\(layout.path):busybox", into: "original")
        #expect(original["etc/motd"]?.hasPrefix("f 0640 1000:1000") == true)
        #expect(original["usr/local/bin/tool"]?.hasPrefix("f 04755 0:0") == true)

        // In: an OCI layout, an OCI archive, and a docker archive written by skopeo.
        #expect(try succeed(["load", "-i", layout.path]) == "Loaded image: busybox:latest\n")
        let ociArchive = work.appendingPathComponent("in-oci.tar")
        try ExternalTool.run(["tar", "-cf", ociArchive.path, "-C", layout.path, "."])
        #expect(try succeed(["load", "-i", ociArchive.path]) == "Loaded image: busybox:latest\n")
        let dockerArchive = work.appendingPathComponent("in-docker.tar")
        try ExternalTool.run([
            "skopeo", "copy", "oci:\(layout.path):busybox", "docker-archive:\(dockerArchive.path):example.com/team/busybox:1.0"
        ])
        #expect(try succeed(["load", "-i", dockerArchive.path]) == "Loaded image: example.com/team/busybox:1.0\n")

        // The store itself is an OCI layout that skopeo and umoci read.
        #expect(try unpack("\(store.path):busybox:latest", into: "from-store") == original)
        #expect(try unpack("\(store.path):example.com/team/busybox:1.0", into: "from-docker") == original)
        let inspected = try ExternalTool.run(["skopeo", "inspect", "oci:\(store.path):busybox:latest"])
        #expect(inspected.contains("\"Architecture\": \"amd64\""))

        // Out: each format, checked by the tools that consume it.
        let outLayout = work.appendingPathComponent("out-layout")
        try succeed(["save", "busybox", "-o", outLayout.path, "--format", "oci-dir"])
        try ExternalTool.run(["oci-image-tool", "validate", "--type", "image", "--ref", "name=busybox:latest", outLayout.path])
        #expect(try unpack("\(outLayout.path):busybox:latest", into: "from-oci-dir") == original)

        let outArchive = work.appendingPathComponent("out-oci.tar")
        try succeed(["save", "busybox:latest", "-o", outArchive.path])
        try ExternalTool.run(["skopeo", "inspect", "oci-archive:\(outArchive.path):busybox:latest"])
        let extracted = work.appendingPathComponent("out-oci-extracted")
        try FileManager.default.createDirectory(at: extracted, withIntermediateDirectories: true)
        try ExternalTool.run(["tar", "-xf", outArchive.path, "-C", extracted.path])
        // oci-image-tool cannot walk tar files (not even umoci's), so it validates the extracted layout.
        try ExternalTool.run(["oci-image-tool", "validate", "--type", "image", "--ref", "name=busybox:latest", extracted.path])
        #expect(try unpack("\(extracted.path):busybox:latest", into: "from-oci-archive") == original)

        let outDocker = work.appendingPathComponent("out-docker.tar")
        try succeed(["save", "example.com/team/busybox:1.0", "-o", outDocker.path, "--format", "docker-archive"])
        try ExternalTool.run(["skopeo", "inspect", "docker-archive:\(outDocker.path)"])
        // podman wants a run root of under 50 characters, so it gets a short directory of its own.
        let podmanRoot = URL(fileURLWithPath: "/tmp/sbp-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: podmanRoot) }
        let podman = [
            "podman", "--root", podmanRoot.appendingPathComponent("root").path,
            "--runroot", podmanRoot.appendingPathComponent("run").path, "--storage-driver", "vfs"
        ]
        defer { _ = try? ExternalTool.run(podman + ["system", "reset", "--force"]) }
        let loaded = try ExternalTool.run(podman + ["load", "-i", outDocker.path])
        #expect(loaded.contains("example.com/team/busybox:1.0"))
        let ran = try ExternalTool.run(
            podman + [
                "--runtime", "runc", "run", "--rm", "--network", "none",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                "example.com/team/busybox:1.0",
                "sh", "-c", "cat /etc/motd; stat -c '%a %u:%g' /etc/motd /usr/local/bin/tool /tmp"
            ])
        #expect(ran == "hello from busybox\n640 1000:1000\n4755 0:0\n1777 0:0\n")

        // Saved archives load back into a fresh store as the same image.
        let images = try succeed(["images", "--format", "json"])
        #expect(images.contains("\"name\" : \"busybox:latest\""))
        #expect(images.contains("\"name\" : \"example.com/team/busybox:1.0\""))
    }

    @Test func tagRemoveInspectAndPrune() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let layout = try BusyboxFixture.makeLayout(in: work)
        try succeed(["load", "-i", layout.path])
        try succeed(["tag", "busybox", "mirror/busybox:stable"])
        let table = try succeed(["images"])
        #expect(table.contains("busybox:latest"))
        #expect(table.contains("mirror/busybox:stable"))

        let details = try json(try succeed(["inspect", "mirror/busybox:stable"]))
        let config = try #require(details["config"] as? [String: Any])
        #expect(((config["config"] as? [String: Any])?["Cmd"] as? [String]) == ["/bin/sh"])
        #expect(((config["rootfs"] as? [String: Any])?["diff_ids"] as? [String])?.count == 1)

        let badName = try swiftbuild(["tag", "mirror/busybox:stable", "Bad Name"])
        #expect(badName.status == 1)
        #expect(badName.standardError.hasPrefix("invalid image name 'Bad Name'"))
        #expect(try succeed(["rmi", "busybox"]) == "Untagged: busybox:latest\n")
        #expect(try succeed(["prune"]).hasPrefix("Removed 0 blobs, 0 snapshots"))
        try succeed(["rmi", "mirror/busybox:stable"])
        let pruned = try succeed(["prune"])
        #expect(pruned.hasPrefix("Removed 3 blobs, 1 snapshots"))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("blobs/sha256").path)
        #expect(blobs.isEmpty)

        let missing = try swiftbuild(["inspect", "busybox"])
        #expect(missing.status == 1)
        #expect(missing.standardError == "image 'busybox:latest' is not in the store (see `swiftbuild images`)\n")
    }

    @Test func unnamedImagesAreReachedByID() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let layout = try BusyboxFixture.makeLayout(in: work)
        try ExternalTool.run([
            "python3", "-c",
            """
            import json, sys
            path = sys.argv[1] + "/index.json"
            index = json.load(open(path))
            for entry in index["manifests"]: entry.pop("annotations", None)
            json.dump(index, open(path, "w"))
            """, layout.path
        ])
        let loaded = try succeed(["load", "-i", layout.path])
        #expect(loaded.hasPrefix("Loaded image: sha256:"))
        let digest = String(loaded.dropFirst("Loaded image: ".count).dropLast())
        let shortID = String(digest.dropFirst("sha256:".count).prefix(12))
        #expect(try succeed(["images"]).contains("<none>   \(shortID)"))
        #expect(try json(try succeed(["inspect", shortID]))["descriptor"] != nil)
        try succeed(["save", digest, "-o", work.appendingPathComponent("unnamed.tar").path])
        #expect(try succeed(["rmi", shortID]) == "Untagged: \(digest)\n")
        #expect(try succeed(["prune"]).hasPrefix("Removed 3 blobs, 1 snapshots"))
    }

    @Test func aBrokenImageIsListedAndCanBeRemoved() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let layout = try BusyboxFixture.makeLayout(in: work)
        try succeed(["load", "-i", layout.path])
        let config = try json(try succeed(["inspect", "busybox"]))
        let configDigest = try #require(((config["manifest"] as? [String: Any])?["config"] as? [String: Any])?["digest"] as? String)
        try FileManager.default.removeItem(at: store.appendingPathComponent("blobs/sha256/\(configDigest.dropFirst(7))"))
        let listing = try succeed(["images"])
        #expect(listing.contains("busybox:latest"))
        #expect(listing.contains("broken: blob \(configDigest) is missing"))
        try succeed(["rmi", "busybox"])
        #expect(try succeed(["prune"]).hasPrefix("Removed 2 blobs, 1 snapshots"))
    }

    /// Loads, tags and prunes from several processes at once leave a consistent store:
    /// every name points at an image whose blobs and snapshots are all there.
    @Test func processesShareAStore() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let layout = try BusyboxFixture.makeLayout(in: work)
        try succeed(["load", "-i", layout.path])
        let arguments: [[String]] = (0..<12).map { index in
            switch index % 3 {
            case 0: return ["load", "-i", layout.path]
            case 1: return ["tag", "busybox", "copy/busybox:\(index)"]
            default: return ["prune"]
            }
        }
        let statuses = Mutex([Int32](repeating: -1, count: arguments.count))
        DispatchQueue.concurrentPerform(iterations: arguments.count) { index in
            let status = (try? swiftbuild(arguments[index]).status) ?? -2
            statuses.withLock { $0[index] = status }
        }
        #expect(statuses.withLock { $0 }.allSatisfy { $0 == 0 })
        let images = try json(#"{"images":"# + (try succeed(["images", "--format", "json"])) + "}")["images"] as? [[String: Any]] ?? []
        #expect(images.count == 5)
        for image in images {
            #expect(image["problem"] == nil, "\(image)")
            let name = try #require(image["name"] as? String)
            let bundle = work.appendingPathComponent("shared-\(UUID().uuidString.prefix(6))")
            try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(name)", bundle.path])
        }
    }
}
