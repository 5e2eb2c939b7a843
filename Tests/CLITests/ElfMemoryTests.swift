import Foundation
import Testing

/// The ELF check reads what the loader would read of a file (headers, dynamic section, string
/// and version tables, the data segment), not the whole file: its memory does not grow with
/// the size of the executables it checks.
@Suite("Memory of the ELF check")
struct ElfMemoryTests {
    /// `swiftbuild elf` on a copy of the swiftbuild binary followed by a 900 MiB hole (under
    /// the 1 GiB a file may have; still a valid ELF file: nothing reads past its segments)
    /// stays far below the file's size (it took 1 GiB when whole files were read). Peak
    /// RSS is the kernel's figure for the one child of a fresh Python process.
    @Test func checkingAHugeExecutableTakesLittleMemory() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let huge = work.appendingPathComponent("huge")
        try FileManager.default.copyItem(at: SwiftBuildProcess.binary, to: huge)
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: try handle.seekToEnd() + (900 << 20))
        try handle.close()
        let script = """
            import resource, subprocess, sys
            done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let output = try ExternalTool.run(["python3", "-c", script, SwiftBuildProcess.binary.path, "elf", huge.path])
        let fields = output.split(separator: " ").map { String($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 2, "\(output)")
        #expect(fields[0] == "0" || fields[0] == "1", "swiftbuild elf failed: \(output)")
        let peakKiB = try #require(Int(fields[1]))
        #expect(peakKiB < 100 * 1024, "peak RSS \(peakKiB) KiB for a \(1 << 30)-byte file")
    }
}
