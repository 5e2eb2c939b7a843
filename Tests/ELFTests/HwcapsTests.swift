import Foundation
import Testing

@testable import ELF

/// glibc's `glibc-hwcaps` subdirectories: searched in each directory as glibc does, a copy
/// in the directory itself preferred (it serves every CPU), one only in a subdirectory used
/// with a warning that it depends on the CPU.
@Suite("glibc-hwcaps subdirectories")
final class HwcapsTests {
    let resolution = ResolutionTests()

    @Test func libraryOnlyInAHwcapsSubdirectoryIsFoundWithAWarning() throws {
        let root = try resolution.glibcRoot()
        let build = try resolution.makeRoot()
        try "int f(void) { return 1; }\n".write(toFile: "\(build)/f.c", atomically: true, encoding: .utf8)
        try "int f(void);\nint main(void) { return f(); }\n".write(toFile: "\(build)/m.c", atomically: true, encoding: .utf8)
        try Shell.run(["gcc", "-shared", "-fPIC", "\(build)/f.c", "-o", "\(build)/libf.so.1", "-Wl,-soname,libf.so.1"])
        try Shell.run(["gcc", "\(build)/m.c", "-o", "\(build)/m", "\(build)/libf.so.1"])
        try ResolutionTests.copy("\(build)/m", to: "/app/m", in: root)
        let hwcaps = "/usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libf.so.1"
        try ResolutionTests.copy("\(build)/libf.so.1", to: hwcaps, in: root)

        let only = try DependencyResolver(root: ImageRoot(root)).resolve("/app/m")
        #expect(only.findings.isEmpty, "\(only.findings)")
        #expect(only.path(ofLibrary: "libf.so.1") == hwcaps)
        #expect(
            only.warnings.contains(
                "libf.so.1 is only in /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/: glibc loads it only on CPUs with x86-64-v3; elsewhere it is missing"
            ))

        // With a baseline copy in the directory itself, that one is used, without a warning.
        try ResolutionTests.copy("\(build)/libf.so.1", to: "/usr/lib/x86_64-linux-gnu/libf.so.1", in: root)
        let both = try DependencyResolver(root: ImageRoot(root)).resolve("/app/m")
        #expect(both.path(ofLibrary: "libf.so.1") == "/usr/lib/x86_64-linux-gnu/libf.so.1")
        #expect(!both.warnings.contains { $0.contains("glibc-hwcaps") })
    }
}
