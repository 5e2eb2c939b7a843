import Foundation
import Testing

@testable import OCI

/// Runs `body` with a fresh empty directory, removed afterwards.
private func withScratchDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("swiftbuild-layout-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The names in `directory`, sorted; empty when it does not exist.
private func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// The contents of `path` as a string.
private func contents(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

/// Writes `text` to `path`.
private func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

@Suite("OCI image layout: files and blobs")
struct LayoutTests {
    @Test func createWritesTheSpecFiles() throws {
        try withScratchDirectory { dir in
            let root = "\(dir)/layout"
            let layout = try OCILayout.create(at: root)
            #expect(layout.root == root)
            #expect(try contents("\(root)/oci-layout") == #"{"imageLayoutVersion":"1.0.0"}"#)
            #expect(
                try contents("\(root)/index.json")
                    == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
            #expect(listing(root) == ["blobs", "index.json", "oci-layout"])
            #expect(try layout.readIndex() == ImageIndex())
        }
    }

    @Test func createIsIdempotentAndKeepsTheIndex() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let blob = try layout.writeBlob(Array("{}".utf8))
            var entry = blob.descriptor(mediaType: .ociManifest)
            entry.annotations = [AnnotationKey.refName: "kept"]
            try layout.writeIndex(ImageIndex(manifests: [entry]))
            let again = try OCILayout.create(at: root)
            #expect(try again.readIndex().manifests == [entry])
            #expect(listing(root) == ["blobs", "index.json", "oci-layout"])
        }
    }

    @Test func openValidatesTheLayoutFile() throws {
        try withScratchDirectory { root in
            #expect(throws: OCIError.notALayout(path: root, reason: "no oci-layout file")) {
                try OCILayout.open(at: root)
            }
            try write(#"{"imageLayoutVersion":"2.0.0"}"#, to: "\(root)/oci-layout")
            #expect(throws: OCIError.unsupportedLayoutVersion(path: "\(root)/oci-layout", version: "2.0.0")) {
                try OCILayout.open(at: root)
            }
            try write("not json", to: "\(root)/oci-layout")
            let error = #expect(throws: OCIError.self) { try OCILayout.open(at: root) }
            guard case .notALayout(let path, _) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(path == root)
            try write(#"{"imageLayoutVersion":"1.0.0"}"#, to: "\(root)/oci-layout")
            let layout = try OCILayout.open(at: root)
            #expect(throws: OCIError.notALayout(path: root, reason: "no index.json")) { try layout.readIndex() }
        }
    }

    @Test func indexWritesAreAtomicAndLeaveNoTemporaryFiles() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let entries = (0..<20).map { number in
                Descriptor(
                    mediaType: .ociManifest, digest: .sha256(Array("\(number)".utf8)), size: 2,
                    annotations: [AnnotationKey.refName: "tag\(number)"],
                    platform: Platform(architecture: "amd64", os: "linux"))
            }
            for count in 1...entries.count {
                try layout.writeIndex(ImageIndex(manifests: Array(entries.prefix(count))))
            }
            #expect(try layout.readIndex().manifests == entries)
            #expect(listing(root) == ["blobs", "index.json", "oci-layout"])
            let expected = try ImageIndex(manifests: entries).encoded().bytes
            #expect(try contents(layout.indexPath) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test func writesAndReadsBlobs() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let bytes = Array(#"{"hello":"world"}"#.utf8)
            let blob = try layout.writeBlob(bytes)
            #expect(blob == StoredBlob(digest: .sha256(bytes), size: Int64(bytes.count)))
            let path = try layout.blobPath(for: blob.digest)
            #expect(path == "\(root)/blobs/sha256/\(blob.digest.hex)")
            #expect(layout.hasBlob(blob.digest))
            #expect(try layout.readBlob(blob.descriptor(mediaType: .ociConfig)) == bytes)
            #expect(try layout.writeBlob(bytes) == blob)
            #expect(listing("\(root)/blobs/sha256") == [blob.digest.hex])
            #expect(listing(layout.temporaryDirectory) == [])
            #expect(!layout.hasBlob(.sha256(Array("other".utf8))))
        }
    }

    @Test func readingABlobVerifiesIt() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let bytes = Array("0123456789".utf8)
            let blob = try layout.writeBlob(bytes)
            let path = try layout.blobPath(for: blob.digest)
            let good = blob.descriptor(mediaType: .ociLayer)

            var wrongSize = good
            wrongSize.size = 11
            #expect(throws: OCIError.blobSizeMismatch(digest: blob.digest, path: path, expected: 11, actual: 10)) {
                try layout.readBlob(wrongSize)
            }

            let missing = Descriptor(mediaType: .ociConfig, describing: Array("absent".utf8))
            let missingPath = try layout.blobPath(for: missing.digest)
            #expect(throws: OCIError.blobMissing(digest: missing.digest, path: missingPath)) {
                try layout.readBlob(missing)
            }

            #expect(throws: OCIError.blobTooLarge(digest: blob.digest, size: 10, limit: 4)) {
                try layout.readBlob(good, maxSize: 4)
            }

            let tampered = Array("0123456780".utf8)
            try Data(tampered).write(to: URL(fileURLWithPath: path))
            #expect(throws: OCIError.blobDigestMismatch(path: path, expected: blob.digest, actual: .sha256(tampered))) {
                try layout.readBlob(good)
            }
            let message = OCIError.blobDigestMismatch(path: path, expected: blob.digest, actual: .sha256(tampered))
                .description
            #expect(message.contains(path) && message.contains(blob.digest.description))
        }
    }

    @Test func verifiesSHA512Blobs() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let source = "\(root)/source"
            try write("hello", to: source)
            // sha512("hello")
            let expected = try Digest(
                parsing: "sha512:9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
                    + "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043")
            let blob = try layout.ingestBlob(from: source, expectedDigest: expected, expectedSize: 5)
            #expect(blob == StoredBlob(digest: expected, size: 5))
            #expect(try layout.blobPath(for: expected).hasSuffix("/blobs/sha512/\(expected.hex)"))
            #expect(try layout.readBlob(blob.descriptor(mediaType: .ociLayer)) == Array("hello".utf8))
        }
    }

    @Test func refusesDigestsThatWouldEscapeBlobs() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let hostile = Digest(sha256Hex: "../../../etc/passwd")
            #expect(throws: OCIError.invalidDigest(.malformed(hostile.description))) {
                try layout.blobPath(for: hostile)
            }
            #expect(!layout.hasBlob(hostile))
        }
    }

    @Test func ingestCopiesAndKeepsTheSource() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let source = "\(root)/layer.tar"
            let payload = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
            try payload.write(to: URL(fileURLWithPath: source))
            let expected = Digest.sha256(Array(payload))
            let blob = try layout.ingestBlob(from: source, expectedDigest: expected, expectedSize: Int64(payload.count))
            #expect(blob == StoredBlob(digest: expected, size: Int64(payload.count)))
            #expect(FileManager.default.fileExists(atPath: source))
            #expect(FileManager.default.contents(atPath: try layout.blobPath(for: expected)) == payload)
            #expect(listing(layout.temporaryDirectory) == [])
        }
    }

    @Test func ingestMovesTheSource() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let source = "\(root)/config.json"
            try write("{}", to: source)
            let blob = try layout.ingestBlob(from: source, mode: .move)
            #expect(blob.digest.hex == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
            #expect(!FileManager.default.fileExists(atPath: source))
            #expect(try contents(layout.blobPath(for: blob.digest)) == "{}")
        }
    }

    /// Adopting takes the writer's digest and size as they are: the file is moved in
    /// under them without being read (which is why only a writer that hashed what it
    /// wrote may adopt).
    @Test func adoptMovesTheSourceInUnderTheWritersDigest() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let source = "\(root)/layer.blob"
            try write("{}", to: source)
            let digest = Digest.sha256(Array("{}".utf8))
            let blob = try layout.ingestBlob(from: source, mode: .adopt, expectedDigest: digest, expectedSize: 2)
            #expect(blob == StoredBlob(digest: digest, size: 2))
            #expect(!FileManager.default.fileExists(atPath: source))
            #expect(try contents(layout.blobPath(for: digest)) == "{}")
            #expect(listing(layout.temporaryDirectory) == [])
        }
    }

    @Test(arguments: [BlobIngestMode.copy, .move])
    func failedIngestChangesNothing(mode: BlobIngestMode) throws {
        try withScratchDirectory { dir in
            let layout = try OCILayout.create(at: "\(dir)/layout", temporaryDirectory: "\(dir)/staging")
            #expect(layout.temporaryDirectory == "\(dir)/staging")
            let source = "\(dir)/layer.tar"
            try write("not what was promised", to: source)
            let promised = Digest.sha256(Array("something else".utf8))
            let actual = Digest.sha256(Array("not what was promised".utf8))
            #expect(throws: OCIError.blobDigestMismatch(path: source, expected: promised, actual: actual)) {
                try layout.ingestBlob(from: source, mode: mode, expectedDigest: promised)
            }
            #expect(throws: OCIError.blobSizeMismatch(digest: promised, path: source, expected: 3, actual: 21)) {
                try layout.ingestBlob(from: source, mode: mode, expectedDigest: promised, expectedSize: 3)
            }
            #expect(try contents(source) == "not what was promised")
            #expect(listing("\(dir)/staging") == [])
            #expect(listing("\(dir)/layout/blobs/sha256") == [])
            #expect(!layout.hasBlob(actual))
        }
    }

    @Test func ingestReportsAMissingSource() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let error = #expect(throws: OCIError.self) { try layout.ingestBlob(from: "\(root)/nope") }
            #expect(error?.description == "open \(root)/nope: No such file or directory")
        }
    }
}

