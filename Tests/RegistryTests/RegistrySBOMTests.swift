import Foundation
import Testing

/// `build --sbom --push` to Debian's docker-registry 2.8, which has no referrers API: the
/// SBOM artifact is pushed by digest, and the distribution spec's fallback index tagged
/// `sha256-<image hex>` lists it, as skopeo reads them back.
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
}
