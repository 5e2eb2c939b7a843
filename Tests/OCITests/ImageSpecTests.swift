import Foundation
import Testing

@testable import OCI

/// The UTF-8 bytes of `text`.
private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// `value` encoded by ``OCIJSON``, as a string.
private func json(_ value: some Encodable) throws -> String {
    String(decoding: try OCIJSON.encode(value), as: UTF8.self)
}

/// A digest made of one repeated hex digit, for fixtures.
private func digest(_ digit: Character) -> Digest {
    Digest(sha256Hex: String(repeating: digit, count: 64))
}

@Suite("Image manifests")
struct ImageManifestTests {
    static let ociManifest = """
        {
          "schemaVersion": 2,
          "mediaType": "application/vnd.oci.image.manifest.v1+json",
          "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:\(String(repeating: "c", count: 64))",
            "size": 7023
          },
          "layers": [
            {
              "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
              "digest": "sha256:\(String(repeating: "1", count: 64))",
              "size": 32654
            },
            {
              "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
              "digest": "sha256:\(String(repeating: "2", count: 64))",
              "size": 16724,
              "urls": ["https://mirror.example.com/layer"]
            }
          ],
          "subject": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:\(String(repeating: "5", count: 64))",
            "size": 7682
          },
          "annotations": {
            "com.example.key1": "value1",
            "org.opencontainers.image.created": "2024-01-02T03:04:05Z"
          },
          "somethingFromTheFuture": {"x": [1, 2, 3]}
        }
        """

    @Test func decodesTheOCIShape() throws {
        let manifest = try OCIJSON.decode(ImageManifest.self, from: bytes(Self.ociManifest), what: "test")
        #expect(manifest.schemaVersion == 2)
        #expect(manifest.mediaType == .ociManifest)
        #expect(manifest.config == Descriptor(mediaType: .ociConfig, digest: digest("c"), size: 7023))
        #expect(manifest.layers.map(\.mediaType.layerCompression) == [.gzip, .zstd])
        #expect(manifest.layers[1].urls == ["https://mirror.example.com/layer"])
        #expect(manifest.layers.map(\.size) == [32654, 16724])
        #expect(manifest.subject?.digest == digest("5"))
        #expect(manifest.annotations?[AnnotationKey.created] == "2024-01-02T03:04:05Z")
        #expect(manifest.artifactType == nil)
    }

    @Test func encodesCompactSortedAndWithoutNulls() throws {
        let manifest = ImageManifest(
            config: Descriptor(mediaType: .ociConfig, digest: digest("c"), size: 7023),
            layers: [Descriptor(mediaType: .ociLayerGzip, digest: digest("1"), size: 32654)])
        let expected =
            #"{"config":{"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","#
            + #""mediaType":"application/vnd.oci.image.config.v1+json","size":7023},"#
            + #""layers":[{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","#
            + #""mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":32654}],"#
            + #""mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2}"#
        #expect(try json(manifest) == expected)
    }

    @Test func roundTripsThroughJSON() throws {
        let manifest = try OCIJSON.decode(ImageManifest.self, from: bytes(Self.ociManifest), what: "test")
        let again = try OCIJSON.decode(ImageManifest.self, from: OCIJSON.encode(manifest), what: "test")
        #expect(again == manifest)
        #expect(try !json(manifest).contains("somethingFromTheFuture"))
    }

    @Test func encodedGivesBytesAndAMatchingDescriptor() throws {
        let manifest = ImageManifest(
            artifactType: "application/vnd.example.sbom",
            config: Descriptor(mediaType: .ociEmptyJSON, describing: bytes("{}")), layers: [])
        let encoded = try manifest.encoded()
        #expect(encoded.bytes == (try OCIJSON.encode(manifest)))
        #expect(encoded.descriptor.mediaType == .ociManifest)
        #expect(encoded.descriptor.digest == Digest.sha256(encoded.bytes))
        #expect(encoded.descriptor.size == Int64(encoded.bytes.count))
        #expect(encoded.descriptor.artifactType == "application/vnd.example.sbom")
        #expect(try manifest.encoded() == encoded)
    }

