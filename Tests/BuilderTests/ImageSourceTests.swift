import Foundation
import OCI
import Testing

@testable import Builder

/// How FROM text and `--build-context` values name the image a stage starts from.
@Suite("Image sources and named contexts")
struct ImageSourceTests {
    @Test func fromTextIsTheStoreOrAnArchiveTransport() {
        #expect(ImageSource("busybox") == .stored("busybox"))
        #expect(ImageSource("0123456789ab") == .stored("0123456789ab"))
        #expect(ImageSource("oci-archive:/tmp/a.tar") == .archive(path: "/tmp/a.tar", reference: nil))
        #expect(ImageSource("docker-archive:/tmp/a.tar:app:1") == .archive(path: "/tmp/a.tar", reference: "app:1"))
        #expect(ImageSource("oci:/tmp/layout:latest") == .archive(path: "/tmp/layout", reference: "latest"))
    }

    @Test func dockerImageContextIsAParsedReference() throws {
        let named = try NamedContext(parsing: "docker-image://busybox")
        #expect(named == .image(try ImageReference(parsing: "docker.io/library/busybox:latest")))
        #expect(named.imageSource == .stored("busybox:latest"))
        let hex = String(repeating: "b", count: 64)
        let pinned = try NamedContext(parsing: "docker-image://localhost:5000/app@sha256:\(hex)")
        #expect(pinned.imageSource == .stored("localhost:5000/app@sha256:\(hex)"))
    }

    @Test func badDockerImageReferenceIsRefusedWhenTheFlagIsRead() {
        do {
            _ = try NamedContext(parsing: "docker-image://Busybox")
            Issue.record("an upper-case repository was accepted")
        } catch {
            #expect(
                error.description.hasPrefix(
                    "--build-context docker-image://Busybox: invalid image reference 'Busybox': a repository is lower-case"))
        }
        #expect(throws: NamedContextError.self) { try NamedContext(parsing: "docker-image://") }
    }

    @Test func ociLayoutContextKeepsItsTag() throws {
        #expect(try NamedContext(parsing: "oci-layout:///srv/layout:v1").imageSource == .archive(path: "/srv/layout", reference: "v1"))
        #expect(try NamedContext(parsing: "oci-layout:///srv/layout").imageSource == .archive(path: "/srv/layout", reference: nil))
        #expect(try NamedContext(parsing: NSTemporaryDirectory()).imageSource == nil)
    }

    /// A stored single image serves a platform when OS and architecture agree (normalised),
    /// and the variant when both name one; else the build pulls the platform's own.
    @Test func aStoredImageServesItsOwnPlatformOnly() throws {
        func config(_ architecture: String, variant: String? = nil) -> ImageConfiguration {
            ImageConfiguration(architecture: architecture, os: "linux", variant: variant)
        }
        #expect(ImageResolver.serves(config("amd64"), platform: try Platform(parsing: "linux/amd64")))
        #expect(ImageResolver.serves(config("arm64"), platform: try Platform(parsing: "linux/arm64/v8")))
        #expect(ImageResolver.serves(config("aarch64"), platform: try Platform(parsing: "linux/arm64")))
        #expect(ImageResolver.serves(config("arm"), platform: try Platform(parsing: "linux/arm/v7")))
        #expect(!ImageResolver.serves(config("arm", variant: "v6"), platform: try Platform(parsing: "linux/arm/v7")))
        #expect(!ImageResolver.serves(config("amd64"), platform: try Platform(parsing: "linux/arm64")))
        #expect(
            !ImageResolver.serves(ImageConfiguration(architecture: "amd64", os: "windows"), platform: try Platform(parsing: "linux/amd64")))
        #expect(ImageResolver.serves(ImageConfiguration(architecture: "", os: ""), platform: try Platform(parsing: "linux/s390x")))
    }
}
