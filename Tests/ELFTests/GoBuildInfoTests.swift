import Foundation
import Testing

@testable import ELF

@Suite("Go build information")
struct GoBuildInfoTests {
    /// The musl static fixture with `blob` written at a 16-byte boundary of its writable segment.
    static func withBlob(_ blob: [UInt8]) throws -> [UInt8] {
        let path = try Fixtures.get().muslStatic
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let file = try ELFFile(bytes: bytes, path: path)
        let data = try #require(file.programHeaders.first { $0.type == .load && $0.flags & 0x3 == 0x2 })
        let at = Int((data.offset + 15) & ~15)
        try #require(UInt64(at + blob.count) <= data.offset + data.fileSize)
        bytes.replaceSubrange(at..<(at + blob.count), with: blob)
        return bytes
    }

    @Test func inlineBlobIsRead() throws {
        let module = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\nbuild\tCGO_ENABLED=0\n"
        let file = try ELFFile(bytes: try Self.withBlob(GoBlob.inline(version: "go1.23.4", module: module)), path: "go")
        #expect(file.findings.isEmpty)
        #expect(file.goBuildInfo?.version == "go1.23.4")
        #expect(file.goBuildInfo?.moduleInfo == module)
        #expect(file.goBuildInfo?.cgoEnabled == false)
    }

    @Test func blobCutOffByTheEndOfTheFileIsAFinding() throws {
        let long = String(repeating: "dep\texample.com/x\tv1.0.0\n", count: 10)
        let bytes = try Self.withBlob(GoBlob.inline(version: "go1.23.4", module: long))
        let file = try ELFFile(bytes: bytes, path: "go")
        let data = try #require(file.programHeaders.first { $0.type == .load && $0.flags & 0x3 == 0x2 })
        let cut = try ELFFile(bytes: Array(bytes[..<Int(((data.offset + 15) & ~15) + 60)]), path: "cut")
        #expect(cut.goBuildInfo == nil)
        #expect(cut.findings.contains { $0.description.hasPrefix("cut: truncated Go build info at offset") })
    }

    @Test func nonGoFixturesHaveNone() throws {
        for path in try Fixtures.get().all {
            #expect(try ELFFile(path: path).goBuildInfo == nil, "\(path)")
        }
    }

    /// The Go programs Debian ships (podman, skopeo, ... are cgo builds), where installed.
    @Test func goProgramsOnThisMachine() throws {
        let candidates = ["/usr/bin/podman", "/usr/bin/skopeo", "/usr/bin/umoci", "/usr/bin/buildah", "/usr/bin/docker-registry"]
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            let file = try ELFFile(path: path)
            let info = try #require(file.goBuildInfo, "\(path)")
            #expect(info.version.hasPrefix("go1."), "\(path): \(info.version)")
            let contents = try Data(contentsOf: URL(fileURLWithPath: path))
            let cgo = contents.range(of: Data("build\tCGO_ENABLED=1".utf8)) != nil
            #expect(info.cgoEnabled == cgo, "\(path)")
            #expect(info.moduleInfo?.hasPrefix("path\t") == true, "\(path)")
        }
    }
}
