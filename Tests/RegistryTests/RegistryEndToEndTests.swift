import Foundation
import OCI
import Registry
import Store
import Testing

/// `pull`, `push`, `login`, `logout` against a real `docker-registry` started per test,
/// with skopeo reading what swiftbuild pushed and swiftbuild pulling what skopeo pushed.
@Suite(
    "Registry pull and push",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct RegistryEndToEndTests {
    let work: URL

    init() throws {
        work = try makeTemporaryDirectory()
    }

    func path(_ name: String) -> String { work.appendingPathComponent(name).path }

    /// Runs swiftbuild and requires success; returns standard output.
    @discardableResult
    func succeed(_ arguments: [String], input: String? = nil) throws -> String {
        let result = try Processes.swiftbuild(arguments, input: input)
        #expect(result.status == 0, "swiftbuild \(arguments.joined(separator: " ")): \(result.standardError)")
        return result.standardOutput
    }

    /// A store at `work/NAME` holding busybox:latest (scripts/make-busybox-base).
    func busyboxStore(_ name: String) throws -> String {
        let store = path(name)
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", store],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        return store
    }

    @Test func pushesThenPullsByTagAndByDigest() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = try busyboxStore("store")
        let reference = "\(registry.address)/team/busybox:1.0"

        let pushed = try Processes.swiftbuild(["push", "busybox", reference, "--root", store])
        #expect(pushed.status == 0, "\(pushed.standardError)")
        let digest = pushed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(pushed.standardError.contains("uploaded"))
        let localID = try succeed(["images", "--root", store, "--format", "json"])
        #expect(localID.contains(digest.dropFirst("sha256:".count).prefix(12)))

        // skopeo reads what swiftbuild pushed.
        let inspected = try Processes.tool(["skopeo", "inspect", "--tls-verify=false", "docker://\(reference)"])
        #expect(inspected.contains("\"Digest\": \"\(digest)\""))
        try Processes.tool(["skopeo", "copy", "--src-tls-verify=false", "docker://\(reference)", "oci:\(path("skopeo-layout")):copied"])

        // A second push skips every blob the registry has.
        let again = try Processes.swiftbuild(["push", "busybox", reference, "--root", store])
        #expect(again.status == 0)
        #expect(!again.standardError.contains("uploaded") && again.standardError.contains("already present"))

        // Removed locally, then pulled by tag into a fresh store.
        try succeed(["rmi", "busybox", "--root", store])
        let fresh = path("fresh")
        let pulled = try Processes.swiftbuild(["pull", reference, "--root", fresh])
        #expect(pulled.status == 0, "\(pulled.standardError)")
        #expect(pulled.standardOutput == digest + "\n")
        #expect(pulled.standardError.contains("downloaded"))
        let images = try succeed(["images", "--root", fresh])
        #expect(images.contains("\(reference) "))
        let unpacked = path("unpacked")
        try Processes.tool(["umoci", "unpack", "--image", "\(fresh):\(reference)", unpacked])
        #expect(FileManager.default.fileExists(atPath: unpacked + "/rootfs/bin/busybox"))

        // By digest: nothing is downloaded again, and the image stays unnamed.
        let byDigest = try Processes.swiftbuild(["pull", "\(registry.address)/team/busybox@\(digest)", "--root", fresh])
        #expect(byDigest.status == 0, "\(byDigest.standardError)")
        #expect(byDigest.standardOutput == digest + "\n")
        #expect(!byDigest.standardError.contains("downloading"))
        #expect(try succeed(["inspect", digest, "--root", fresh]).contains(digest))

        // Pushed to another repository of the same registry, the blobs are mounted.
        let mounted = try Processes.swiftbuild(["push", reference, "\(registry.address)/other/busybox:2", "--root", fresh])
        #expect(mounted.status == 0, "\(mounted.standardError)")
        #expect(mounted.standardError.contains("mounted from team/busybox"))
        try Processes.tool(["skopeo", "inspect", "--tls-verify=false", "docker://\(registry.address)/other/busybox:2"])

        // A missing tag names the registry, the repository and the status.
        let missing = try Processes.swiftbuild(["pull", "\(registry.address)/team/busybox:nope", "--root", fresh])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("registry \(registry.address), repository team/busybox"))
        #expect(missing.standardError.contains("HTTP 404"))
    }

    @Test func anInterruptedPullResumesWithTheBlobsItVerified() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = try busyboxStore("store")
        let reference = "\(registry.address)/resume/busybox:1"
        try succeed(["push", "busybox", reference, "--root", store])
        let target = path("target")
        try succeed(["pull", reference, "--root", target])
        let image = try ImageStore(root: URL(fileURLWithPath: target)).inspect(reference)

        // As if the pull had stopped after the config: the layer and the tag are missing.
        try succeed(["rmi", reference, "--root", target])
        try FileManager.default.removeItem(atPath: "\(target)/blobs/sha256/\(image.manifest.layers[0].digest.hex)")
        let resumed = try Processes.swiftbuild(["pull", reference, "--root", target])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let lines = resumed.standardError.split(separator: "\n")
        #expect(lines.contains("sha256:\(image.manifest.config.digest.hex.prefix(12)): already present (\(image.manifest.config.size) B)"))
        #expect(lines.filter { $0.contains("downloading") }.count == 1)
        #expect(lines.contains { $0.hasPrefix("sha256:\(image.manifest.layers[0].digest.hex.prefix(12)): downloaded") })
    }

    @Test func pullsWhatSkopeoPushedInBothFormats() throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = try busyboxStore("store")
        for (format, mediaType) in [("oci", MediaType.ociManifest), ("v2s2", MediaType.dockerManifest)] {
            let reference = "\(registry.address)/from-skopeo/\(format):latest"
            try Processes.tool([
                "skopeo", "copy", "--dest-tls-verify=false", "--format", format,
                "oci:\(store):busybox:latest", "docker://\(reference)"
            ])
            let target = path("pulled-\(format)")
            let pulled = try Processes.swiftbuild(["pull", reference, "--root", target])
            #expect(pulled.status == 0, "\(pulled.standardError)")
            let details = try ImageStore(root: URL(fileURLWithPath: target)).inspect(reference)
            #expect(details.descriptor.mediaType == mediaType)
            #expect(details.config.rootfs.diffIDs.count == 1)
        }
    }

    @Test func selectsOnePlatformOfAnIndex() async throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let storePath = try busyboxStore("store")
        let store = try ImageStore(root: URL(fileURLWithPath: storePath))
        let amd64 = try store.inspect("busybox")
        let repository = try ImageReference(parsing: "\(registry.address)/multi")

        // The arm64 entry: the same layers under a config that says arm64.
        var armConfig = amd64.config
        armConfig.architecture = "arm64"
        let armConfigBytes = try armConfig.encoded().bytes
        let armConfigFile = path("arm64-config.json")
        try Data(armConfigBytes).write(to: URL(fileURLWithPath: armConfigFile))
        let armConfigDescriptor = Descriptor(mediaType: .ociConfig, describing: armConfigBytes)
        let armManifest = try ImageManifest(config: armConfigDescriptor, layers: amd64.manifest.layers).encoded()

        var configuration = RegistryConfiguration()
        configuration.dockerConfigPath = path("no-config.json")
        let index = try await RegistryClient.withClient(configuration: configuration) { client -> Descriptor in
            try await client.push(amd64, from: store, to: repository.withTag("amd64"))
            try await client.uploadBlob(armConfigDescriptor, from: armConfigFile, to: repository)
            var byDigest = repository
            byDigest.tag = nil
            byDigest.digest = armManifest.descriptor.digest
            try await client.putManifest(armManifest.bytes, mediaType: .ociManifest, to: byDigest)
            var amd64Entry = amd64.descriptor
            amd64Entry.platform = Platform(architecture: "amd64", os: "linux")
            var armEntry = armManifest.descriptor
            armEntry.platform = Platform(architecture: "arm64", os: "linux", variant: "v8")
            let list = try ImageIndex(manifests: [amd64Entry, armEntry]).encoded()
            return try await client.putManifest(list.bytes, mediaType: .ociIndex, to: repository.withTag("latest"))
        }

        let target = path("pulled")
        let arm = try Processes.swiftbuild(["pull", "--platform", "linux/arm64", "\(registry.address)/multi", "--root", target])
        #expect(arm.status == 0, "\(arm.standardError)")
        #expect(arm.standardOutput == "\(armManifest.descriptor.digest)\n")
        let pulled = try ImageStore(root: URL(fileURLWithPath: target)).inspect("\(registry.address)/multi:latest")
        #expect(pulled.config.architecture == "arm64")

        let host = try Processes.swiftbuild(["pull", "\(registry.address)/multi@\(index.digest)", "--root", target])
        #expect(host.status == 0, "\(host.standardError)")
        #expect(host.standardOutput == "\(amd64.descriptor.digest)\n")

        let none = try Processes.swiftbuild(["pull", "--platform", "linux/s390x", "\(registry.address)/multi", "--root", target])
        #expect(none.status == 1)
        #expect(none.standardError.contains("no manifest for linux/s390x"))
    }

    @Test func uploadsLargeBlobsInChunks() async throws {
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let storePath = try busyboxStore("store")
        let store = try ImageStore(root: URL(fileURLWithPath: storePath))
        let image = try store.inspect("busybox")
        #expect(image.manifest.layers[0].size > 3 * 256 << 10)
        var configuration = RegistryConfiguration()
        configuration.uploadChunkSize = 256 << 10
        configuration.dockerConfigPath = path("no-config.json")
        let reference = try ImageReference(parsing: "\(registry.address)/chunked:1")
        let pushed = try await RegistryClient.withClient(configuration: configuration) { client in
            try await client.push(image, from: store, to: reference)
        }
        #expect(pushed.digest == image.descriptor.digest)
        let copy = path("copy")
        try Processes.tool(["skopeo", "copy", "--src-tls-verify=false", "docker://\(reference)", "oci:\(copy):x"])
        try Processes.tool(["umoci", "unpack", "--image", "\(copy):x", path("bundle")])
        #expect(FileManager.default.fileExists(atPath: path("bundle") + "/rootfs/bin/busybox"))
    }

    @Test func basicAuthWithHtpasswd() throws {
        let registry = try RegistryServer(auth: .basic(user: "alice", password: "s3cret"))
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = try busyboxStore("store")
        let authfile = path("auth/config.json")
        let reference = "\(registry.address)/private/busybox:1"

        let anonymous = try Processes.swiftbuild(["push", "busybox", reference, "--root", store, "--authfile", authfile])
        #expect(anonymous.status == 1)
        #expect(anonymous.standardError.contains("registry \(registry.address)"))
        #expect(anonymous.standardError.contains("401"))

        let wrong = try Processes.swiftbuild(
            ["login", registry.address, "-u", "alice", "--password-stdin", "--authfile", authfile],
            input: "wrong\n")
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("registry \(registry.address)"))
        #expect(wrong.standardError.contains("authentication failed: HTTP 401 Unauthorized"))
        #expect(!FileManager.default.fileExists(atPath: authfile))

        #expect(
            try succeed(
                ["login", registry.address, "-u", "alice", "--password-stdin", "--authfile", authfile],
                input: "s3cret\n") == "Login Succeeded\n")
        #expect(
            try DockerConfig(path: authfile).credentials(for: registry.address)
                == RegistryCredentials(username: "alice", password: "s3cret"))
        try succeed(["push", "busybox", reference, "--root", store, "--authfile", authfile])
        try succeed(["pull", reference, "--root", path("pulled"), "--authfile", authfile])
        try Processes.tool(["skopeo", "inspect", "--tls-verify=false", "--creds", "alice:s3cret", "docker://\(reference)"])

        #expect(try succeed(["logout", registry.address, "--authfile", authfile]) == "Removed login credentials for \(registry.address)\n")
        let loggedOut = try Processes.swiftbuild(["pull", reference, "--root", path("pulled2"), "--authfile", authfile])
        #expect(loggedOut.status == 1)
        #expect(loggedOut.standardError.contains("401"))
    }

    @Test func bearerTokensFromAChallenge() throws {
        let registry = try RegistryServer(auth: .bearer(user: "bob", password: "t0ken"))
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = try busyboxStore("store")
        let authfile = path("config.json")
        let reference = "\(registry.address)/bearer/busybox:1"

        // Anonymous tokens grant pull only.
        let anonymous = try Processes.swiftbuild(["push", "busybox", reference, "--root", store, "--authfile", authfile])
        #expect(anonymous.status == 1)
        #expect(anonymous.standardError.contains("registry \(registry.address), repository bearer/busybox"))
        #expect(anonymous.standardError.contains("401"))

        let wrong = try Processes.swiftbuild(
            ["login", registry.address, "-u", "bob", "--password-stdin", "--authfile", authfile],
            input: "nope")
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("authentication failed: HTTP 401"))
        #expect(wrong.standardError.contains("invalid username or password"))

        try succeed(["login", registry.address, "-u", "bob", "--password-stdin", "--authfile", authfile], input: "t0ken")
        let pushed = try succeed(["push", "busybox", reference, "--root", store, "--authfile", authfile])
        // Pulling needs a token too: an anonymous one will do.
        let pulled = try succeed(["pull", reference, "--root", path("pulled"), "--authfile", path("empty.json")])
        #expect(pulled == pushed)
    }
}
