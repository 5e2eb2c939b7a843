import Foundation
import OCI
import Store
import Testing

@Suite("Image names")
struct ImageNameTests {
    @Test(
        arguments: [
            ("busybox", "busybox:latest"),
            ("busybox:1.36", "busybox:1.36"),
            ("team/app:v1.2_rc-3", "team/app:v1.2_rc-3"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("registry.example.com:5000/team/app:2", "registry.example.com:5000/team/app:2"),
            ("docker.io/library/alpine", "alpine:latest"),
            ("docker.io/library/alpine:3.20", "alpine:3.20"),
            ("index.docker.io/library/alpine", "alpine:latest"),
            ("docker.io/team/app:1", "team/app:1"),
            ("docker.io/library/a/b", "library/a/b:latest"),
            ("docker.io/Team/app", nil),
            ("example.com/Team/app", nil),
            ("App", nil),
            ("app:", nil),
            ("app:-x", nil),
            ("a//b", nil),
            ("", nil),
            ("app@sha256:abc", nil),
            ("docker.io/alpine", "alpine:latest"),
            ("app@sha256:" + String(repeating: "a", count: 64), nil),
            ("app:1@sha256:" + String(repeating: "a", count: 64), nil),
            (String(repeating: "a", count: 64), nil),
            ("app-", nil),
            ("a..b", nil)
        ] as [(String, String?)])
    func normalisation(_ text: String, _ expected: String?) {
        #expect((try? ImageReference.storeName(parsing: text)) == expected)
    }

    @Test func invalidNameSaysWhy() {
        #expect(throws: StoreError.self) { try ImageReference.storeName(parsing: "Bad Name") }
        do {
            _ = try ImageReference.storeName(parsing: "Bad Name")
        } catch {
            #expect(error.description.hasPrefix("invalid image name 'Bad Name': a repository is lower-case letters"))
        }
    }
}

@Suite("Store location")
struct StoreRootTests {
    @Test func explicitRootWins() {
        let root = StoreRoot.resolve(explicit: "/srv/store", environment: ["SWIFTBUILD_ROOT": "/env"], isRoot: true)
        #expect(root.path == "/srv/store")
    }

    @Test func environmentThenDefaults() {
        #expect(StoreRoot.resolve(explicit: nil, environment: ["SWIFTBUILD_ROOT": "/env"], isRoot: true).path == "/env")
        #expect(StoreRoot.resolve(explicit: nil, environment: [:], isRoot: true).path == "/var/lib/swiftbuild")
        #expect(
            StoreRoot.resolve(explicit: nil, environment: ["XDG_DATA_HOME": "/home/u/.data"], isRoot: false).path
                == "/home/u/.data/swiftbuild")
        #expect(StoreRoot.resolve(explicit: nil, environment: ["HOME": "/home/u"], isRoot: false).path == "/home/u/.local/share/swiftbuild")
    }

    @Test func openingCreatesAnOCILayout() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try ImageStore(root: root)
        let layoutFile = try String(contentsOf: root.appendingPathComponent("oci-layout"), encoding: .utf8)
        #expect(layoutFile == #"{"imageLayoutVersion":"1.0.0"}"#)
        for directory in ["blobs", "snapshots", "cache", "tmp"] {
            var isDirectory: ObjCBool = false
            #expect(
                FileManager.default.fileExists(atPath: root.appendingPathComponent(directory).path, isDirectory: &isDirectory)
                    && isDirectory.boolValue)
        }
        #expect(try ImageStore(root: root).images().isEmpty)
    }
}