@Suite("OCI image layout: resolving references")
struct LayoutResolutionTests {
    /// A layout holding one image per platform under a nested index, tagged `multi`, plus
    /// a single-platform image tagged `single`.
    struct Fixture {
        let layout: OCILayout
        let amd64: EncodedContent
        let arm64: EncodedContent
        let armIndex: EncodedContent
        let multi: EncodedContent
        let single: EncodedContent

        init(root: String) throws {
            let layout = try OCILayout.create(at: root)
            func image(_ architecture: String) throws -> EncodedContent {
                let config = try ImageConfiguration(architecture: architecture, os: "linux").encoded()
                try layout.writeBlob(config.bytes)
                let manifest = try ImageManifest(config: config.descriptor, layers: []).encoded()
                try layout.writeBlob(manifest.bytes)
                return manifest
            }
            func entry(_ content: EncodedContent, _ platform: Platform?) -> Descriptor {
                var descriptor = content.descriptor
                descriptor.platform = platform
                return descriptor
            }
            let amd64 = try image("amd64")
            let arm64 = try image("arm64")
            // arm64 sits one index deeper, in a Docker manifest list, to exercise nesting.
            let armIndex = try ImageIndex(
                mediaType: .dockerManifestList,
                manifests: [entry(arm64, Platform(architecture: "arm64", os: "linux", variant: "v8"))]
            ).encoded()
            try layout.writeBlob(armIndex.bytes)
            let multi = try ImageIndex(manifests: [
                entry(amd64, Platform(architecture: "amd64", os: "linux")),
                entry(armIndex, Platform(architecture: "arm64", os: "linux"))
            ]).encoded()
            try layout.writeBlob(multi.bytes)
            let single = try image("s390x")
            var tagged = multi.descriptor
            tagged.annotations = [AnnotationKey.refName: "multi"]
            var other = single.descriptor
            other.annotations = [AnnotationKey.refName: "single"]
            try layout.writeIndex(ImageIndex(manifests: [tagged, other]))
            (self.layout, self.amd64, self.arm64, self.armIndex, self.multi, self.single) =
                (layout, amd64, arm64, armIndex, multi, single)
        }
    }

