import Foundation
import Testing

/// `build --sbom --push` to Debian's docker-registry 2.8, which has no referrers API: the
/// SBOM artifact is pushed by digest, and the distribution spec's fallback index tagged
/// `sha256-<image hex>` lists it, as skopeo reads them back; with several platforms, each
/// platform's manifest has its own.
@Suite(
    "SBOM push",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct RegistrySBOMTests {
    static let spdxMediaType = "application/spdx+json"

    func rawManifest(_ reference: String) throws -> [String: Any] {
        let raw = try Processes.tool(["skopeo", "inspect", "--tls-verify=false", "--raw", "docker://\(reference)"])
        return try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
    }

    @Test func pushedWithTheFallbackReferrersTag() throws {
        let registry = try RegistryServer()
        let work = try makeTemporaryDirectory()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store").path
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", store],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM busybox\nCOPY installed /lib/apk/db/installed\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        try Data("P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n".utf8).write(to: context.appendingPathComponent("installed"))

        let app = "\(registry.address)/team/app:1"
        let built = try Processes.run(
            Processes.swiftbuildBinary, ["build", "--progress", "plain", "--root", store, "--sbom", "-t", app, "--push", context.path])
        #expect(built.status == 0, "\(built.standardError)")
        let imageID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let hex = imageID.dropFirst("sha256:".count)

        let index = try rawManifest("\(registry.address)/team/app:sha256-\(hex)")
        #expect(index["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        let entries = (index["manifests"] as? [[String: Any]]) ?? []
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["artifactType"] as? String == Self.spdxMediaType)
        let digest = try #require(entry["digest"] as? String)

        let artifact = try rawManifest("\(registry.address)/team/app@\(digest)")
        #expect((artifact["subject"] as? [String: Any])?["digest"] as? String == imageID)
        #expect(artifact["artifactType"] as? String == Self.spdxMediaType)
        let layer = try #require((artifact["layers"] as? [[String: Any]])?.first)
        // The blob itself, from the registry's blob API.
        let blobURL = "http://\(registry.address)/v2/team/app/blobs/\(layer["digest"] as? String ?? "")"
        let fetched = try Processes.tool([
            "python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())", blobURL
        ])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(fetched.utf8)) as? [String: Any])
        #expect(document["spdxVersion"] as? String == "SPDX-2.3")
        #expect((document["packages"] as? [[String: Any]])?.contains { $0["name"] as? String == "musl" } == true)

        // Pushing again (`swiftbuild push`) keeps one entry in the fallback index.
        #expect(try Processes.swiftbuild(["push", app, "--root", store]).status == 0)
        let again = try rawManifest("\(registry.address)/team/app:sha256-\(hex)")
        #expect(((again["manifests"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String } == [digest])
    }

    /// The blob `digest` of `repository`, from the registry's blob API, as JSON.
    func blobJSON(_ registry: RegistryServer, _ repository: String, _ digest: String) throws -> [String: Any] {
        let fetched = try Processes.tool([
            "python3", "-c", "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
            "http://\(registry.address)/v2/\(repository)/blobs/\(digest)"
        ])
        return try #require(try JSONSerialization.jsonObject(with: Data(fetched.utf8)) as? [String: Any])
    }

    /// Two platforms on the busybox-multi base (scripts/oracle/bases), each image given its
    /// own apk database: the registry serves, for each platform's manifest, the fallback
    /// referrers index listing one SPDX artifact whose subject is that manifest and whose
    /// document lists that platform's package.
    @Test func eachPlatformsSBOMIsPushedAsItsManifestsReferrer() throws {
        let registry = try RegistryServer()
        let work = try makeTemporaryDirectory()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let bases = try Processes.tool([repositoryRoot.appendingPathComponent("scripts/oracle/bases").path, "busybox-multi"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let store = work.appendingPathComponent("store").path
        let loaded = try Processes.swiftbuild(["load", "-i", bases + "/busybox-multi.oci.tar", "--root", store])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM oracle-busybox:multi\nARG TARGETARCH\nCOPY installed-$TARGETARCH /lib/apk/db/installed\n".utf8)
            .write(to: context.appendingPathComponent("Dockerfile"))
        let machines = ["amd64": "x86_64", "arm64": "aarch64"]
        for (architecture, machine) in machines {
            try Data("P:musl\nV:1.2.5-r0\nA:\(machine)\nL:MIT\n".utf8).write(
                to: context.appendingPathComponent("installed-\(architecture)"))
        }

        let app = "\(registry.address)/team/multi:1"
        let built = try Processes.run(
            Processes.swiftbuildBinary,
            [
                "build", "--progress", "plain", "--root", store, "--sbom=true", "--platform", "linux/amd64,linux/arm64", "-t", app,
                "--push", context.path
            ])
        #expect(built.status == 0, "\(built.standardError)")
        let index = try rawManifest(app)
        #expect(index["mediaType"] as? String == "application/vnd.oci.image.index.v1+json")
        let manifests = (index["manifests"] as? [[String: Any]]) ?? []
        #expect(manifests.count == 2)
        var artifacts: [String] = []
        for manifest in manifests {
            let architecture = try #require((manifest["platform"] as? [String: Any])?["architecture"] as? String)
            let subject = try #require(manifest["digest"] as? String)
            let referrers = try rawManifest("\(registry.address)/team/multi:sha256-\(subject.dropFirst(7))")
            let entries = (referrers["manifests"] as? [[String: Any]]) ?? []
            #expect(entries.count == 1, "\(architecture): \(entries)")
            let entry = try #require(entries.first)
            #expect(entry["artifactType"] as? String == Self.spdxMediaType)
            let digest = try #require(entry["digest"] as? String)
            artifacts.append(digest)
            let artifact = try rawManifest("\(registry.address)/team/multi@\(digest)")
            #expect((artifact["subject"] as? [String: Any])?["digest"] as? String == subject)
            let layer = try #require((artifact["layers"] as? [[String: Any]])?.first?["digest"] as? String)
            let document = try blobJSON(registry, "team/multi", layer)
            #expect(document["spdxVersion"] as? String == "SPDX-2.3")
            let purls = ((document["packages"] as? [[String: Any]]) ?? []).flatMap {
                (($0["externalRefs"] as? [[String: Any]]) ?? []).compactMap { $0["referenceLocator"] as? String }
            }
            #expect(purls.contains { $0.hasPrefix("pkg:apk/alpine/musl@1.2.5-r0?arch=\(machines[architecture] ?? "")") }, "\(purls)")
        }
        #expect(Set(artifacts).count == 2)

        // `push` of the stored index to another repository sends them too.
        let mirror = "\(registry.address)/mirror/multi:2"
        let pushed = try Processes.swiftbuild(["push", "-q", app, mirror, "--root", store])
        #expect(pushed.status == 0, "\(pushed.standardError)")
        var mirrored: [String] = []
        for manifest in manifests {
            let subject = try #require(manifest["digest"] as? String)
            let referrers = try rawManifest("\(registry.address)/mirror/multi:sha256-\(subject.dropFirst(7))")
            mirrored += ((referrers["manifests"] as? [[String: Any]]) ?? []).compactMap { $0["digest"] as? String }
        }
        #expect(mirrored == artifacts)
    }
}