    @Test func decodesDockerV2Schema2() throws {
        let docker = """
            {
               "schemaVersion": 2,
               "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
               "config": {
                  "mediaType": "application/vnd.docker.container.image.v1+json",
                  "size": 1469,
                  "digest": "sha256:\(String(repeating: "a", count: 64))"
               },
               "layers": [
                  {
                     "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                     "size": 2479,
                     "digest": "sha256:\(String(repeating: "b", count: 64))"
                  }
               ]
            }
            """
        let manifest = try OCIJSON.decode(ImageManifest.self, from: bytes(docker), what: "test")
        #expect(manifest.mediaType == .dockerManifest)
        #expect(manifest.mediaType?.isManifest == true)
        #expect(manifest.config.mediaType == .dockerConfig)
        #expect(manifest.config.mediaType.isConfig)
        #expect(manifest.layers == [Descriptor(mediaType: .dockerLayerGzip, digest: digest("b"), size: 2479)])
        #expect(manifest.layers[0].mediaType.layerCompression == .gzip)
    }

    @Test func missingRequiredFieldsAreNamed() {
        let error = #expect(throws: OCIError.self) {
            try OCIJSON.decode(ImageManifest.self, from: bytes(#"{"schemaVersion":2,"layers":[]}"#), what: "blob X")
        }
        #expect(error?.description == "blob X: invalid JSON: missing field 'config'")
    }
}

@Suite("Image indexes")
struct ImageIndexTests {
    @Test func decodesTheOCIShape() throws {
        let text = """
            {
              "schemaVersion": 2,
              "manifests": [
                {
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "size": 7143,
                  "digest": "sha256:\(String(repeating: "e", count: 64))",
                  "platform": {"architecture": "ppc64le", "os": "linux"}
                },
                {
                  "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "size": 7682,
                  "digest": "sha256:\(String(repeating: "5", count: 64))",
                  "platform": {"architecture": "amd64", "os": "linux"}
                }
              ],
              "annotations": {"com.example.key1": "value1", "com.example.key2": "value2"}
            }
            """
        let index = try OCIJSON.decode(ImageIndex.self, from: bytes(text), what: "test")
        #expect(index.mediaType == nil)
        #expect(index.manifests.map(\.platform?.architecture) == ["ppc64le", "amd64"])
        #expect(index.annotations == ["com.example.key1": "value1", "com.example.key2": "value2"])
        #expect(Platform(architecture: "amd64", os: "linux").bestMatch(in: index.manifests)?.size == 7682)
    }

    @Test func decodesADockerManifestList() throws {
        let text = """
            {
              "schemaVersion": 2,
              "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
              "manifests": [
                {
                  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                  "digest": "sha256:\(String(repeating: "e", count: 64))",
                  "size": 7143,
                  "platform": {"architecture": "arm", "os": "linux", "variant": "v7", "features": ["sse4"]}
                },
                {
                  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                  "digest": "sha256:\(String(repeating: "5", count: 64))",
                  "size": 7682,
                  "platform": {"architecture": "amd64", "os": "windows", "os.version": "10.0.14393.1066",
                               "os.features": ["win32k"]}
                }
              ]
            }
            """
        let list = try OCIJSON.decode(ImageIndex.self, from: bytes(text), what: "test")
        #expect(list.mediaType == .dockerManifestList)
        #expect(list.mediaType?.isIndex == true)
        #expect(list.manifests[0].platform == Platform(architecture: "arm", os: "linux", variant: "v7"))
        #expect(list.manifests[1].platform?.osVersion == "10.0.14393.1066")
        #expect(list.manifests[1].platform?.osFeatures == ["win32k"])
        #expect(list.manifests.allSatisfy { $0.mediaType.isManifest })
    }

    @Test func encodesAnEmptyIndexForALayout() throws {
        #expect(
            try json(ImageIndex())
                == #"{"manifests":[],"mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2}"#)
        let encoded = try ImageIndex().encoded()
        #expect(encoded.descriptor.mediaType == .ociIndex)
        #expect(encoded.descriptor.digest == Digest.sha256(encoded.bytes))
    }

