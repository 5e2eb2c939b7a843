import Foundation
import Testing

/// Inputs real builds meet that used to break or hang the builder: identical layers,
/// digest-pinned bases, huge output lines, killed builds, full disks, existing output
/// directories. End to end, as root, on the static-busybox base.
@Suite("Robustness of builds", .enabled(if: ExternalTool.isRoot, "RUN needs root for namespaces and overlay mounts"))
struct RobustnessTests {
    let work: URL
    let store: URL
    /// A file outside the store that no test may touch.
    let sentinel: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        sentinel = work.appendingPathComponent("sentinel")
        try Data("keep".utf8).write(to: sentinel)
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    func cleanUp() {
        #expect((try? String(contentsOf: sentinel, encoding: .utf8)) == "keep")
        try? FileManager.default.removeItem(at: work)
    }

    func build(_ dockerfile: String, arguments: [String] = []) throws -> SwiftBuildProcess.Result {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    /// The config's diff IDs of a stored image.
    func diffIDs(_ image: String) throws -> [String] {
        let result = try SwiftBuildProcess.run(["inspect", "--root", store.path, image])
        #expect(result.status == 0, "\(result.standardError)")
        let details = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let config = details?["config"] as? [String: Any]
        return (config?["rootfs"] as? [String: Any])?["diff_ids"] as? [String] ?? []
    }

    /// The content of `path` in a stored image, read from an umoci unpack.
    func file(_ path: String, in image: String) throws -> String? {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
        return try? String(contentsOf: bundle.appendingPathComponent("rootfs/\(path)"), encoding: .utf8)
    }

    // MARK: Identical layers

    /// Two RUN steps that change nothing but the copied-up `/etc` make the same layer:
    /// the overlay of the next step gets that snapshot once, not twice (ELOOP). (The first
    /// RUN also leaves the `/proc`, `/sys` and `/dev` it made, as runc does, so the two
    /// identical ones come after it.)
    @Test func identicalLayersMount() throws {
        defer { cleanUp() }
        let result = try build("FROM busybox\nRUN true\nRUN true\nRUN true\nRUN echo x > /x\n", arguments: ["-t", "same"])
        #expect(result.status == 0, "\(result.standardError)")
        let layers = try diffIDs("same:latest")
        #expect(layers.count == 5)
        #expect(layers[2] == layers[3], "the second and third RUN true steps should make the same layer")
        #expect(try file("x", in: "same:latest") == "x\n")
    }

    /// Layers A, B, A where B changes the file A writes: the image (and the step after)
    /// must see A's version, so of the two occurrences the upper one is the one kept.
    @Test func theTopmostOccurrenceOfARepeatedLayerWins() throws {
        defer { cleanUp() }
        let stamp = "touch -d '2001-02-03 04:05:06' /f"
        let result = try build(
            """
            FROM busybox
            RUN true
            RUN printf one > /f && \(stamp)
            RUN printf two > /f && \(stamp)
            RUN printf one > /f && \(stamp)
            RUN test "$(cat /f)" = one && echo seen-one > /check
            """, arguments: ["-t", "aba"])
        #expect(result.status == 0, "\(result.standardError)")
        let layers = try diffIDs("aba:latest")
        #expect(layers.count == 6)
        #expect(layers[2] == layers[4], "the steps writing one should make the same layer")
        #expect(layers[2] != layers[3])
        #expect(try file("f", in: "aba:latest") == "one")
        #expect(try file("check", in: "aba:latest") == "seen-one\n")
        // The root filesystem export mounts the same chain.
        let exported = work.appendingPathComponent("exported")
        let export = try build("FROM aba\n", arguments: ["--output", "type=local,dest=\(exported.path)"])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(try String(contentsOf: exported.appendingPathComponent("f"), encoding: .utf8) == "one")
    }

    /// A docker archive whose manifest.json lists one layer file twice (as docker and
    /// podman write images with identical layers) loads, and builds run on it.
    @Test func dockerArchiveWithARepeatedLayerLoads() throws {
        defer { cleanUp() }
        let archive = work.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive.appendingPathComponent("rootfs/bin"), withIntermediateDirectories: true)
        try ExternalTool.run(["cp", "/bin/busybox", archive.appendingPathComponent("rootfs/bin/busybox").path])
        try ExternalTool.run(["ln", "-s", "busybox", archive.appendingPathComponent("rootfs/bin/sh").path])
        try FileManager.default.createDirectory(at: archive.appendingPathComponent("rootfs/etc"), withIntermediateDirectories: true)
        try Data("root:x:0:0:root:/root:/bin/sh\n".utf8).write(to: archive.appendingPathComponent("rootfs/etc/passwd"))
        try ExternalTool.run([
            "tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C",
            archive.appendingPathComponent("rootfs").path, "-cf", archive.appendingPathComponent("layer.tar").path, "bin", "etc"
        ])
        let diffID = "sha256:" + (try ExternalTool.run(["sha256sum", archive.appendingPathComponent("layer.tar").path]).prefix(64))
        let config =
            #"{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["\#(diffID)","\#(diffID)"]}}"#
        try Data(config.utf8).write(to: archive.appendingPathComponent("config.json"))
        let manifest = #"[{"Config":"config.json","RepoTags":["dup:latest"],"Layers":["layer.tar","layer.tar"]}]"#
        try Data(manifest.utf8).write(to: archive.appendingPathComponent("manifest.json"))
        let tar = work.appendingPathComponent("dup.tar")
        try ExternalTool.run(["tar", "-C", archive.path, "-cf", tar.path, "manifest.json", "config.json", "layer.tar"])

        let load = try SwiftBuildProcess.run(["load", "--root", store.path, "-i", tar.path])
        #expect(load.status == 0, "\(load.standardError)")
        #expect(try diffIDs("dup:latest") == [diffID, diffID])
        let result = try build("FROM dup\nRUN echo on-top > /top\n", arguments: ["-t", "dup-child"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try file("top", in: "dup-child:latest") == "on-top\n")
    }

    // MARK: Output

    /// A step that prints a 64 MB line without a newline finishes (reading is linear),
    /// and the display shows the line cut, with how much was left out.
    @Test func aHugeOutputLineIsCutNotHung() throws {
        defer { cleanUp() }
        let size = 64 * 1024 * 1024
        let result = try build("FROM busybox\nRUN head -c \(size) /dev/zero | tr '\\0' a\n")
        #expect(result.status == 0, "\(result.standardError.suffix(2000))")
        #expect(result.standardError.contains("[\(size - 16 * 1024) more bytes of this line not shown]"))
        #expect(result.standardError.utf8.count < 1024 * 1024)

        let failing = try build("FROM busybox\nRUN head -c \(size) /dev/zero | tr '\\0' b; echo; echo last words; exit 3\n")
        #expect(failing.status == 1)
        #expect(failing.standardError.contains("the command exited with status 3"))
        #expect(failing.standardError.contains("    last words"))
        #expect(failing.standardError.utf8.count < 1024 * 1024)
    }

    // MARK: Digest references

    /// `FROM name@sha256:...` and `FROM name:tag@sha256:...` build on the image with that
    /// ID; a digest the store lacks is an error naming it.
    @Test func fromAnImagePinnedToADigest() throws {
        defer { cleanUp() }
        let inspect = try SwiftBuildProcess.run(["inspect", "--root", store.path, "busybox"])
        let details = try JSONSerialization.jsonObject(with: Data(inspect.standardOutput.utf8)) as? [String: Any]
        let digest = try #require((details?["descriptor"] as? [String: Any])?["digest"] as? String)
        for reference in ["busybox@\(digest)", "busybox:latest@\(digest)", "other/name:1.0@\(digest)"] {
            let result = try build("FROM \(reference)\nRUN echo pinned > /pinned\n", arguments: ["-t", "pinned"])
            #expect(result.status == 0, "\(reference): \(result.standardError)")
            #expect(try file("pinned", in: "pinned:latest") == "pinned\n")
        }
        let missing = "busybox@sha256:" + String(repeating: "0", count: 64)
        let result = try build("FROM \(missing)\n")
        #expect(result.status == 1)
        #expect(result.standardError.contains("image '\(missing)' is not in the store"), "\(result.standardError)")
        let malformed = try build("FROM busybox@sha256:abc\n")
        #expect(malformed.status == 1)
        #expect(malformed.standardError.contains("after '@' comes a digest"), "\(malformed.standardError)")
    }

    // MARK: Long chains of stages

    /// 300 stages each FROM the previous, the last also copying from the first: built in
    /// order, the first stage's output kept until its last dependent (the final stage)
    /// starts, and the ENV of the chain reaching the end.
    @Test func aLongChainOfStagesBuilds() throws {
        defer { cleanUp() }
        var text = "FROM busybox AS s0\nRUN echo zero > /zero\n"
        for index in 1..<300 { text += "FROM s\(index - 1) AS s\(index)\nENV N=\(index)\n" }
        text += "FROM s299\nCOPY --from=s0 /zero /copied\nRUN test \"$N\" = 299 && cat /zero > /seen\n"
        let result = try build(text, arguments: ["-t", "chain"])
        #expect(result.status == 0, "\(result.standardError.suffix(2000))")
        #expect(try file("copied", in: "chain:latest") == "zero\n")
        #expect(try file("seen", in: "chain:latest") == "zero\n")
    }

    // MARK: Local output into an existing directory

    /// `--output type=local,dest=DIR` writes into a non-empty DIR as BuildKit does: the
    /// image's entries replace, directories merge, other files stay, and a symlink in DIR
    /// (here to a directory outside) is replaced, never written through.
    @Test func localOutputWritesIntoAnExistingDirectory() throws {
        defer { cleanUp() }
        let destination = work.appendingPathComponent("out")
        let outside = work.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: destination.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: destination.appendingPathComponent("keep.txt"))
        try Data("extra".utf8).write(to: destination.appendingPathComponent("bin/extra"))
        try Data("old".utf8).write(to: destination.appendingPathComponent("new.txt"))
        try Data("a file where the image has a directory".utf8).write(to: destination.appendingPathComponent("tmp"))
        try FileManager.default.createSymbolicLink(at: destination.appendingPathComponent("etc"), withDestinationURL: outside)

        let result = try build("FROM busybox\nRUN echo new > /new.txt\n", arguments: ["--output", "type=local,dest=\(destination.path)"])
        #expect(result.status == 0, "\(result.standardError)")
        let read = { (path: String) in try? String(contentsOf: destination.appendingPathComponent(path), encoding: .utf8) }
        #expect(read("keep.txt") == "mine")
        #expect(read("bin/extra") == "extra")
        #expect(read("new.txt") == "new\n")
        #expect(read("etc/passwd")?.hasPrefix("root:x:0:0:") == true)
        var isDirectory: ObjCBool = false
        #expect(
            FileManager.default.fileExists(atPath: destination.appendingPathComponent("tmp").path, isDirectory: &isDirectory)
                && isDirectory.boolValue)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: destination.appendingPathComponent("etc").path)) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
        #expect(FileManager.default.fileExists(atPath: destination.appendingPathComponent("bin/busybox").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).allSatisfy { !$0.hasPrefix(".swiftbuild-export") })
    }

    // MARK: Debris of killed builds

    /// Entries of the store's `tmp/`.
    func temporaryEntries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path)) ?? []
    }

    /// A build killed with SIGKILL in the middle of a RUN step leaves its work directory;
    /// the next store open removes it (and a snapshot directory without meta.json), but
    /// never the work directory of a build that is still running.
    @Test func aKilledBuildsDebrisIsReclaimedByTheNextOpen() throws {
        defer { cleanUp() }
        let context = work.appendingPathComponent("slow")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=8 && sleep 600\n".utf8)
            .write(to: context.appendingPathComponent("Dockerfile"))
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "--root", store.path, "--progress", "plain", context.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // Wait (up to 5 minutes, not a timed assertion) until the step wrote its file.
        var live: String?
        for _ in 0..<3000 where live == nil {
            live = temporaryEntries().first { name in
                let workDirectory = store.appendingPathComponent("tmp/\(name)")
                let entries = (try? FileManager.default.contentsOfDirectory(atPath: workDirectory.path)) ?? []
                return entries.contains { entry in
                    entry.hasPrefix("snapshot-")
                        && FileManager.default.fileExists(
                            atPath: workDirectory.appendingPathComponent("\(entry)/fs/big").path)
                }
            }
            if live == nil { usleep(100_000) }
        }
        let workDirectory = try #require(live, "the build never reached its RUN step")

        // Another command opens the store meanwhile: the live build's directory stays.
        #expect(try SwiftBuildProcess.run(["images", "--root", store.path]).status == 0)
        #expect(temporaryEntries().contains(workDirectory))

        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(temporaryEntries().contains(workDirectory))
        let stray = store.appendingPathComponent("snapshots/" + String(repeating: "ab", count: 32))
        try FileManager.default.createDirectory(at: stray.appendingPathComponent("fs"), withIntermediateDirectories: true)

        #expect(try SwiftBuildProcess.run(["images", "--root", store.path]).status == 0)
        #expect(temporaryEntries() == [])
        #expect(!FileManager.default.fileExists(atPath: stray.path))
        // The store still builds.
        let result = try build("FROM busybox\nRUN echo after > /after\n")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(temporaryEntries() == [])
    }

    // MARK: A full disk

    /// A load that fills the store's file system fails with a message naming the path,
    /// how much the load had written and that nothing was changed; the store is as it was.
    @Test func aFullDiskIsReportedAndChangesNothing() throws {
        defer { cleanUp() }
        let small = work.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        // This test process runs in a private mount namespace (see BuildTests), so the
        // mount is never visible outside it; it is removed at the end anyway.
        try ExternalTool.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", small.path])
        defer { _ = try? ExternalTool.run(["umount", small.path]) }
        let smallStore = small.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: smallStore)
        let indexBefore = try Data(contentsOf: smallStore.appendingPathComponent("index.json"))

        // A docker archive with a 16 MiB layer of random bytes (as a plain file in a tar).
        let archive = work.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: archive.appendingPathComponent("rootfs"), withIntermediateDirectories: true)
        try ExternalTool.run(["dd", "if=/dev/urandom", "of=\(archive.path)/rootfs/noise", "bs=1M", "count=16", "status=none"])
        try ExternalTool.run([
            "tar", "-C", archive.appendingPathComponent("rootfs").path, "-cf", archive.appendingPathComponent("layer.tar").path, "noise"
        ])
        let diffID = "sha256:" + (try ExternalTool.run(["sha256sum", archive.appendingPathComponent("layer.tar").path]).prefix(64))
        try Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(diffID)"]}}"#.utf8)
            .write(to: archive.appendingPathComponent("config.json"))
        try Data(#"[{"Config":"config.json","RepoTags":["big:latest"],"Layers":["layer.tar"]}]"#.utf8)
            .write(to: archive.appendingPathComponent("manifest.json"))
        let tar = work.appendingPathComponent("big.tar")
        try ExternalTool.run(["tar", "-C", archive.path, "-cf", tar.path, "manifest.json", "config.json", "layer.tar"])

        let load = try SwiftBuildProcess.run(["load", "--root", smallStore.path, "-i", tar.path])
        #expect(load.status == 1)
        #expect(load.standardError.contains("no space left on the device holding \(smallStore.path)/tmp/op-"), "\(load.standardError)")
        #expect(load.standardError.contains("the operation needed more than "))
        #expect(load.standardError.contains("Nothing was changed"))
        #expect(!load.standardError.contains("Unknown error") && !load.standardError.contains("NSCocoaErrorDomain"))
        #expect(try Data(contentsOf: smallStore.appendingPathComponent("index.json")) == indexBefore)
        #expect((try FileManager.default.contentsOfDirectory(atPath: smallStore.appendingPathComponent("tmp").path)) == [])
    }
}

