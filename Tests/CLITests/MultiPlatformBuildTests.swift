import Foundation
import Testing

/// `build --platform P1,P2`: the graph built once per platform into an OCI image index,
/// checked with skopeo, oci-image-tool and the outputs' own files. The base is an index
/// assembled here (one image per architecture holding `/arch.txt`), and the Dockerfiles
/// have no RUN, so nothing foreign is executed.
@Suite(
    "Multi-platform builds",
    .enabled(if: ExternalTool.isRoot, "COPY needs root for overlay mounts"))
struct MultiPlatformBuildTests {
    static let architectures = ["amd64", "arm64"]
    let work: URL
    let store: URL
    let context: URL

    /// A store holding `multi:latest`, an index of a linux/amd64 and a linux/arm64 image
    /// (each one layer with `/arch.txt`), and a context whose Dockerfile has a
    /// `$BUILDPLATFORM` stage and a target-platform stage.
    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        context = work.appendingPathComponent("context")
        let layout = work.appendingPathComponent("multi-layout")
        try Self.writeMultiPlatformLayout(at: layout, work: work)
        let loaded = try SwiftBuildProcess.run(["load", "-i", layout.path, "--root", store.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(
            """
            FROM --platform=$BUILDPLATFORM scratch AS tools
            ARG TARGETARCH
            COPY tool.txt /tool.txt
            FROM multi
            ARG TARGETPLATFORM
            ARG TARGETARCH
            ENV BUILT_FOR=$TARGETPLATFORM
            COPY --from=tools /tool.txt /tool.txt
            COPY a.txt /a-$TARGETARCH.txt

            """.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        try Data("tool\n".utf8).write(to: context.appendingPathComponent("tool.txt"))
        try Data("a\n".utf8).write(to: context.appendingPathComponent("a.txt"))
    }

    /// Writes an OCI layout whose `multi` is an index of one image per architecture, each
    /// a single layer holding `/arch.txt` with the architecture's name.
    static func writeMultiPlatformLayout(at layout: URL, work: URL) throws {
        let blobs = layout.appendingPathComponent("blobs/sha256")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        func store(_ data: Data) throws -> (digest: String, size: Int) {
            let staged = blobs.appendingPathComponent("staged")
            try data.write(to: staged)
            let hex = String(try ExternalTool.run(["sha256sum", staged.path]).prefix(64))
            try FileManager.default.moveItem(at: staged, to: blobs.appendingPathComponent(hex))
            return ("sha256:" + hex, data.count)
        }
        func json(_ object: Any) throws -> Data { try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) }
        var manifests: [[String: Any]] = []
        for architecture in architectures {
            let root = work.appendingPathComponent("root-\(architecture)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try Data("\(architecture)\n".utf8).write(to: root.appendingPathComponent("arch.txt"))
            let tarPath = work.appendingPathComponent("layer-\(architecture).tar").path
            try ExternalTool.run(["tar", "--owner=0", "--group=0", "--mtime=@0", "-C", root.path, "-cf", tarPath, "arch.txt"])
            let layer = try store(try Data(contentsOf: URL(fileURLWithPath: tarPath)))
            let config = try store(
                try json([
                    "architecture": architecture, "os": "linux", "config": ["Env": ["PATH=/bin"]],
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
            try json(["schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests]))
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

    /// Validates an OCI layout whose `name` is an index with oci-image-tool: the layout,
    /// then the index, each manifest and each config by their own schemas (the tool's
    /// layout check does not descend into a nested index).
    static func validate(layout: String, name: String) throws {
        try ExternalTool.run(["oci-image-tool", "validate", "--type", "image", "--ref", "name=\(name)", layout])
        let top = try json(try String(contentsOfFile: layout + "/index.json", encoding: .utf8))
        let entry = try #require(
            (top["manifests"] as? [[String: Any]])?.first {
                ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == name
            })
        func blob(_ descriptor: [String: Any]) throws -> String {
            layout + "/blobs/sha256/" + String((descriptor["digest"] as? String ?? "").dropFirst(7))
        }
        #expect(entry["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        try ExternalTool.run(["oci-image-tool", "validate", "--type", "imageIndex", try blob(entry)])
        let index = try json(try String(contentsOfFile: try blob(entry), encoding: .utf8))
        for manifest in index["manifests"] as? [[String: Any]] ?? [] {
            try ExternalTool.run(["oci-image-tool", "validate", "--type", "manifest", try blob(manifest)])
            let document = try json(try String(contentsOfFile: try blob(manifest), encoding: .utf8))
            try ExternalTool.run([
                "oci-image-tool", "validate", "--type", "config", try blob(try #require(document["config"] as? [String: Any]))
            ])
        }
    }

    func swiftbuild(_ arguments: [String]) throws -> SwiftBuildProcess.Result {
        try SwiftBuildProcess.run(arguments + ["--root", store.path])
    }

    func build(_ arguments: [String], dockerfile: String? = nil) throws -> SwiftBuildProcess.Result {
        if let dockerfile { try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile")) }
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    func path(_ name: String) -> String { work.appendingPathComponent(name).path }

    func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The steps of a plain progress log that were cache hits, as `[stage step/total] instruction`.
    static func cachedSteps(_ log: String) -> Set<String> {
        var headers: [String: String] = [:]
        var cached = Set<String>()
        for line in log.split(separator: "\n").map(String.init) where line.hasPrefix("#") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let number = String(line[..<space]), rest = String(line[line.index(after: space)...])
            if rest.hasPrefix("[") {
                headers[number] = rest
            } else if rest == "CACHED", let header = headers[number] {
                cached.insert(header)
            }
        }
        return cached
    }

    @Test func anIndexWithOneImagePerPlatformInTheStoreAndEveryOutput() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let metadata = path("metadata.json")
        let result = try build([
            "--platform", "linux/amd64,linux/arm64", "-t", "app", "--metadata-file", metadata,
            "--output", "type=local,dest=\(path("local"))", "--output", "type=tar,dest=\(path("rootfs.tar"))",
            "--output", "type=oci,dest=\(path("oci-dir")),tar=false", "--output", "type=oci,dest=\(path("app.oci.tar"))",
            "--output", "type=docker,dest=\(path("app.docker.tar"))"
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let indexDigest = result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        // The tag names the index; skopeo reads it and each platform's image.
        let raw = try json(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(store.path):app:latest"]))
        #expect(raw["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        let entries = try #require(raw["manifests"] as? [[String: Any]])
        #expect(entries.map { ($0["platform"] as? [String: Any])?["architecture"] as? String } == ["amd64", "arm64"])
        #expect(entries.allSatisfy { ($0["platform"] as? [String: Any])?["os"] as? String == "linux" })
        for architecture in Self.architectures {
            let config = try json(
                try ExternalTool.run([
                    "skopeo", "--override-arch", architecture, "inspect", "--config", "oci:\(store.path):app:latest"
                ]))
            #expect(config["architecture"] as? String == architecture)
            let env = (config["config"] as? [String: Any])?["Env"] as? [String] ?? []
            #expect(env.contains("BUILT_FOR=linux/\(architecture)"), "\(env)")
        }
        let metadataJSON = try json(try text(metadata))
        #expect(metadataJSON["containerimage.digest"] as? String == indexDigest)
        #expect(
            (metadataJSON["containerimage.descriptor"] as? [String: Any])?["mediaType"] as? String
                == "application/vnd.oci.image.index.v1+json")

        // Each platform's files: the base picked from the index, the per-platform ARGs.
        for architecture in Self.architectures {
            let root = path("local/linux_\(architecture)")
            #expect(try text(root + "/arch.txt") == "\(architecture)\n")
            #expect(try text(root + "/a-\(architecture).txt") == "a\n")
            #expect(try text(root + "/tool.txt") == "tool\n")
        }
        let listing = try ExternalTool.run(["tar", "-tf", path("rootfs.tar")])
        #expect(listing.contains("linux_amd64/arch.txt") && listing.contains("linux_arm64/a-arm64.txt"), "\(listing)")

        // The OCI outputs are valid layouts with the whole index; skopeo copies every platform.
        try Self.validate(layout: path("oci-dir"), name: "app:latest")
        let archived = try json(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci-archive:\(path("app.oci.tar")):app:latest"]))
        #expect(archived["manifests"] as? [[String: Any]] != nil && (archived["manifests"] as? [[String: Any]])?.count == 2)
        try ExternalTool.run(["skopeo", "copy", "--all", "oci:\(path("oci-dir")):app:latest", "oci:\(path("copied")):app"])
        try Self.validate(layout: path("copied"), name: "app")
        let copied = try json(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(path("copied")):app"]))
        #expect((copied["manifests"] as? [[String: Any]])?.count == 2)
        let dockerManifest = try ExternalTool.run(["tar", "-xOf", path("app.docker.tar"), "manifest.json"])
        let dockerEntries = try JSONSerialization.jsonObject(with: Data(dockerManifest.utf8)) as? [[String: Any]] ?? []
        #expect(dockerEntries.count == 2)

        // `images`, `inspect` and `save` show and write the index.
        let images = try swiftbuild(["images"]).standardOutput
        #expect(images.contains("linux/amd64,linux/arm64"), "\(images)")
        let inspected = try json(try swiftbuild(["inspect", "app"]).standardOutput)
        let platforms = (inspected["images"] as? [[String: Any]] ?? []).map {
            (($0["descriptor"] as? [String: Any])?["platform"] as? [String: Any])?["architecture"] as? String
        }
        #expect(platforms == ["amd64", "arm64"])
        let saved = try swiftbuild(["save", "app", "-o", path("saved.tar")])
        #expect(saved.status == 0, "\(saved.standardError)")
        let savedIndex = try json(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci-archive:\(path("saved.tar"))"]))
        #expect((savedIndex["manifests"] as? [[String: Any]])?.count == 2)
    }

    @Test func buildPlatformStagesAreSharedAndNothingElse() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let first = try build(["--platform", "linux/amd64,linux/arm64", "-t", "app"])
        #expect(first.status == 0, "\(first.standardError)")
        let cached = Self.cachedSteps(first.standardError)
        // The $BUILDPLATFORM stage's COPY ran for amd64 and is a cache hit for arm64 ...
        #expect(cached.contains("[linux/arm64 tools 2/2] COPY tool.txt /tool.txt"), "\(first.standardError)")
        #expect(!cached.contains("[linux/amd64 tools 2/2] COPY tool.txt /tool.txt"), "\(first.standardError)")
        // ... while the arm64 image's own COPY steps ran: their keys have the arm64 base.
        #expect(first.standardError.contains("[linux/arm64 stage-1 5/5] COPY a.txt /a-$TARGETARCH.txt"), "\(first.standardError)")
        #expect(!cached.contains { $0.hasPrefix("[linux/arm64 stage-1") && $0.contains("COPY") }, "\(first.standardError)")
        #expect(!cached.contains { $0.hasPrefix("[linux/amd64 stage-1") && $0.contains("COPY") }, "\(first.standardError)")

        // An unchanged rebuild has every COPY of both platforms from the cache, and the same index.
        let again = try build(["--platform", "linux/amd64,linux/arm64", "-t", "again"])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardOutput == first.standardOutput)
        #expect(Self.cachedSteps(again.standardError).filter { $0.contains("COPY") }.count == 6, "\(again.standardError)")

        // One platform alone is a plain manifest, as before.
        let single = try build(["--platform", "linux/arm64", "-t", "single"])
        #expect(single.status == 0, "\(single.standardError)")
        let raw = try json(try ExternalTool.run(["skopeo", "inspect", "--raw", "oci:\(store.path):single:latest"]))
        #expect(raw["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        let inspected = try json(try swiftbuild(["inspect", "app"]).standardOutput)
        let arm = (inspected["images"] as? [[String: Any]] ?? []).first {
            (($0["descriptor"] as? [String: Any])?["platform"] as? [String: Any])?["architecture"] as? String == "arm64"
        }
        #expect(((arm?["descriptor"] as? [String: Any])?["digest"] as? String).map { single.standardOutput.hasPrefix($0) } == true)
    }

    @Test func aBaseWithoutThePlatformIsALocatedError() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(["--platform", "linux/amd64,linux/s390x", "-t", "app"])
        #expect(result.status != 0)
        #expect(
            result.standardError.contains(
                "Dockerfile:4: FROM multi: image 'multi:latest' has no linux/s390x image (it has: linux/amd64, linux/arm64)"),
            "\(result.standardError)")
        #expect(try swiftbuild(["inspect", "app"]).status != 0)

        // An index loaded without its arm64 image lists arm64 but cannot give it: the
        // build asks the registry (none here has it) and says so at the FROM.
        let partial = path("partial-layout")
        try Self.writeMultiPlatformLayout(at: URL(fileURLWithPath: partial), work: work.appendingPathComponent("partial"))
        let top = try json(try text(partial + "/index.json"))
        let indexDigest = try #require((top["manifests"] as? [[String: Any]])?.first?["digest"] as? String)
        let index = try json(try text(partial + "/blobs/sha256/" + indexDigest.dropFirst(7)))
        let armDigest = try #require((index["manifests"] as? [[String: Any]])?.last?["digest"] as? String)
        try FileManager.default.removeItem(atPath: partial + "/blobs/sha256/" + armDigest.dropFirst(7))
        #expect(try swiftbuild(["rmi", "multi"]).status == 0)
        #expect(try swiftbuild(["prune"]).status == 0)
        let loaded = try swiftbuild(["load", "-i", partial])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(try swiftbuild(["images"]).standardOutput.contains(" linux/amd64\n"))
        let absent = try build(["--platform", "linux/amd64,linux/arm64", "-t", "app"])
        #expect(absent.status != 0)
        #expect(
            absent.standardError.contains(
                "Dockerfile:4: FROM multi: image 'multi' has no linux/arm64 image in the store, and pulling it failed"),
            "\(absent.standardError)")
    }

    @Test func anArchiveBaseGivesEachPlatformItsImage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let archive = path("multi.oci.tar")
        try ExternalTool.run(["tar", "-cf", archive, "-C", path("multi-layout"), "."])
        let dockerfile = "FROM oci-archive:\(archive):multi\nCOPY a.txt /a.txt\n"
        let out = path("local")
        let result = try build(
            ["--platform", "linux/arm64,linux/amd64", "-t", "from-archive", "--output", "type=local,dest=\(out)"],
            dockerfile: dockerfile)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try text(out + "/linux_arm64/arch.txt") == "arm64\n")
        #expect(try text(out + "/linux_amd64/arch.txt") == "amd64\n")
        // The ELF check ran for each platform's image.
        #expect(result.standardError.components(separatedBy: "ELF check:").count == 3, "\(result.standardError)")

        let missing = try build(["--platform", "linux/amd64,linux/riscv64", "-t", "nothing"], dockerfile: dockerfile)
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("Dockerfile:1: FROM oci-archive:"), "\(missing.standardError)")
        #expect(
            missing.standardError.contains("has no manifest for linux/riscv64 (platforms: linux/amd64, linux/arm64)"),
            "\(missing.standardError)")
        #expect(try swiftbuild(["inspect", "nothing"]).status != 0)

        let bad = try build(["--platform", "linux/amd64,arm64", "-t", "nothing"], dockerfile: dockerfile)
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("--platform arm64: expected os/arch[/variant], e.g. linux/amd64"), "\(bad.standardError)")
    }

    @Test func theBuildChecksRunForEachPlatform() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let arm = try build(["--platform", "linux/arm64", "-t", "armonly"], dockerfile: "FROM scratch\nCOPY a.txt /a.txt\n")
        #expect(arm.status == 0, "\(arm.standardError)")
        try Data("FROM armonly\nCOPY a.txt /b.txt\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let alone = try build(["--check", "--platform", "linux/arm64"])
        #expect(alone.status == 0, "\(alone.standardOutput)")
        // The amd64 build's base is arm64's: reported once, for the platform it concerns.
        let both = try build(["--check", "--platform", "linux/arm64,linux/amd64"])
        #expect(both.status == 1)
        #expect(both.standardOutput.components(separatedBy: "WARNING: InvalidBaseImagePlatform").count == 2, "\(both.standardOutput)")
        #expect(both.standardOutput.contains("expected \"linux/amd64\" for current build"), "\(both.standardOutput)")
    }

    @Test func scratchImagesTakeEachPlatform() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            ["--platform", "linux/arm64,linux/amd64,linux/arm/v7", "-t", "scratchy"],
            dockerfile: "FROM scratch\nARG TARGETVARIANT\nCOPY a.txt /a-${TARGETVARIANT:-none}.txt\n")
        #expect(result.status == 0, "\(result.standardError)")
        let inspected = try json(try swiftbuild(["inspect", "scratchy"]).standardOutput)
        let images = inspected["images"] as? [[String: Any]] ?? []
        let configs = images.map { $0["config"] as? [String: Any] ?? [:] }
        #expect(configs.map { $0["architecture"] as? String } == ["arm64", "amd64", "arm"])
        #expect(configs.map { $0["variant"] as? String } == [nil, nil, "v7"])
        let platforms = images.map { ($0["descriptor"] as? [String: Any])?["platform"] as? [String: Any] ?? [:] }
        #expect(platforms.map { $0["architecture"] as? String } == ["arm64", "amd64", "arm"])
        let out = path("local")
        let exported = try build(
            ["--platform", "linux/arm64,linux/amd64,linux/arm/v7", "--output", "type=local,dest=\(out)"])
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(FileManager.default.fileExists(atPath: out + "/linux_arm_v7/a-v7.txt"))
        #expect(FileManager.default.fileExists(atPath: out + "/linux_amd64/a-none.txt"))
    }
}