    @Test func sameContentGivesTheSameBytesWhateverTheInsertionOrder() throws {
        var first: [String: String] = [:]
        var second: [String: String] = [:]
        let keys = (0..<50).map { "org.example.key\($0)" }
        for key in keys { first[key] = key }
        for key in keys.reversed() { second[key] = key }
        let entry = Descriptor(mediaType: .ociManifest, digest: digest("e"), size: 1)
        let a = ImageIndex(manifests: [entry], annotations: first)
        let b = ImageIndex(manifests: [entry], annotations: second)
        #expect(try a.encoded().descriptor.digest == b.encoded().descriptor.digest)
    }
}

@Suite("Descriptors and platforms")
struct DescriptorTests {
    @Test func encodesPlatformFieldNamesWithDots() throws {
        let descriptor = Descriptor(
            mediaType: .ociManifest, digest: digest("a"), size: 42,
            annotations: [AnnotationKey.refName: "app:latest"],
            platform: Platform(
                architecture: "amd64", os: "windows", osVersion: "10.0.17763", osFeatures: ["win32k"]),
            artifactType: "application/vnd.example+type")
        let expected =
            #"{"annotations":{"org.opencontainers.image.ref.name":"app:latest"},"#
            + #""artifactType":"application/vnd.example+type","#
            + #""digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","#
            + #""mediaType":"application/vnd.oci.image.manifest.v1+json","#
            + #""platform":{"architecture":"amd64","os":"windows","os.features":["win32k"],"os.version":"10.0.17763"},"#
            + #""size":42}"#
        #expect(try json(descriptor) == expected)
        #expect(descriptor.referenceName == "app:latest")
        #expect(try OCIJSON.decode(Descriptor.self, from: bytes(expected), what: "test") == descriptor)
    }

    @Test func omitsUnsetOptionals() throws {
        let text = try json(Descriptor(mediaType: .ociLayer, digest: digest("0"), size: 0))
        #expect(!text.contains("null"))
        #expect(!text.contains("urls") && !text.contains("annotations") && !text.contains("platform"))
        #expect(!text.contains("\\/"))
    }

    @Test func describingBytesHashesThem() {
        let descriptor = Descriptor(mediaType: .ociEmptyJSON, describing: bytes("{}"))
        #expect(descriptor.size == 2)
        #expect(descriptor.digest.hex == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
    }

    @Test func normalisesPlatformAliases() {
        #expect(Platform(architecture: "x86_64", os: "Linux").normalized == Platform(architecture: "amd64", os: "linux"))
        #expect(
            Platform(architecture: "aarch64", os: "linux", variant: "v8").normalized
                == Platform(architecture: "arm64", os: "linux"))
        #expect(
            Platform(architecture: "arm", os: "linux").normalized
                == Platform(architecture: "arm", os: "linux", variant: "v7"))
        #expect(
            Platform(architecture: "armhf", os: "linux").normalized
                == Platform(architecture: "arm", os: "linux", variant: "v7"))
        #expect(Platform(architecture: "i386", os: "linux").normalized == Platform(architecture: "386", os: "linux"))
        let arm64 = Platform(architecture: "arm64", os: "linux")
        #expect(arm64.matches(Platform(architecture: "arm64", os: "linux", variant: "v8")))
        let armv6 = Platform(architecture: "arm", os: "linux", variant: "v6")
        #expect(!armv6.matches(Platform(architecture: "arm", os: "linux")))
        #expect(Platform(architecture: "arm", os: "linux", variant: "v6").description == "linux/arm/v6")
    }

    @Test func hostPlatformIsLinux() {
        #expect(Platform.host.os == "linux")
        #if arch(x86_64)
            #expect(Platform.host == Platform(architecture: "amd64", os: "linux"))
        #endif
    }

    @Test func bestMatchPrefersExactThenAnyVariantThenTheOnlyUnplatformedEntry() {
        func entry(_ digit: Character, _ platform: Platform?, _ mediaType: MediaType = .ociManifest) -> Descriptor {
            Descriptor(mediaType: mediaType, digest: digest(digit), size: 1, platform: platform)
        }
        let entries = [
            entry("0", Platform(architecture: "amd64", os: "linux"), "application/vnd.example.unknown"),
            entry("1", Platform(architecture: "arm", os: "linux", variant: "v6")),
            entry("2", Platform(architecture: "arm", os: "linux", variant: "v7")),
            entry("3", Platform(architecture: "amd64", os: "linux", variant: "v3")),
            entry("4", Platform(architecture: "amd64", os: "linux")),
            entry("5", Platform(architecture: "unknown", os: "unknown"))
        ]
        #expect(Platform(architecture: "x86_64", os: "linux").bestMatch(in: entries)?.digest == digest("4"))
        #expect(Platform(architecture: "amd64", os: "linux").bestMatch(in: Array(entries.prefix(4)))?.digest == digest("3"))
        #expect(Platform(architecture: "arm", os: "linux").bestMatch(in: entries)?.digest == digest("2"))
        #expect(Platform(architecture: "arm", os: "linux", variant: "v6").bestMatch(in: entries)?.digest == digest("1"))
        #expect(Platform(architecture: "s390x", os: "linux").bestMatch(in: entries) == nil)
        #expect(Platform(architecture: "s390x", os: "linux").bestMatch(in: [entry("6", nil)])?.digest == digest("6"))
        #expect(Platform(architecture: "s390x", os: "linux").bestMatch(in: [entry("6", nil), entry("7", nil)]) == nil)
    }
}