/// Messages for failures outside the Dockerfile: plain words, not the HTTP stack's
/// internal descriptions.
@Suite("Transport and content messages")
struct TransportMessageTests {
    /// Nothing listens on port 1: the message names the registry and says what the system
    /// said, once (it used to nest NIO's `connect(descriptor:addr:size:) (error set): ...`).
    @Test func aRefusedConnectionIsSaidPlainly() throws {
        let store = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: store) }
        let result = try SwiftBuildProcess.run(["pull", "--root", store.path, "127.0.0.1:1/app:latest"])
        #expect(result.status == 1)
        #expect(result.standardError == "registry 127.0.0.1:1: GET manifest latest: Connection refused\n")
    }
}

extension RobustnessTests {
    /// A docker archive whose one layer is `layer` (a file in `directory`), tagged `name`.
    func dockerArchive(named name: String, layerFile: String, diffID: String, in directory: URL) throws -> URL {
        try Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(diffID)"]}}"#.utf8)
            .write(to: directory.appendingPathComponent("config.json"))
        try Data(#"[{"Config":"config.json","RepoTags":["\#(name)"],"Layers":["\#(layerFile)"]}]"#.utf8)
            .write(to: directory.appendingPathComponent("manifest.json"))
        let tar = work.appendingPathComponent("\(UUID().uuidString.prefix(6)).tar")
        try ExternalTool.run(["tar", "-C", directory.path, "-cf", tar.path, "manifest.json", "config.json", layerFile])
        return tar
    }

    /// A gzip layer with bytes after its end is refused (Go's gzip reader, so containerd
    /// and BuildKit, refuse it too), while the same layer without them, or split into two
    /// gzip members, loads.
    @Test func trailingDataAfterAGzipStreamIsRefused() throws {
        defer { cleanUp() }
        let directory = work.appendingPathComponent("gzip")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("rootfs"), withIntermediateDirectories: true)
        try Data("data\n".utf8).write(to: directory.appendingPathComponent("rootfs/file"))
        let layer = directory.appendingPathComponent("layer.tar")
        try ExternalTool.run(["tar", "-C", directory.appendingPathComponent("rootfs").path, "-cf", layer.path, "file"])
        let diffID = "sha256:" + (try ExternalTool.run(["sha256sum", layer.path]).prefix(64))
        let compressed = directory.appendingPathComponent("layer.tar.gz").path
        try ExternalTool.run(["sh", "-c", "gzip -c '\(layer.path)' > '\(compressed)' && printf 'GARBAGE' >> '\(compressed)'"])
        let bad = try dockerArchive(named: "garbage:latest", layerFile: "layer.tar.gz", diffID: diffID, in: directory)
        let refused = try SwiftBuildProcess.run(["load", "--root", store.path, "-i", bad.path])
        #expect(refused.status == 1)
        #expect(
            refused.standardError.contains("7 bytes of trailing data after the end of the compressed stream"), "\(refused.standardError)")
        #expect((try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path)) == [])

