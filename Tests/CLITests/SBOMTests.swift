import Foundation
import Testing

/// `build --sbom`: the SPDX 2.3 document of what the final image holds, validated by the
/// SPDX project's own tool (`pyspdxtools` from PyPI's spdx-tools, in the test venv made by
/// scripts/test-venv), stored with the image as an OCI 1.1 referrer, carried by
/// `--output type=oci` and written as `sbom.spdx.json` by `--output type=local`.
@Suite("SBOM", .enabled(if: ExternalTool.isRoot, "needs root to build"))
struct SBOMTests {
    static let spdxMediaType = "application/spdx+json"

    /// `pyspdxtools -i FILE`: its exit status and output (it prints what is invalid).
    static func validate(_ document: URL) throws -> (status: Int32, output: String) {
        let venv = try ExternalTool.run([repositoryRoot.appendingPathComponent("scripts/test-venv").path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try ExternalTool.status([venv + "/bin/pyspdxtools", "-i", document.path])
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The document's packages (not the image itself) as (name, version, purl).
    static func packages(_ document: [String: Any]) -> [(name: String, version: String, purl: String)] {
        ((document["packages"] as? [[String: Any]]) ?? []).dropFirst().map { package in
            let purl = ((package["externalRefs"] as? [[String: String]])?.first?["referenceLocator"]) ?? ""
            return (package["name"] as? String ?? "", package["versionInfo"] as? String ?? "", purl)
        }
    }

    /// The store's `index.json` entries.
    static func indexEntries(_ store: URL) throws -> [[String: Any]] {
        (try json(store.appendingPathComponent("index.json"))["manifests"] as? [[String: Any]]) ?? []
    }

    /// A static Go program (a module with a dependency replaced by a local directory),
    /// built with the host's Go into `destination`; returns `go env GOVERSION`.
    static func buildGoProgram(
        in work: URL, to destination: URL, module: String = "example.com/sbomdemo", architecture: String? = nil
    ) throws -> String {
        let source = work.appendingPathComponent("gosrc-\(destination.lastPathComponent)")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("dep"), withIntermediateDirectories: true)
        let files = [
            "go.mod": "module \(module)\n\ngo 1.19\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ./dep\n",
            "main.go": "package main\n\nimport \"example.com/dep\"\n\nfunc main() { println(dep.Hello()) }\n",
            "dep/go.mod": "module example.com/dep\n\ngo 1.19\n",
            "dep/dep.go": "package dep\n\nfunc Hello() string { return \"hello\" }\n"
        ]
        for (name, text) in files { try Data(text.utf8).write(to: source.appendingPathComponent(name)) }
        let environment =
            [
                "env", "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOPROXY=off", "HOME=\(work.path)",
                "GOCACHE=\(work.appendingPathComponent("gocache").path)", "GOPATH=\(work.appendingPathComponent("gopath").path)"
            ] + (architecture.map { ["GOOS=linux", "GOARCH=\($0)"] } ?? [])
        _ = try ExternalTool.run(environment + ["go", "build", "-o", destination.path, "."], in: source)
        return try ExternalTool.run(environment + ["go", "env", "GOVERSION"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The Debian base (debootstrap, scripts/oracle/bases) with a Python distribution and a Go
    /// binary added: every installed dpkg package, the distribution and the Go modules are
    /// in a document pyspdxtools accepts, written by `--output type=local` and stored with
    /// the image.
    @Test func debianPythonAndGo() throws {
        let workspace = try BuildWorkspace(busybox: false)
        defer { workspace.remove() }
        let bases = try ExternalTool.run([repositoryRoot.appendingPathComponent("scripts/oracle/bases").path])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let load = try SwiftBuildProcess.run(["load", "-i", bases + "/debian.oci.tar", "--root", workspace.store.path])
        #expect(load.status == 0, "\(load.standardError)")
        let goVersion = try Self.buildGoProgram(in: workspace.work, to: workspace.context.appendingPathComponent("sbomdemo"))
        let distInfo = workspace.context.appendingPathComponent("demo_pkg-1.2.3.dist-info")
        try FileManager.default.createDirectory(at: distInfo, withIntermediateDirectories: true)
        try Data("Metadata-Version: 2.1\nName: demo_pkg\nVersion: 1.2.3\nLicense: MIT License (with exceptions)\n\nBody.\n".utf8)
            .write(to: distInfo.appendingPathComponent("METADATA"))
        let output = workspace.work.appendingPathComponent("out")
        let built = try workspace.build(
            """
            FROM oracle-debian:bookworm
            COPY demo_pkg-1.2.3.dist-info /usr/lib/python3/dist-packages/demo_pkg-1.2.3.dist-info/
            COPY sbomdemo /usr/local/bin/sbomdemo

            """, ["--sbom", "-t", "sbom-debian:1", "--output", "type=local,dest=\(output.path)"])
        #expect(built.status == 0, "\(built.standardError)")
        let imageID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        let file = output.appendingPathComponent("sbom.spdx.json")
        let validation = try Self.validate(file)
        #expect(validation.status == 0, "pyspdxtools: \(validation.output)")
        let document = try Self.json(file)
        let packages = Self.packages(document)

        // Every package dpkg lists as installed in the image, and only those.
        let status = try String(contentsOf: output.appendingPathComponent("var/lib/dpkg/status"), encoding: .utf8)
        let installed = status.components(separatedBy: "\n\n").filter { $0.contains("\nStatus: install ok installed") }
        let debs = packages.filter { $0.purl.hasPrefix("pkg:deb/debian/") }
        #expect(installed.count > 50)
        #expect(debs.count == installed.count)
        let libc = try #require(installed.first { $0.hasPrefix("Package: libc6\n") })
        let libcVersion = try #require(libc.components(separatedBy: "\n").first { $0.hasPrefix("Version: ") }).dropFirst(9)
        #expect(
            debs.contains {
                $0.name == "libc6" && $0.version == libcVersion && $0.purl.contains("?arch=") && $0.purl.hasSuffix("&distro=debian-12")
            })

        #expect(packages.contains { $0.name == "demo_pkg" && $0.version == "1.2.3" && $0.purl == "pkg:pypi/demo-pkg@1.2.3" })
        #expect(packages.contains { $0.name == "stdlib" && $0.version == goVersion })
        #expect(packages.contains { $0.name == "example.com/sbomdemo" && $0.purl == "pkg:golang/example.com/sbomdemo@%28devel%29" })
        #expect(packages.contains { $0.name == "example.com/dep" && $0.version == "v0.0.0" })

        // Stored with the image: one referrer entry, its manifest's subject the image, its
        // one layer the same bytes as the file.
        let referrers = try Self.indexEntries(workspace.store).filter { $0["artifactType"] as? String == Self.spdxMediaType }
        #expect(referrers.count == 1)
        let manifestDigest = try #require(referrers.first?["digest"] as? String)
        let manifest = try Self.json(workspace.store.appendingPathComponent("blobs/sha256/\(manifestDigest.dropFirst(7))"))
        #expect((manifest["subject"] as? [String: Any])?["digest"] as? String == imageID)
        #expect(manifest["artifactType"] as? String == Self.spdxMediaType)
        let layer = try #require((manifest["layers"] as? [[String: Any]])?.first)
        #expect(layer["mediaType"] as? String == Self.spdxMediaType)
        let blob = try Data(
            contentsOf: workspace.store.appendingPathComponent("blobs/sha256/\((layer["digest"] as? String ?? "").dropFirst(7))"))
        #expect(blob == (try Data(contentsOf: file)))
    }

    /// An Alpine package database crafted with COPY; hostile links (a dpkg status and a
    /// METADATA that point at a host file, a directory link to `/`) and a database over the
    /// size limit. The host's sentinel files are never read, the walk does not loop, the
    /// oversized file is a warning naming it, and the document is valid.
    @Test func alpineDatabaseAndHostileLinks() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        let sentinel = workspace.work.appendingPathComponent("sentinel")
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        let secretStatus = "Package: host-secret\nStatus: install ok installed\nVersion: 6.6.6\nArchitecture: amd64\n"
        try Data(secretStatus.utf8).write(to: sentinel.appendingPathComponent("status"))
        try Data("Name: host-secret-py\nVersion: 6.6.6\n".utf8).write(to: sentinel.appendingPathComponent("METADATA"))
        let installed = """
            P:musl
            V:1.2.5-r0
            A:x86_64
            L:MIT
            U:https://musl.libc.org/
            o:musl

            P:busybox
            V:1.36.1-r29
            A:x86_64
            L:GPL-2.0-only

            """
        try Data(installed.utf8).write(to: workspace.context.appendingPathComponent("installed"))
        try Data("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\n".utf8).write(
            to: workspace.context.appendingPathComponent("os-release"))
        let climb = String(repeating: "../", count: 12) + sentinel.path.dropFirst()
        let dockerfile = """
            FROM busybox
            COPY installed /lib/apk/db/installed
            COPY os-release /etc/os-release
            RUN mkdir -p /var/lib/dpkg/status.d /app/evil.dist-info /app/other.dist-info \\
             && ln -s \(sentinel.path)/status /var/lib/dpkg/status \\
             && ln -s \(climb)/METADATA /app/evil.dist-info/METADATA \\
             && ln -s \(sentinel.path) /app/other.dist-info/METADATA \\
             && ln -s / /app/root-loop && ln -s .. /app/up \\
             && truncate -s 100M /var/lib/dpkg/status.d/huge

            """
        let archive = workspace.work.appendingPathComponent("image.tar")
        let built = try workspace.build(dockerfile, ["--sbom", "-t", "sbom-alpine", "--output", "type=oci,dest=\(archive.path)"])
        #expect(built.status == 0, "\(built.standardError)")
        #expect(built.standardError.contains("warning: SBOM: /var/lib/dpkg/status.d/huge:"), "\(built.standardError)")
        let imageID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

        // The OCI archive carries the image and its SBOM, as an index.json entry.
        let unpacked = workspace.work.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        _ = try ExternalTool.run(["tar", "-xf", archive.path, "-C", unpacked.path])
        let entries = try Self.indexEntries(unpacked)
        #expect(entries.count == 2)
        let artifact = try #require(entries.first { $0["artifactType"] as? String == Self.spdxMediaType })
        let manifest = try Self.json(unpacked.appendingPathComponent("blobs/sha256/\((artifact["digest"] as? String ?? "").dropFirst(7))"))
        #expect((manifest["subject"] as? [String: Any])?["digest"] as? String == imageID)
        let layer = try #require((manifest["layers"] as? [[String: Any]])?.first)
        // pyspdxtools tells the format by the file name.
        let document = workspace.work.appendingPathComponent("alpine.spdx.json")
        try FileManager.default.copyItem(
            at: unpacked.appendingPathComponent("blobs/sha256/\((layer["digest"] as? String ?? "").dropFirst(7))"), to: document)
        let validation = try Self.validate(document)
        #expect(validation.status == 0, "pyspdxtools: \(validation.output)")

        // The image in it is still what real tools and `load` read (the artifact is no image).
        let inspected = try ExternalTool.run(["skopeo", "inspect", "oci-archive:\(archive.path):sbom-alpine:latest"])
        #expect(inspected.contains("\"Digest\": \"\(imageID)\""))
        let loaded = try SwiftBuildProcess.run(["load", "-i", archive.path, "--root", workspace.work.appendingPathComponent("loaded").path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(loaded.standardOutput.contains("Loaded image: sbom-alpine:latest"))

        let packages = Self.packages(try Self.json(document))
        #expect(
            packages.map(\.purl).sorted() == [
                "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3",
                "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
            ])
        let text = try String(contentsOf: document, encoding: .utf8)
        #expect(!text.contains("host-secret"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel.path).sorted() == ["METADATA", "status"])
        #expect(try String(contentsOf: sentinel.appendingPathComponent("status"), encoding: .utf8) == secretStatus)
    }

    /// An image whose own `/sbom.spdx.json` is a symlink to a host file: `--output
    /// type=local` replaces the link with the document and never writes through it.
    @Test func localOutputNeverWritesThroughALink() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        let victim = workspace.work.appendingPathComponent("sentinel-victim")
        try Data("victim\n".utf8).write(to: victim)
        let output = workspace.work.appendingPathComponent("out")
        let built = try workspace.build(
            "FROM busybox\nRUN ln -s \(victim.path) /sbom.spdx.json\n", ["--sbom", "--output", "type=local,dest=\(output.path)"])
        #expect(built.status == 0, "\(built.standardError)")
        #expect(try String(contentsOf: victim, encoding: .utf8) == "victim\n")
        let written = try FileManager.default.attributesOfItem(atPath: output.appendingPathComponent("sbom.spdx.json").path)
        #expect(written[.type] as? FileAttributeType == .typeRegular)
        #expect((try Self.json(output.appendingPathComponent("sbom.spdx.json")))["spdxVersion"] as? String == "SPDX-2.3")
    }

    /// The SBOM in the store: listed with its image, the same bytes when the image is built
    /// again, kept by `prune` while the image is tagged and dropped (entry and blobs) once
    /// the image's last name is removed.
    @Test func keptWithTheImageUntilItIsRemoved() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        try Data("P:musl\nV:1.2.5-r0\nA:x86_64\n".utf8).write(to: workspace.context.appendingPathComponent("installed"))
        let dockerfile = "FROM busybox\nCOPY installed /lib/apk/db/installed\n"
        let first = try workspace.build(dockerfile, ["--sbom", "-t", "kept:1"])
        #expect(first.status == 0, "\(first.standardError)")
        func referrerDigests() throws -> [String] {
            try Self.indexEntries(workspace.store).filter { $0["artifactType"] as? String == Self.spdxMediaType }
                .compactMap { $0["digest"] as? String }
        }
        let digests = try referrerDigests()
        #expect(digests.count == 1)
        // buildx's spelling; the same image and the same document.
        let again = try workspace.build(dockerfile, ["--attest", "type=sbom", "-t", "kept:1", "-t", "kept:2"])
        #expect(again.standardOutput == first.standardOutput)
        #expect(try referrerDigests() == digests)
        let provenance = try workspace.build(dockerfile, ["--attest", "type=provenance", "-t", "kept:3"])
        #expect(provenance.status == 64)
        #expect(provenance.standardError.contains("--attest type=provenance: only type=sbom is supported"))

        let listed = try SwiftBuildProcess.run(["images", "--format", "json", "--root", workspace.store.path])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        #expect(images.map { $0["name"] as? String } == ["busybox:latest", "kept:1", "kept:2"])
        let referrers = images.compactMap { $0["referrers"] as? [[String: Any]] }
        #expect(referrers.count == 2)
        #expect(
            referrers.allSatisfy {
                $0.first?["artifactType"] as? String == Self.spdxMediaType && $0.first?["digest"] as? String == digests[0]
            })

        let blob = workspace.store.appendingPathComponent("blobs/sha256/\(digests[0].dropFirst(7))")
        #expect(try SwiftBuildProcess.run(["prune", "--root", workspace.store.path]).status == 0)
        #expect(FileManager.default.fileExists(atPath: blob.path))
        #expect(try SwiftBuildProcess.run(["rmi", "kept:1", "--root", workspace.store.path]).status == 0)
        #expect(try SwiftBuildProcess.run(["prune", "--root", workspace.store.path]).status == 0)
        #expect(try referrerDigests() == digests)
        #expect(try SwiftBuildProcess.run(["rmi", "kept:2", "--root", workspace.store.path]).status == 0)
        #expect(try SwiftBuildProcess.run(["prune", "--root", workspace.store.path]).status == 0)
        #expect(try referrerDigests() == [])
        #expect(!FileManager.default.fileExists(atPath: blob.path))
    }

    /// The bases' directory with `busybox-multi` (an index of linux/amd64 and linux/arm64,
    /// scripts/oracle/bases), made once per test process.
    static let multiBase: Result<String, ExternalTool.Failure> = ExternalTool.testBases(["busybox-multi"])

    /// `--sbom` with two platforms on the busybox-multi base, each platform's image given
    /// its own apk database and its own Go executable (built for its architecture): one
    /// document per platform, each made from that platform's image and stored as a
    /// referrer of that platform's manifest, each valid for pyspdxtools, written as
    /// `linux_amd64/sbom.spdx.json` and `linux_arm64/sbom.spdx.json` by `--output
    /// type=local` and carried by `--output type=oci`; the image ID is the one the same
    /// build makes without `--sbom`.
    @Test func oneDocumentPerPlatformImage() throws {
        let workspace = try BuildWorkspace(busybox: false)
        defer { workspace.remove() }
        let bases = try Self.multiBase.get()
        let load = try SwiftBuildProcess.run(["load", "-i", bases + "/busybox-multi.oci.tar", "--root", workspace.store.path])
        #expect(load.status == 0, "\(load.standardError)")
        let machines = ["amd64": "x86_64", "arm64": "aarch64"]
        for (architecture, machine) in machines {
            try Data("P:musl\nV:1.2.5-r0\nA:\(machine)\nL:MIT\n".utf8).write(
                to: workspace.context.appendingPathComponent("installed-\(architecture)"))
            _ = try Self.buildGoProgram(
                in: workspace.work, to: workspace.context.appendingPathComponent("demo-\(architecture)"),
                module: "example.com/demo-\(architecture)", architecture: architecture)
        }
        let dockerfile = """
            FROM oracle-busybox:multi
            ARG TARGETARCH
            COPY installed-$TARGETARCH /lib/apk/db/installed
            COPY demo-$TARGETARCH /usr/local/bin/demo

            """
        let output = workspace.work.appendingPathComponent("out")
        let archive = workspace.work.appendingPathComponent("image.tar")
        let built = try workspace.build(
            dockerfile,
            [
                "--sbom", "--platform", "linux/amd64,linux/arm64", "-t", "multi-sbom:1", "--output", "type=local,dest=\(output.path)",
                "--output", "type=oci,dest=\(archive.path)"
            ])
        #expect(built.status == 0, "\(built.standardError)")
        let indexID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let plain = try workspace.build(dockerfile, ["--platform", "linux/amd64,linux/arm64", "-t", "multi-plain:1"])
        #expect(plain.status == 0, "\(plain.standardError)")
        #expect(plain.standardOutput == built.standardOutput)

        // The platforms' manifests, from the index the build stored.
        let index = try Self.json(workspace.store.appendingPathComponent("blobs/sha256/\(indexID.dropFirst(7))"))
        var manifests: [String: String] = [:]
        for entry in (index["manifests"] as? [[String: Any]]) ?? [] {
            let architecture = try #require((entry["platform"] as? [String: Any])?["architecture"] as? String)
            manifests[architecture] = try #require(entry["digest"] as? String)
        }
        #expect(manifests.keys.sorted() == ["amd64", "arm64"])

        // One referrer per platform manifest in the store, its layer the platform's file.
        let referrers = try Self.indexEntries(workspace.store).filter { $0["artifactType"] as? String == Self.spdxMediaType }
        #expect(referrers.count == 2)
        var subjects: [String] = []
        var referrerOf: [String: String] = [:]
        for referrer in referrers {
            let manifest = try Self.json(
                workspace.store.appendingPathComponent("blobs/sha256/\((referrer["digest"] as? String ?? "").dropFirst(7))"))
            let subject = try #require((manifest["subject"] as? [String: Any])?["digest"] as? String)
            subjects.append(subject)
            referrerOf[subject] = referrer["digest"] as? String
            #expect(manifest["artifactType"] as? String == Self.spdxMediaType)
            let architecture = try #require(manifests.first { $0.value == subject }?.key, "subject \(subject) is no platform's manifest")
            let layer = try #require((manifest["layers"] as? [[String: Any]])?.first)
            let blob = try Data(
                contentsOf: workspace.store.appendingPathComponent("blobs/sha256/\((layer["digest"] as? String ?? "").dropFirst(7))"))
            #expect(blob == (try Data(contentsOf: output.appendingPathComponent("linux_\(architecture)/sbom.spdx.json"))))
        }
        #expect(subjects.sorted() == manifests.values.sorted())

        // Each platform's document: valid, and what that platform's image holds.
        for (architecture, machine) in machines {
            let file = output.appendingPathComponent("linux_\(architecture)/sbom.spdx.json")
            let validation = try Self.validate(file)
            #expect(validation.status == 0, "pyspdxtools (\(architecture)): \(validation.output)")
            let document = try Self.json(file)
            let described = try #require((document["packages"] as? [[String: Any]])?.first)
            #expect(described["versionInfo"] as? String == manifests[architecture])
            #expect(
                (described["externalRefs"] as? [[String: String]])?.first?["referenceLocator"]
                    == "pkg:oci/multi-sbom@\(manifests[architecture] ?? "")?arch=\(architecture)")
            let purls = Self.packages(document).map(\.purl)
            #expect(purls.contains("pkg:apk/alpine/musl@1.2.5-r0?arch=\(machine)"), "\(purls)")
            #expect(purls.contains { $0.hasPrefix("pkg:golang/example.com/demo-\(architecture)@") }, "\(purls)")
            let other = architecture == "amd64" ? "arm64" : "amd64"
            #expect(!purls.contains { $0.hasPrefix("pkg:golang/example.com/demo-\(other)@") }, "\(purls)")
        }
        #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("sbom.spdx.json").path))

        // The OCI archive: the index under its name, and both referrers as entries.
        let unpacked = workspace.work.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        _ = try ExternalTool.run(["tar", "-xf", archive.path, "-C", unpacked.path])
        let entries = try Self.indexEntries(unpacked)
        #expect(entries.count == 3)
        #expect(entries.first?["digest"] as? String == indexID)
        let archived = entries.filter { $0["artifactType"] as? String == Self.spdxMediaType }.compactMap { $0["digest"] as? String }
        #expect(archived.sorted() == referrers.compactMap { $0["digest"] as? String }.sorted())
        for digest in archived {
            let manifest = try Self.json(unpacked.appendingPathComponent("blobs/sha256/\(digest.dropFirst(7))"))
            let layer = try #require((manifest["layers"] as? [[String: Any]])?.first?["digest"] as? String)
            #expect(FileManager.default.fileExists(atPath: unpacked.appendingPathComponent("blobs/sha256/\(layer.dropFirst(7))").path))
        }
        let inspected = try ExternalTool.run(["skopeo", "inspect", "--raw", "oci-archive:\(archive.path):multi-sbom:1"])
        #expect(inspected.contains("\"application/vnd.oci.image.index.v1+json\""))

        // `images` lists both with the index, each naming its platform's manifest.
        let listed = try SwiftBuildProcess.run(["images", "--format", "json", "--root", workspace.store.path])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        let line = try #require(images.first { $0["name"] as? String == "multi-sbom:1" })
        #expect(((line["referrers"] as? [[String: Any]]) ?? []).compactMap { $0["subject"] as? String }.sorted() == subjects.sorted())

        // `load` of the archive into another store keeps both, each with its platform's
        // manifest; `inspect` in both stores lists each under its platform's image.
        let other = workspace.work.appendingPathComponent("other-store")
        let loaded = try SwiftBuildProcess.run(["load", "-i", archive.path, "--root", other.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(!loaded.standardError.contains("warning"), "\(loaded.standardError)")
        let kept = try Self.indexEntries(other).filter { $0["artifactType"] as? String == Self.spdxMediaType }
        #expect(kept.compactMap { $0["digest"] as? String }.sorted() == archived.sorted())
        #expect(
            kept.compactMap { ($0["annotations"] as? [String: String])?["dev.swiftbuild.referrer.subject"] }.sorted() == subjects.sorted())
        for store in [workspace.store, other] {
            let inspected = try Self.inspect("multi-sbom:1", store: store)
            let platformImages = try #require(inspected["images"] as? [[String: Any]])
            #expect(platformImages.count == 2)
            for image in platformImages {
                let descriptor = try #require(image["descriptor"] as? [String: Any])
                let architecture = try #require((descriptor["platform"] as? [String: Any])?["architecture"] as? String)
                let listed = try #require(image["referrers"] as? [[String: Any]], "\(architecture)")
                #expect(listed.count == 1)
                #expect(listed.first?.keys.sorted() == ["artifactType", "digest", "mediaType", "size"])
                #expect(listed.first?["artifactType"] as? String == Self.spdxMediaType)
                #expect(listed.first?["digest"] as? String == referrerOf[manifests[architecture] ?? ""])
            }
        }
    }

    /// buildx's spellings: `--sbom=true` (and Go's other true words), `--sbom=false`,
    /// `--attest type=sbom,disabled=true`, the `--sbom` value after `--attest`; `generator=`,
    /// unknown keys and a non-boolean `disabled` are usage errors naming the option.
    @Test func optionForms() throws {
        let workspace = try BuildWorkspace(busybox: true)
        defer { workspace.remove() }
        var builds = 0
        /// Builds a new image (its own label) with `arguments`; whether a referrer now refers to it.
        func madeSBOM(_ arguments: [String]) throws -> Bool {
            builds += 1
            let built = try workspace.build("FROM busybox\n", ["--label", "n=\(builds)"] + arguments)
            #expect(built.status == 0, "\(arguments): \(built.standardError)")
            let imageID = built.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            return try Self.indexEntries(workspace.store).contains {
                $0["artifactType"] as? String == Self.spdxMediaType
                    && ($0["annotations"] as? [String: String])?["dev.swiftbuild.referrer.subject"] == imageID
            }
        }
        #expect(try madeSBOM(["--sbom=true", "-t", "forms:true"]))
        #expect(try madeSBOM(["--sbom=1"]))
        #expect(try madeSBOM(["--sbom"]))
        #expect(try madeSBOM(["--attest", "type=sbom"]))
        #expect(try madeSBOM(["--attest", "type=sbom,disabled=false"]))
        #expect(try !madeSBOM(["--sbom=false", "-t", "forms:false"]))
        #expect(try !madeSBOM(["--attest", "type=sbom,disabled=true"]))
        #expect(try !madeSBOM(["--attest", "type=sbom", "--sbom=false"]))
        #expect(try !madeSBOM(["--sbom="]))
        #expect(try !madeSBOM([]))
        // `--sbom=...` after `--` is an argument, not the option.
        let terminated = try SwiftBuildProcess.run(["build", "--root", workspace.store.path, "--", "--sbom=true"])
        #expect(terminated.status != 0)
        #expect(!terminated.standardError.contains("sbom-value"), "\(terminated.standardError)")

        let refused: [([String], String)] = [
            (
                ["--sbom=generator=docker/buildkit-syft-scanner"],
                "--sbom=generator=docker/buildkit-syft-scanner: generator= is not supported"
            ),
            (
                ["--attest", "type=sbom,generator=docker/buildkit-syft-scanner"],
                "--attest type=sbom,generator=docker/buildkit-syft-scanner: generator= is not supported"
            ),
            (["--attest", "type=sbom,disabled=maybe"], "--attest type=sbom,disabled=maybe: disabled=maybe is not a boolean"),
            (["--sbom=disabled=maybe"], "--sbom=disabled=maybe: disabled=maybe is not a boolean"),
            (["--attest", "type=sbom,scan=all"], "--attest type=sbom,scan=all: unknown option scan"),
            (["--sbom=nonsense"], "--sbom=nonsense: 'nonsense' is not key=value"),
            (["--attest", "type=provenance"], "--attest type=provenance: only type=sbom is supported")
        ]
        for (arguments, message) in refused {
            let result = try workspace.build("FROM busybox\n", arguments + ["-t", "refused:1"])
            #expect(result.status == 64, "\(arguments)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
        }
        let names = try SwiftBuildProcess.run(["images", "--root", workspace.store.path]).standardOutput
        #expect(!names.contains("refused"))
    }
}
