import Testing

@testable import ELF

/// The build information of Go releases before 1.18: pointers to Go string headers instead of
/// inline strings, read from synthetic files of both classes and byte orders.
@Suite("Go build information before Go 1.18")
struct GoPointerBuildInfoTests {
    static let module = "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n"

    /// A synthetic executable whose writable segment holds a pointer-format blob.
    static func file(
        is64: Bool = true, bigEndian: Bool = false, pointerSize: Int? = nil, version: String = "go1.16.15",
        module: [UInt8] = GoBlob.framed(GoPointerBuildInfoTests.module),
        versionHeaderOverride: UInt64? = nil, moduleLengthOverride: UInt64? = nil, name: String = "old-go"
    ) throws -> ELFFile {
        var synthetic = SyntheticELF()
        synthetic.is64 = is64
        synthetic.bigEndian = bigEndian
        synthetic.writableSegment = { address in
            GoBlob.pointers(
                address: address, pointerSize: pointerSize ?? (is64 ? 8 : 4), bigEndian: bigEndian,
                version: version, module: module, versionHeaderOverride: versionHeaderOverride,
                moduleLengthOverride: moduleLengthOverride)
        }
        return try ELFFile(bytes: synthetic.build(), path: name)
    }

    @Test(arguments: [(true, false), (false, true), (true, true), (false, false)])
    func versionAndModuleAreReadThroughThePointers(is64: Bool, bigEndian: Bool) throws {
        let file = try Self.file(is64: is64, bigEndian: bigEndian)
        #expect(file.findings.isEmpty, "\(file.findings)")
        let info = try #require(file.goBuildInfo)
        #expect(info.version == "go1.16.15")
        #expect(info.moduleInfo == Self.module)
        #expect(info.cgoEnabled == nil)  // no build lines before Go 1.18
    }

    @Test func unframedModuleTextIsDropped() throws {
        let file = try Self.file(module: Array("not framed".utf8))
        #expect(file.goBuildInfo == GoBuildInfo(version: "go1.16.15", moduleInfo: nil))
        let gopath = try Self.file(module: [])
        #expect(gopath.goBuildInfo == GoBuildInfo(version: "go1.16.15", moduleInfo: nil))
        #expect(gopath.findings.isEmpty)
    }

    @Test func versionPointerOutsideEverySegmentIsAFinding() throws {
        let file = try Self.file(versionHeaderOverride: 0xdead_0000)
        #expect(file.goBuildInfo == nil)
        #expect(
            file.findings.map(\.description) == [
                "old-go: invalid Go build info version string header: address 0xdead0000 is not in any PT_LOAD segment's file image"
            ])
    }

    @Test func lengthRunningPastTheSegmentIsAFinding() throws {
        let file = try Self.file(moduleLengthOverride: 1 << 62)
        #expect(file.goBuildInfo == nil)
        let message = try #require(file.findings.first?.description)
        #expect(message.hasPrefix("old-go: invalid Go build info module information: 0x4000000000000000 bytes at address"))
        #expect(message.hasSuffix("run past the end of their PT_LOAD segment"))
    }

    @Test func oddPointerSizeIsAFinding() throws {
        let file = try Self.file(pointerSize: 3)
        #expect(file.goBuildInfo == nil)
        #expect(file.findings.count == 1)
        #expect(file.findings.first?.description.contains("invalid Go build info: pointer size 3 at offset") == true)
    }

    @Test func emptyVersionIsNotAGoBinary() throws {
        let file = try Self.file(version: "")
        #expect(file.goBuildInfo == nil)
        #expect(file.findings.isEmpty)
    }

    /// Every truncation of the blob's segment (the module bytes come last) parses to findings, never a trap.
    @Test func truncatedCopiesEndInFindings() throws {
        var synthetic = SyntheticELF()
        synthetic.writableSegment = { address in
            GoBlob.pointers(
                address: address, pointerSize: 8, bigEndian: false, version: "go1.16.15",
                module: GoBlob.framed(Self.module))
        }
        let bytes = synthetic.build()
        let full = try ELFFile(bytes: bytes, path: "full")
        let segment = try #require(full.programHeaders.last)
        for length in Int(segment.offset)..<bytes.count {
            let cut = try ELFFile(bytes: Array(bytes[..<length]), path: "cut")
            #expect(cut.goBuildInfo == nil, "cut at \(length)")
            #expect(!cut.findings.isEmpty, "cut at \(length)")
        }
    }
}
