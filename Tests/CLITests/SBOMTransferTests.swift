import Foundation
import Testing

/// An SBOM beyond the build: `save` then `load` into another store keeps it (the same
/// document bytes, the same subject), `inspect` lists it, and `--sbom` on another
/// subcommand's line is one usage error saying it belongs to `build`.
extension SBOMTests {
    static let ociManifestType = "application/vnd.oci.image.manifest.v1+json"

    /// The entries of an OCI archive's `index.json`, and the directory it was unpacked into.
    static func unpackArchive(_ archive: URL, into directory: URL) throws -> [[String: Any]] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        _ = try ExternalTool.run(["tar", "-xf", archive.path, "-C", directory.path])
        return try indexEntries(directory)
    }

    /// `swiftbuild inspect NAME` in `store`, parsed.
    static func inspect(_ name: String, store: URL) throws -> [String: Any] {
        let inspected = try SwiftBuildProcess.run(["inspect", name, "--root", store.path])
        #expect(inspected.status == 0, "\(inspected.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(inspected.standardOutput.utf8)) as? [String: Any])
    }

    /// Built with `--sbom` on busybox, saved, loaded into a fresh store, saved again: the
    /// second archive carries the same artifact manifest (so the same SPDX bytes) referring
    /// to the same image, which skopeo and pyspdxtools still read; the loaded store lists it
    /// with the image, keeps it through `prune`, and does not add it twice on a second load.
    /// `inspect` in both stores names it with exactly its descriptor's fields; an image
    /// without an SBOM has no `referrers`.
    @Test func savedLoadedAndSavedAgain() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        try Data("P:musl\nV:1.2.5-r0\nA:x86_64\nL:MIT\n".utf8).write(to: workspace.context.appendingPathComponent("installed"))
        let built = try workspace.build("FROM busybox\nCOPY installed /lib/apk/db/installed\n", ["--sbom", "-t", "moved:1"])
        #expect(built.status == 0, "\(built.standardError)")
        let imageID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let stored = try #require(try Self.indexEntries(workspace.store).first { $0["artifactType"] as? String == Self.spdxMediaType })
        let referrerDigest = try #require(stored["digest"] as? String)
        let referrerSize = try #require(stored["size"] as? Int)

        let first = workspace.work.appendingPathComponent("first.tar")
        let saved = try SwiftBuildProcess.run(["save", "moved:1", "-o", first.path, "--root", workspace.store.path])
        #expect(saved.status == 0, "\(saved.standardError)")

        let other = workspace.work.appendingPathComponent("other-store")
        let loaded = try SwiftBuildProcess.run(["load", "-i", first.path, "--root", other.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(loaded.standardOutput == "Loaded image: moved:1\n")
        #expect(!loaded.standardError.contains("warning"), "\(loaded.standardError)")
        // Kept as the build keeps it: an unnamed entry with its artifact type and subject.
        let kept = try Self.indexEntries(other).filter { $0["artifactType"] as? String == Self.spdxMediaType }
        #expect(kept.count == 1)
        #expect(kept.first?["digest"] as? String == referrerDigest)
        #expect((kept.first?["annotations"] as? [String: String]) == ["dev.swiftbuild.referrer.subject": imageID])

        // Listed with its image, kept by prune, not added twice by a second load.
        #expect(try SwiftBuildProcess.run(["prune", "--root", other.path]).status == 0)
        #expect(try SwiftBuildProcess.run(["load", "-i", first.path, "--root", other.path]).status == 0)
        let listed = try SwiftBuildProcess.run(["images", "--format", "json", "--root", other.path])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        #expect(images.count == 1)
        let listedReferrers = try #require(images.first?["referrers"] as? [[String: Any]])
        #expect(listedReferrers.count == 1)
        #expect(listedReferrers.first?["digest"] as? String == referrerDigest)
        #expect(listedReferrers.first?["artifactType"] as? String == Self.spdxMediaType)

        // Saved again from the loaded store: the same referrer, subject and document bytes.
        let second = workspace.work.appendingPathComponent("second.tar")
        let savedAgain = try SwiftBuildProcess.run(["save", "moved:1", "-o", second.path, "--root", other.path])
        #expect(savedAgain.status == 0, "\(savedAgain.standardError)")
        let firstUnpacked = workspace.work.appendingPathComponent("first")
        let secondUnpacked = workspace.work.appendingPathComponent("second")
        let firstEntries = try Self.unpackArchive(first, into: firstUnpacked)
        let secondEntries = try Self.unpackArchive(second, into: secondUnpacked)
        #expect(secondEntries.count == 2)
        #expect(secondEntries.compactMap { $0["digest"] as? String } == firstEntries.compactMap { $0["digest"] as? String })
        let artifact = try #require(secondEntries.first { $0["artifactType"] as? String == Self.spdxMediaType })
        #expect(artifact["digest"] as? String == referrerDigest)
        let manifest = try Self.json(secondUnpacked.appendingPathComponent("blobs/sha256/\(referrerDigest.dropFirst(7))"))
        #expect((manifest["subject"] as? [String: Any])?["digest"] as? String == imageID)
        let layer = try #require((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String)
        let document = try Data(contentsOf: secondUnpacked.appendingPathComponent("blobs/sha256/\(layer.dropFirst(7))"))
        #expect(document == (try Data(contentsOf: workspace.store.appendingPathComponent("blobs/sha256/\(layer.dropFirst(7))"))))
        let spdx = workspace.work.appendingPathComponent("moved.spdx.json")
        try document.write(to: spdx)
        let validation = try Self.validate(spdx)
        #expect(validation.status == 0, "pyspdxtools: \(validation.output)")
        let skopeo = try ExternalTool.run(["skopeo", "inspect", "oci-archive:\(second.path):moved:1"])
        #expect(skopeo.contains("\"Digest\": \"\(imageID)\""))

        // inspect: the referrer's descriptor, exactly, in the store that built it and the one that loaded it.
        for store in [workspace.store, other] {
            let inspected = try Self.inspect("moved:1", store: store)
            #expect(inspected.keys.sorted() == ["config", "descriptor", "manifest", "name", "referrers"])
            let referrers = try #require(inspected["referrers"] as? [[String: Any]])
            #expect(referrers.count == 1)
            #expect(referrers.first?.keys.sorted() == ["artifactType", "digest", "mediaType", "size"])
            #expect(referrers.first?["artifactType"] as? String == Self.spdxMediaType)
            #expect(referrers.first?["mediaType"] as? String == Self.ociManifestType)
            #expect(referrers.first?["digest"] as? String == referrerDigest)
            #expect(referrers.first?["size"] as? Int == referrerSize)
        }
        #expect(try Self.inspect("busybox", store: workspace.store).keys.sorted() == ["config", "descriptor", "manifest", "name"])
    }

    /// An OCI layout whose artifact entries go wrong: one refers to a manifest the layout
    /// does not load (a warning names it, the image loads without it), and one whose SPDX
    /// layer blob is a link to a file outside the layout (a sentinel) with other bytes:
    /// the load fails naming the digest, the sentinel is unchanged and the store stays empty
    /// (no entry, blob, snapshot or work directory).
    @Test func loadSkipsStrayReferrersAndRefusesBadOnes() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        let built = try workspace.build("FROM busybox\nLABEL sbom=stray\n", ["--sbom", "-t", "stray:1"])
        #expect(built.status == 0, "\(built.standardError)")
        let layout = workspace.work.appendingPathComponent("layout")
        let saved = try SwiftBuildProcess.run(["save", "stray:1", "--format", "oci-dir", "-o", layout.path, "--root", workspace.store.path])
        #expect(saved.status == 0, "\(saved.standardError)")
        let indexURL = layout.appendingPathComponent("index.json")
        var index = try Self.json(indexURL)
        var entries = try #require(index["manifests"] as? [[String: Any]])
        let good = try #require(entries.first { $0["artifactType"] as? String == Self.spdxMediaType })
        let goodDigest = try #require(good["digest"] as? String)

        // A second artifact referring to a manifest that is not in the layout.
        var manifest = try Self.json(layout.appendingPathComponent("blobs/sha256/\(goodDigest.dropFirst(7))"))
        let absent = "sha256:" + String(repeating: "ab", count: 32)
        manifest["subject"] = ["mediaType": Self.ociManifestType, "digest": absent, "size": 100]
        let stray = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let strayFile = workspace.work.appendingPathComponent("stray.json")
        try stray.write(to: strayFile)
        let strayDigest = try "sha256:" + ExternalTool.run(["sha256sum", strayFile.path]).prefix(64)
        try FileManager.default.moveItem(at: strayFile, to: layout.appendingPathComponent("blobs/sha256/\(strayDigest.dropFirst(7))"))
        entries.append(["mediaType": Self.ociManifestType, "digest": strayDigest, "size": stray.count, "artifactType": Self.spdxMediaType])
        index["manifests"] = entries
        try JSONSerialization.data(withJSONObject: index).write(to: indexURL)

        let other = workspace.work.appendingPathComponent("other-store")
        let loaded = try SwiftBuildProcess.run(["load", "-i", layout.path, "--root", other.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(
            loaded.standardError.contains(
                "warning: \(layout.path): artifact \(strayDigest) (\(Self.spdxMediaType)) refers to \(absent), which the input does not load; skipped"
            ), "\(loaded.standardError)")
        #expect(
            try Self.indexEntries(other).filter { $0["artifactType"] != nil }.compactMap { $0["digest"] as? String } == [goodDigest])

        // The SPDX layer replaced by a link to a sentinel outside the layout.
        let layer = try #require((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String)
        let sentinel = workspace.work.appendingPathComponent("sentinel")
        try Data("sentinel\n".utf8).write(to: sentinel)
        let layerFile = layout.appendingPathComponent("blobs/sha256/\(layer.dropFirst(7))")
        try FileManager.default.removeItem(at: layerFile)
        try FileManager.default.createSymbolicLink(at: layerFile, withDestinationURL: sentinel)
        let fresh = workspace.work.appendingPathComponent("fresh-store")
        let refused = try SwiftBuildProcess.run(["load", "-i", layout.path, "--root", fresh.path])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains(String(layer.dropFirst(7))), "\(refused.standardError)")
        #expect(try Self.indexEntries(fresh).isEmpty)
        for directory in ["blobs/sha256", "snapshots", "tmp"] {
            let left = (try? FileManager.default.contentsOfDirectory(atPath: fresh.appendingPathComponent(directory).path)) ?? []
            #expect(left.isEmpty, "\(directory): \(left)")
        }
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "sentinel\n")
    }

    /// `--sbom` belongs to `build`: on `push` (or `save`) it is one usage error saying so,
    /// in every form, and nothing is sent or written.
    @Test func sbomOnAnotherSubcommandIsAUsageError() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store")
        for (arguments, option) in [
            (["push", "--sbom=true", "app:1", "localhost:1/app:1"], "--sbom=true"),
            (["push", "app:1", "--sbom"], "--sbom"),
            (["save", "app:1", "-o", work.appendingPathComponent("out.tar").path, "--sbom=false"], "--sbom=false")
        ] {
            let result = try SwiftBuildProcess.run(arguments + ["--root", store.path])
            #expect(result.status == 64, "\(arguments): \(result.standardError)")
            #expect(
                result.standardError.contains("\(option): --sbom is an option of build, not of \(arguments[0])"),
                "\(arguments): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("out.tar").path))
    }
}