@Suite("Media types")
struct MediaTypeTests {
    @Test func classifiesLayers() {
        #expect(MediaType.ociLayer.layerCompression == MediaType.Compression.none)
        #expect(MediaType.ociLayerGzip.layerCompression == .gzip)
        #expect(MediaType.ociLayerZstd.layerCompression == .zstd)
        #expect(MediaType.dockerLayerGzip.layerCompression == .gzip)
        #expect(MediaType.ociNondistributableLayerZstd.layerCompression == .zstd)
        #expect(MediaType.ociNondistributableLayerGzip.isNondistributableLayer)
        #expect(MediaType.dockerForeignLayerGzip.isNondistributableLayer)
        #expect(!MediaType.ociLayerGzip.isNondistributableLayer)
        #expect(!MediaType.ociConfig.isLayer)
        #expect(!MediaType("application/octet-stream").isLayer)
        for compression in MediaType.Compression.allCases {
            #expect(MediaType.ociLayer(compression).layerCompression == compression)
        }
    }

    @Test func classifiesDocuments() {
        #expect(MediaType.ociManifest.isManifest && MediaType.dockerManifest.isManifest)
        #expect(MediaType.ociIndex.isIndex && MediaType.dockerManifestList.isIndex)
        #expect(!MediaType.ociIndex.isManifest && !MediaType.ociManifest.isIndex)
        #expect(MediaType.ociConfig.isConfig && MediaType.dockerConfig.isConfig)
        #expect(MediaType.ociEmptyJSON.rawValue == "application/vnd.oci.empty.v1+json")
    }

    @Test func keepsUnknownTypesVerbatim() throws {
        let unknown = try OCIJSON.decode(MediaType.self, from: bytes(#""application/x-future""#), what: "test")
        #expect(unknown.rawValue == "application/x-future")
        #expect(try json(unknown) == #""application/x-future""#)
    }
}

@Suite("Image configurations")
struct ImageConfigurationTests {
    static let dockerStyleConfig = """
        {
          "created": "2015-10-31T22:22:56.015925234Z",
          "author": "Alyssa P. Hacker <alyspdev@example.com>",
          "architecture": "arm64",
          "variant": "v8",
          "os": "linux",
          "docker_version": "24.0.7",
          "container_config": {"Hostname": "abc"},
          "config": {
            "User": "alice",
            "Memory": 2048,
            "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=oci_is_a"],
            "Entrypoint": ["/bin/my-app-binary"],
            "Cmd": ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
            "Volumes": {"/var/job-result-data": {}, "/var/log/my-app-logs": {}},
            "WorkingDir": "/home/alice",
            "Labels": {"com.example.project.git.url": "https://example.com/project.git"},
            "StopSignal": "SIGTERM",
            "ArgsEscaped": true,
            "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                            "Interval": 30000000000, "Timeout": 3000000000, "StartPeriod": 5000000000,
                            "StartInterval": 1000000000, "Retries": 3},
            "OnBuild": ["RUN echo child"],
            "Shell": ["/bin/bash", "-c"],
            "OnlyDockerKnows": null
          },
          "rootfs": {
            "diff_ids": [
              "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1",
              "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
            ],
            "type": "layers"
          },
          "history": [
            {"created": "2015-10-31T22:22:54.690851953Z",
             "created_by": "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /"},
            {"created": "2015-10-31T22:22:55.613815829Z", "created_by": "/bin/sh -c #(nop) CMD [\\"sh\\"]",
             "empty_layer": true, "comment": "buildkit.dockerfile.v0", "author": "alice"}
          ]
        }
        """

    @Test func decodesEveryField() throws {
        let image = try OCIJSON.decode(ImageConfiguration.self, from: bytes(Self.dockerStyleConfig), what: "test")
        #expect(image.created == "2015-10-31T22:22:56.015925234Z")
        #expect(image.author == "Alyssa P. Hacker <alyspdev@example.com>")
        #expect(image.platform == Platform(architecture: "arm64", os: "linux", variant: "v8"))
        let config = try #require(image.config)
        #expect(config.user == "alice")
        #expect(config.exposedPorts == ["8080/tcp", "53/udp"])
        #expect(config.env?.count == 2)
        #expect(config.entrypoint == ["/bin/my-app-binary"])
        #expect(config.cmd == ["--foreground", "--config", "/etc/my-app.d/default.cfg"])
        #expect(config.volumes?.sorted() == ["/var/job-result-data", "/var/log/my-app-logs"])
        #expect(config.workingDir == "/home/alice")
        #expect(config.labels == ["com.example.project.git.url": "https://example.com/project.git"])
        #expect(config.stopSignal == "SIGTERM")
        #expect(config.argsEscaped == true)
        #expect(
            config.healthcheck
                == Healthcheck(
                    test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 30_000_000_000,
                    timeout: 3_000_000_000, startPeriod: 5_000_000_000, startInterval: 1_000_000_000, retries: 3))
        #expect(config.onBuild == ["RUN echo child"])
        #expect(config.shell == ["/bin/bash", "-c"])
        #expect(image.rootfs.type == "layers")
        #expect(image.rootfs.diffIDs.map(\.hex.first) == ["c", "5"])
        #expect(image.history?.count == 2)
        #expect(image.history?[0].emptyLayer == nil)
        #expect(
            image.history?[1]
                == HistoryEntry(
                    created: "2015-10-31T22:22:55.613815829Z", createdBy: #"/bin/sh -c #(nop) CMD ["sh"]"#,
                    author: "alice", comment: "buildkit.dockerfile.v0", emptyLayer: true))
    }

