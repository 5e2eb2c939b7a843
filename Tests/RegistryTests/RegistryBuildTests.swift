import Foundation
import Testing

/// The build with a registry: FROM pulls what the store lacks, `--push`, and a build cache
/// shared through the registry (`--cache-to`, `--cache-from`) by a store that never built.
@Suite(
    "Building with a registry",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct RegistryBuildTests {
    let work: URL

    init() throws {
        work = try makeTemporaryDirectory()
    }

    func path(_ name: String) -> String { work.appendingPathComponent(name).path }

    /// A context directory with a Dockerfile whose FROM is `base`.
    func makeContext(base: String) throws -> String {
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        let dockerfile = """
            FROM \(base) AS builder
            COPY message.txt /src/
            RUN tr a-z A-Z < /src/message.txt > /shout.txt
            FROM \(base)
            COPY --from=builder /shout.txt /shout.txt
            RUN cat /shout.txt > /copy.txt

            """
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        try Data("hello registry\n".utf8).write(to: context.appendingPathComponent("message.txt"))
        return context.path
    }

    /// Builds and requires success; returns the image ID and the whole stderr.
    func build(_ arguments: [String], environment: [String: String] = [:]) throws -> (id: String, log: String) {
        let result = try Processes.run(
            Processes.swiftbuildBinary, ["build", "--progress", "plain"] + arguments,
            environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        return (result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), result.standardError)
    }

    @Test func fromPullsPushSharesTheCache() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let first = path("first-store")
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", first],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let base = "\(registry.address)/library/busybox:1"
        #expect(try Processes.swiftbuild(["push", "busybox", base, "--root", first]).status == 0)
        let context = try makeContext(base: base)

        // An empty store: FROM pulls the base; --push and --cache-to reach the registry.
        let app = "\(registry.address)/team/app:1"
        let cache = "type=registry,ref=\(registry.address)/team/app:buildcache"
        let origin = path("origin-store")
        let built = try build(["--root", origin, "-t", app, "--push", "--cache-to", cache, context])
        #expect(built.log.contains("pulling \(base)"))
        #expect(!built.log.contains(" CACHED"))
        let inspected = try Processes.tool(["skopeo", "inspect", "--tls-verify=false", "docker://\(app)"])
        #expect(inspected.contains("\"Digest\": \"\(built.id)\""))

        // Another empty store gets every filesystem step from the shared cache, and the same image.
        let other = path("other-store")
        let again = try build(["--root", other, "-t", "app:again", "--cache-from", cache, context])
        #expect(again.log.contains("found 4 cache records"), "\(again.log)")
        #expect(again.log.components(separatedBy: "\n").filter { $0.hasSuffix(" CACHED") }.count == 4)
        #expect(again.id == built.id)
        let unpacked = path("bundle")
        try Processes.tool(["umoci", "unpack", "--image", "\(other):app:again", unpacked])
        #expect(try String(contentsOfFile: unpacked + "/rootfs/copy.txt", encoding: .utf8) == "HELLO REGISTRY\n")

        // With SOURCE_DATE_EPOCH, the builder stage's layer (never exported as an image)
        // is packed for the cache with the same clamped times, and hits elsewhere.
        let epoch = ["SOURCE_DATE_EPOCH": "1700000000"]
        let clampedCache = "type=registry,ref=\(registry.address)/team/app:clamped"
        let clamped = try build(["--root", origin, "--cache-to", clampedCache, context], environment: epoch)
        let clampedAgain = try build(["--root", path("clamped-store"), "--cache-from", clampedCache, context], environment: epoch)
        #expect(clampedAgain.log.components(separatedBy: "\n").filter { $0.hasSuffix(" CACHED") }.count == 4, "\(clampedAgain.log)")
        #expect(clampedAgain.id == clamped.id)

        // A missing cache is a warning, not a failure.
        let missing = try build([
            "--root", path("third-store"), "--cache-from", "type=registry,ref=\(registry.address)/team/none:x", context
        ])
        #expect(missing.log.contains("warning: cannot import the cache"))
    }

    /// `--cache-from` reads the record list up front and downloads a record's layer only
    /// when its step hits: after the second step changed, the store that imported the cache
    /// holds the first step's layer blob and neither of the two that missed.
    @Test func cacheFromDownloadsOnlyTheLayersOfStepsThatHit() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let first = path("first-store")
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", first],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let base = "\(registry.address)/library/busybox:1"
        #expect(try Processes.swiftbuild(["push", "busybox", base, "--root", first]).status == 0)
        let context = work.appendingPathComponent("lazy-context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("hello lazy cache\n".utf8).write(to: context.appendingPathComponent("message.txt"))
        func dockerfile(_ suffix: String) throws {
            let text = """
                FROM \(base)
                COPY message.txt /src/
                RUN tr a-z A-Z < /src/message.txt > /shout.txt\(suffix)
                RUN cat /shout.txt /shout.txt > /twice.txt

                """
            try Data(text.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        }
        try dockerfile("")
        let cache = "type=registry,ref=\(registry.address)/team/lazy:buildcache"
        let origin = path("origin-store")
        _ = try build(["--root", origin, "-t", "lazy:1", "--cache-to", cache, context.path])
        let raw = try Processes.tool(["skopeo", "inspect", "--raw", "oci:\(origin):lazy:1"])
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        let layers = (manifest["layers"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        #expect(layers.count == 4)  // busybox, COPY, two RUNs
        let cacheRaw = try Processes.tool([
            "skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(registry.address)/team/lazy:buildcache"
        ])
        let cacheManifest = try #require(try JSONSerialization.jsonObject(with: Data(cacheRaw.utf8)) as? [String: Any])
        let cached = Set((cacheManifest["layers"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String })
        #expect(cached == Set(layers.dropFirst()), "the cache holds the three step layers")

        // The first RUN changes: COPY hits, both RUNs run again.
        try dockerfile(" && echo again >> /shout.txt")
        let other = path("other-store")
        let again = try build(["--root", other, "-t", "lazy:2", "--cache-from", cache, context.path])
        #expect(again.log.contains("found 3 cache records"), "\(again.log)")
        #expect(again.log.components(separatedBy: "\n").filter { $0.hasSuffix(" CACHED") }.count == 1, "\(again.log)")
        func stored(_ digest: String) -> Bool {
            FileManager.default.fileExists(atPath: "\(other)/blobs/sha256/\(digest.dropFirst("sha256:".count))")
        }
        #expect(stored(layers[1]), "the COPY step hit: its layer was downloaded")
        #expect(!stored(layers[2]) && !stored(layers[3]), "the RUN steps missed: their cached layers were not downloaded")
        let unpacked = path("lazy-bundle")
        try Processes.tool(["umoci", "unpack", "--image", "\(other):lazy:2", unpacked])
        #expect(
            try String(contentsOfFile: unpacked + "/rootfs/twice.txt", encoding: .utf8)
                == String(repeating: "HELLO LAZY CACHE\nagain\n", count: 2))
    }

    /// `--output type=registry,compression=zstd` pushes zstd layers (the base layer keeps its
    /// gzip), which skopeo copies back; `--push` with `type=image,compression=uncompressed` too.
    @Test func pushedLayersTakeTheOutputsCompression() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = path("store")
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", store],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let context = try makeContext(base: "busybox")
        func layerTypes(_ reference: String) throws -> [String] {
            let raw = try Processes.tool(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://\(reference)"])
            let manifest = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
            return (manifest["layers"] as? [[String: Any]] ?? []).compactMap { $0["mediaType"] as? String }
        }
        let zstd = "\(registry.address)/team/zstd:1"
        let pushed = try build(["--root", store, "-o", "type=registry,name=\(zstd),compression=zstd", context])
        #expect(pushed.log.contains("pushing"), "\(pushed.log)")
        let types = try layerTypes(zstd)
        #expect(types.count == 3)
        #expect(types.first?.hasSuffix("gzip") == true)
        #expect(types.dropFirst().allSatisfy { $0 == "application/vnd.oci.image.layer.v1.tar+zstd" }, "\(types)")
        try Processes.tool(["skopeo", "copy", "--src-tls-verify=false", "docker://\(zstd)", "oci:\(path("copied")):zstd"])

        let plain = "\(registry.address)/team/plain:1"
        _ = try build(["--root", store, "-t", plain, "--push", "-o", "type=image,compression=uncompressed", context])
        #expect(try layerTypes(plain).dropFirst() == ["application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar"])
    }
}
