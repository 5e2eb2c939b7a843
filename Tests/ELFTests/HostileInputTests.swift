import Foundation
import Testing

@testable import ELF

@Suite("Truncated, mutated and synthetic ELF files")
struct HostileInputTests {
    /// The number of bytes a complete parse depends on: the end of the furthest PT_LOAD
    /// segment or of the section header table. Truncating below it must produce a finding.
    static func requiredLength(_ file: ELFFile) -> UInt64 {
        var end = file.programHeaders.filter { $0.type == .load }.map { $0.offset + $0.fileSize }.max() ?? 0
        if file.header.sectionHeaderOffset != 0 {
            end = max(
                end,
                file.header.sectionHeaderOffset
                    + file.header.sectionHeaderCount * UInt64(file.header.sectionHeaderEntrySize))
        }
        return end
    }

    @Test func truncatedCopiesOfEveryFixtureGiveFindings() throws {
        for path in try Fixtures.get().all {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let complete = try ELFFile(bytes: bytes, path: path)
            let required = Self.requiredLength(complete)
            var lengths: Set<UInt64> = [
                0, 1, 3, 4, 5, 6, 7, 16, 20, 40, 51, 52, 63, 64, 100, 200, 1000, 4096,
                required / 4, required / 2, required - 1
            ]
            for segment in complete.programHeaders where segment.fileSize > 0 {
                lengths.formUnion([
                    segment.offset, segment.offset + 1, segment.offset + segment.fileSize / 2,
                    segment.offset + segment.fileSize - 1
                ])
            }
            for length in lengths.sorted() where length < required && length <= UInt64(bytes.count) {
                let name = "\(path) cut at \(length)"
                do {
                    let file = try ELFFile(bytes: Array(bytes[..<Int(length)]), path: name)
                    #expect(!file.findings.isEmpty, "no finding for \(name)")
                    #expect(file.findings.allSatisfy { $0.path == name })
                } catch {
                    #expect(error.path == name)
                }
            }
        }
    }

    /// A file cut inside its program header table cannot be classified: it used to come
    /// out as a static PIE (no segments read, so no interpreter and no dynamic section).
    @Test(arguments: [65, 100, 119]) func fileCutInItsProgramHeadersIsUnreadable(length: Int) throws {
        for path in [try Fixtures.get().glibcDynamic, "/usr/bin/ls"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let complete = try ELFFile(bytes: bytes, path: path)
            try #require(complete.header.programHeaderOffset == 64 && complete.header.programHeaderCount > 1)
            #expect(throws: ELFFinding.self) { try ELFFile(bytes: Array(bytes[..<length]), path: "cut") }
        }
    }