    @Test func reencodesWithTheSpecFieldNames() throws {
        let image = try OCIJSON.decode(ImageConfiguration.self, from: bytes(Self.dockerStyleConfig), what: "test")
        let encoded = try json(image)
        for key in [
            "\"architecture\":", "\"variant\":", "\"rootfs\":", "\"diff_ids\":", "\"created_by\":", "\"empty_layer\":",
            "\"ExposedPorts\":{\"53/udp\":{},\"8080/tcp\":{}}", "\"Healthcheck\":{", "\"StartInterval\":1000000000",
            "\"OnBuild\":", "\"Shell\":", "\"ArgsEscaped\":true", "\"StopSignal\":", "\"WorkingDir\":",
            "\"Volumes\":{\"/var/job-result-data\":{},\"/var/log/my-app-logs\":{}}",
            "\"Labels\":{\"com.example.project.git.url\":\"https://example.com/project.git\"}"
        ] {
            #expect(encoded.contains(key), "missing \(key)")
        }
        #expect(!encoded.contains("docker_version") && !encoded.contains("Memory") && !encoded.contains("null"))
        #expect(try OCIJSON.decode(ImageConfiguration.self, from: bytes(encoded), what: "test") == image)
    }

    @Test func minimalConfigEncodesOnlyWhatIsSet() throws {
        let image = ImageConfiguration(
            architecture: "amd64", os: "linux", config: ContainerConfig(),
            rootfs: RootFS(diffIDs: [Digest.sha256(bytes("layer"))]))
        let diffID = Digest.sha256(bytes("layer"))
        #expect(
            try json(image)
                == #"{"architecture":"amd64","config":{},"os":"linux","#
                + #""rootfs":{"diff_ids":["\#(diffID)"],"type":"layers"}}"#)
        let encoded = try image.encoded()
        #expect(encoded.descriptor.mediaType == .ociConfig)
        #expect(try image.encoded(mediaType: .dockerConfig).descriptor.mediaType == .dockerConfig)
    }

    @Test func emptyListsStayDistinctFromUnset() throws {
        let config = ContainerConfig(entrypoint: [], cmd: nil)
        #expect(try json(config) == #"{"Entrypoint":[]}"#)
        let decoded = try OCIJSON.decode(ContainerConfig.self, from: bytes(#"{"Entrypoint":[],"Cmd":null}"#), what: "t")
        #expect(decoded.entrypoint == [])
        #expect(decoded.cmd == nil)
    }

    @Test func datesRoundTripExactly() throws {
        let created = "2024-02-29T23:59:60.123456789+05:30"
        let image = ImageConfiguration(created: created, architecture: "amd64", os: "linux")
        let decoded = try OCIJSON.decode(ImageConfiguration.self, from: OCIJSON.encode(image), what: "test")
        #expect(decoded.created == created)
    }
}
