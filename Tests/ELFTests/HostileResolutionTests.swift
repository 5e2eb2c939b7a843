import Foundation
import Testing

@testable import ELF

/// Files built to make resolution expensive: it must end, with a warning, not run for hours.
@Suite("Hostile files in resolution")
struct HostileResolutionTests {
    /// 600 `DT_NEEDED` names that exist nowhere and a `DT_RUNPATH` of 500 directories: over
    /// 300,000 candidate paths, more than ``ResolutionSession/maximumLookups``.
    @Test func searchStopsAtItsBudget() throws {
        var synthetic = SyntheticELF()
        synthetic.needed = (0..<600).map { "libmissing\($0).so" }
        synthetic.runpath = (0..<500).map { "/nowhere/d\($0)" }.joined(separator: ":")
        synthetic.requirements = []
        let bytes = synthetic.build()
        let root = try Shell.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/lib", withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/app"))
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/lib/ld64.so.1"))  // its own loader

        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.warnings == ["stopped searching after 262144 candidate paths: later libraries are reported missing"])
        #expect(result.findings.count == 600)
        #expect(result.dependencies.allSatisfy { $0.path == nil })
    }

    /// A million `DT_RPATH` entries: only the last counts (as in glibc), so only it is read.
    @Test func repeatedRPathEntriesReadTheLast() throws {
        var synthetic = SyntheticELF()
        synthetic.requirements = []
        synthetic.runpath = "/first"
        var bytes = synthetic.build()
        let file = try ELFFile(bytes: bytes, path: "one")
        let dynamic = try #require(file.programHeaders.first { $0.type == .dynamic })
        // Repeat the DT_RUNPATH entry (the second entry) many times in a longer dynamic segment.
        let entry = Array(bytes[Int(dynamic.offset) + 16..<Int(dynamic.offset) + 32])
        let tail = Array(bytes[Int(dynamic.offset) + 32..<Int(dynamic.offset + dynamic.fileSize)])
        let count = 1_000_000
        bytes.removeSubrange(Int(dynamic.offset) + 16..<bytes.count)
        for _ in 0..<count { bytes += entry }
        bytes += tail
        let newSize = UInt64(16 + 16 * count + tail.count)
        // Patch PT_DYNAMIC's and the first PT_LOAD's sizes (ELF64 little-endian program headers at 64).
        func patch(_ at: Int, _ value: UInt64) {
            for index in 0..<8 { bytes[at + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        patch(64 + 2 * 56 + 32, newSize)
        patch(64 + 2 * 56 + 40, newSize)
        patch(64 + 32, UInt64(bytes.count))
        patch(64 + 40, UInt64(bytes.count))
        let many = try ELFFile(bytes: bytes, path: "many")
        #expect(many.findings.isEmpty, "\(many.findings)")
        #expect(many.runpath == "/first")
        #expect(many.dynamic?.entries.filter { $0.tag == .runpath }.count == count)
    }
}