        try ExternalTool.run([
            "sh", "-c",
            "head -c 3000 '\(layer.path)' | gzip -c > '\(compressed)' && tail -c +3001 '\(layer.path)' | gzip -c >> '\(compressed)'"
        ])
        let good = try dockerArchive(named: "members:latest", layerFile: "layer.tar.gz", diffID: diffID, in: directory)
        let loaded = try SwiftBuildProcess.run(["load", "--root", store.path, "-i", good.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
    }

    /// An OCI layout whose layer says `tar+zstd` but holds a plain tar is refused, naming
    /// the layer and both compressions.
    @Test func aLayerNotCompressedAsItsMediaTypeSaysIsRefused() throws {
        defer { cleanUp() }
        let layout = work.appendingPathComponent("layout")
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let rootfs = work.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try Data("data\n".utf8).write(to: rootfs.appendingPathComponent("file"))
        let layer = work.appendingPathComponent("layer.tar")
        try ExternalTool.run(["tar", "-C", rootfs.path, "-cf", layer.path, "file"])
        func store(_ data: Data) throws -> (String, Int) {
            let file = work.appendingPathComponent("blob")
            try data.write(to: file)
            let hex = String(try ExternalTool.run(["sha256sum", file.path]).prefix(64))
            try data.write(to: blobs.appendingPathComponent(hex))
            return ("sha256:" + hex, data.count)
        }
        let (layerDigest, layerSize) = try store(try Data(contentsOf: layer))
        let (config, configSize) = try store(
            Data(#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["\#(layerDigest)"]}}"#.utf8))
        let (manifest, manifestSize) = try store(
            Data(
                """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(config)","size":\(configSize)},\
                "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"\(layerDigest)","size":\(layerSize)}]}
                """.utf8))
        try Data(
            """
            {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(manifest)",\
            "size":\(manifestSize),"annotations":{"org.opencontainers.image.ref.name":"liar"}}]}
            """.utf8
        ).write(to: layout.appendingPathComponent("index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: layout.appendingPathComponent("oci-layout"))
        let result = try SwiftBuildProcess.run(["load", "--root", self.store.path, "-i", layout.path])
        #expect(result.status == 1)
        #expect(
            result.standardError.contains(
                "layer \(layerDigest): its media type application/vnd.oci.image.layer.v1.tar+zstd says zstd, but the blob is an uncompressed tar"
            ), "\(result.standardError)")
    }
}