    private let amd64 = Platform(architecture: "amd64", os: "linux")
    private let arm64 = Platform(architecture: "arm64", os: "linux")

    @Test func parsesReferences() {
        #expect(LayoutReference(parsing: nil) == .onlyImage)
        #expect(LayoutReference(parsing: "") == .onlyImage)
        #expect(LayoutReference(parsing: "app:latest") == .name("app:latest"))
        let digest = Digest.sha256(Array("x".utf8))
        #expect(LayoutReference(parsing: digest.description) == .digest(digest))
        #expect(LayoutReference(parsing: "sha256:short") == .name("sha256:short"))
    }

    @Test func resolvesByNameThroughNestedIndexes() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            let onAMD = try fixture.layout.resolveManifest(.name("multi"), platform: amd64)
            #expect(onAMD.descriptor.digest == fixture.amd64.descriptor.digest)
            #expect(onAMD.entry.digest == fixture.multi.descriptor.digest)
            #expect(onAMD.entry.referenceName == "multi")
            let onARM = try fixture.layout.resolveManifest(.name("multi"), platform: arm64)
            #expect(onARM.descriptor.digest == fixture.arm64.descriptor.digest)
            let config = try fixture.layout.decodeBlob(onARM.manifest.config, as: ImageConfiguration.self)
            #expect(config.architecture == "arm64")
            let single = try fixture.layout.resolveManifest(.name("single"), platform: amd64)
            #expect(single.descriptor.digest == fixture.single.descriptor.digest)
            #expect(single.entry == single.descriptor)
        }
    }

    @Test func resolvesByDigestAtAnyDepth() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            let nested = try fixture.layout.resolveManifest(.digest(fixture.arm64.descriptor.digest), platform: amd64)
            #expect(nested.descriptor.digest == fixture.arm64.descriptor.digest)
            #expect(nested.manifest.config.mediaType == .ociConfig)
            let top = try fixture.layout.entry(for: .digest(fixture.multi.descriptor.digest))
            #expect(top.referenceName == "multi")
            let absent = Digest.sha256(Array("absent".utf8))
            #expect(
                throws: OCIError.referenceNotFound(
                    reference: absent.description, layout: root, available: ["multi", "single"])
            ) {
                try fixture.layout.entry(for: .digest(absent))
            }
        }
    }

    @Test func resolvesTheOnlyImage() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            let error = #expect(throws: OCIError.self) { try fixture.layout.entry(for: .onlyImage) }
            guard case .ambiguousReference(_, let layout, let candidates) = error else {
                Issue.record("unexpected \(String(describing: error))")
                return
            }
            #expect(layout == root)
            #expect(candidates == ["multi@\(fixture.multi.descriptor.digest)", "single@\(fixture.single.descriptor.digest)"])

            var index = try fixture.layout.readIndex()
            index.manifests.removeLast()
            try fixture.layout.writeIndex(index)
            let only = try fixture.layout.resolveManifest(.onlyImage, platform: arm64)
            #expect(only.descriptor.digest == fixture.arm64.descriptor.digest)
        }
    }

    @Test func reportsUnknownNamesAndPlatforms() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            #expect(throws: OCIError.referenceNotFound(reference: "nope", layout: root, available: ["multi", "single"])) {
                try fixture.layout.resolveManifest(.name("nope"))
            }
            let riscv = Platform(architecture: "riscv64", os: "linux")
            #expect(
                throws: OCIError.noMatchingPlatform(
                    source: "index \(fixture.multi.descriptor.digest)", requested: riscv, available: [amd64, arm64])
            ) {
                try fixture.layout.resolveManifest(.name("multi"), platform: riscv)
            }
        }
    }

    @Test func picksAmongSameNamedEntriesByPlatform() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            func tagged(_ content: EncodedContent, _ platform: Platform) -> Descriptor {
                var descriptor = content.descriptor
                descriptor.platform = platform
                descriptor.annotations = [AnnotationKey.refName: "app"]
                return descriptor
            }
            try fixture.layout.writeIndex(
                ImageIndex(manifests: [
                    tagged(fixture.amd64, amd64), tagged(fixture.arm64, arm64)
                ]))
            #expect(
                try fixture.layout.resolveManifest(.name("app"), platform: arm64).descriptor.digest
                    == fixture.arm64.descriptor.digest)
            let s390x = Platform(architecture: "s390x", os: "linux")
            #expect(
                throws: OCIError.noMatchingPlatform(
                    source: "\(root)/index.json entries named 'app'", requested: s390x, available: [amd64, arm64])
            ) {
                try fixture.layout.resolveManifest(.name("app"), platform: s390x)
            }
        }
    }

    @Test func verifiesEveryDocumentOnTheWay() throws {
        try withScratchDirectory { root in
            let fixture = try Fixture(root: root)
            let path = try fixture.layout.blobPath(for: fixture.armIndex.descriptor.digest)
            var corrupted = fixture.armIndex.bytes
            corrupted[corrupted.count - 2] = UInt8(ascii: " ")
            try Data(corrupted).write(to: URL(fileURLWithPath: path))
            #expect(
                throws: OCIError.blobDigestMismatch(
                    path: path, expected: fixture.armIndex.descriptor.digest, actual: .sha256(corrupted))
            ) {
                try fixture.layout.resolveManifest(.name("multi"), platform: arm64)
            }
            try FileManager.default.removeItem(atPath: path)
            #expect(throws: OCIError.blobMissing(digest: fixture.armIndex.descriptor.digest, path: path)) {
                try fixture.layout.resolveManifest(.name("multi"), platform: arm64)
            }
            #expect(
                try fixture.layout.resolveManifest(.name("multi"), platform: amd64).descriptor.digest
                    == fixture.amd64.descriptor.digest)
        }
    }

    @Test func refusesEntriesThatAreNotImages() throws {
        try withScratchDirectory { root in
            let layout = try OCILayout.create(at: root)
            let blob = try layout.writeBlob(Array("{}".utf8))
            var entry = blob.descriptor(mediaType: .ociConfig)
            entry.annotations = [AnnotationKey.refName: "config"]
            try layout.writeIndex(ImageIndex(manifests: [entry]))
            #expect(throws: OCIError.unsupportedMediaType(.ociConfig, digest: blob.digest)) {
                try layout.resolveManifest(.name("config"))
            }
        }
    }
}