    @Test func truncatedDynamicSectionIsNamedWithItsOffset() throws {
        let path = try Fixtures.get().glibcDynamic
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let dynamic = try #require(try ELFFile(bytes: bytes, path: path).programHeaders.first { $0.type == .dynamic })
        let cut = try ELFFile(bytes: Array(bytes[..<Int(dynamic.offset + 40)]), path: "cut")
        let messages = cut.findings.map(\.description)
        #expect(
            messages.contains(
                "cut: truncated dynamic section at offset \(hex(dynamic.offset)) (\(hex(dynamic.fileSize)) bytes needed, file ends at \(hex(dynamic.offset + 40)))"
            ))
        #expect(cut.dynamic?.entries.count == 2)
    }

    /// A file is parsed from disk in pages, read as the parse asks for them; the same bytes
    /// in memory must give the same result, finding for finding, whole, cut anywhere (a
    /// structure then ends at a page's edge or past the file) and mutated.
    @Test func readingInPagesIsReadingTheWholeFile() throws {
        let directory = URL(fileURLWithPath: try Shell.temporaryDirectory())
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SplitMix64(seed: 0xfa9e5)
        var compared = 0
        func describe(_ parse: () throws(ELFFinding) -> ELFFile) -> String {
            do { return String(describing: try parse()) } catch { return "finding: \(error)" }
        }
        for path in try Fixtures.get().all {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            var variants = [original]
            for _ in 0..<6 { variants.append(Array(original[..<Int(random.next() % UInt64(original.count))])) }
            for cut in [65536, 65537, 131072] where cut < original.count { variants.append(Array(original[..<cut])) }
            for _ in 0..<6 {
                var bytes = original
                for _ in 0..<4 { bytes[Int(random.next() % UInt64(min(8192, bytes.count)))] = UInt8(truncatingIfNeeded: random.next()) }
                variants.append(bytes)
            }
            for bytes in variants {
                let file = directory.appendingPathComponent("variant").path
                try Data(bytes).write(to: URL(fileURLWithPath: file))
                #expect(
                    describe { () throws(ELFFinding) in try ELFFile(path: file) }
                        == describe { () throws(ELFFinding) in try ELFFile(bytes: bytes, path: file) })
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    /// Seeded random byte mutations of every fixture: parsing must finish without trapping.
    /// Mutations are concentrated in the first 4 KiB (headers) and the dynamic segment.
    @Test func randomMutationsNeverCrash() throws {
        var random = SplitMix64(seed: 0x5eed_e1f)
        var parsed = 0
        for path in try Fixtures.get().all {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let file = try ELFFile(bytes: original, path: path)
            let dynamic = file.programHeaders.first { $0.type == .dynamic }
            for _ in 0..<1000 {
                var bytes = original
                for _ in 0..<(1 + random.next() % 8) {
                    var position: Int
                    if let dynamic, random.next() % 2 == 0 {
                        position = Int(dynamic.offset) + Int(random.next() % max(dynamic.fileSize, 1))
                    } else {
                        position = Int(random.next() % UInt64(min(4096, bytes.count)))
                    }
                    position = min(position, bytes.count - 1)
                    bytes[position] = UInt8(truncatingIfNeeded: random.next())
                }
                if (try? ELFFile(bytes: bytes, path: "mutant")) != nil { parsed += 1 }
            }
        }
        #expect(parsed > 0)
    }

    @Test(arguments: [(false, true), (true, true), (false, false)])
    func syntheticFilesOfEveryClassAndByteOrder(is64: Bool, bigEndian: Bool) throws {
        var synthetic = SyntheticELF()
        synthetic.is64 = is64
        synthetic.bigEndian = bigEndian
        synthetic.soname = "libsynthetic.so.1"
        synthetic.runpath = "$ORIGIN"
        let file = try ELFFile(bytes: synthetic.build(), path: "synthetic")
        #expect(file.findings.isEmpty)
        #expect(file.header.fileClass == (is64 ? .elf64 : .elf32))
        #expect(file.header.byteOrder == (bigEndian ? .bigEndian : .littleEndian))
        #expect(file.header.machine == .s390)
        #expect(file.interpreter == "/lib/ld64.so.1")
        #expect(file.needed == ["libc.so.6"])
        #expect(file.soname == "libsynthetic.so.1")
        #expect(file.runpath == "$ORIGIN")
        #expect(
            file.versionRequirements == [
                VersionRequirement(
                    file: "libc.so.6",
                    versions: [
                        RequiredVersion(name: "GLIBC_2.2", hash: 0, flags: 0, index: 2),
                        RequiredVersion(name: "GLIBC_2.34", hash: 0, flags: 0, index: 3)
                    ])
            ])
        #expect(LibC(file) == .glibc)
    }

    @Test func versionChainClaimingMoreEntriesThanExistEnds() throws {
        var synthetic = SyntheticELF()
        synthetic.requirementCount = 1 << 40
        synthetic.requirementOverrun = true
        let file = try ELFFile(bytes: synthetic.build(), path: "overrun")
        #expect(file.versionRequirements.first?.file == "libc.so.6")
        #expect(!file.findings.isEmpty)
    }

    @Test func programHeaderTableOver64KiBIsRefused() throws {
        var bytes = SyntheticELF().build()
        bytes[54] = 0xff  // e_phentsize = 0xffff (little-endian ELF64), 3 entries
        bytes[55] = 0xff
        #expect(
            throws: ELFFinding(
                path: "big",
                problem: .invalid(
                    what: "program header table", detail: "3 entries of 65535 bytes exceed 64 KiB"))
        ) {
            try ELFFile(bytes: bytes, path: "big")
        }
    }

    @Test func stringOffsetOutsideTheTableIsAFinding() throws {
        var synthetic = SyntheticELF()
        synthetic.requirements = []
        var bytes = synthetic.build()
        let file = try ELFFile(bytes: bytes, path: "good")
        let dynamic = try #require(file.programHeaders.first { $0.type == .dynamic })
        // The first entry is DT_NEEDED; point its value far outside DT_STRSZ.
        bytes[Int(dynamic.offset) + 8 + 4] = 0x7f
        let bad = try ELFFile(bytes: bytes, path: "bad")
        #expect(bad.needed.isEmpty)
        #expect(
            bad.findings.map(\.description)
                == ["bad: invalid DT_NEEDED: string offset 0x7f00000001 is outside the string table (size 0xb)"])
    }
}

/// A small deterministic generator, so mutation runs are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
