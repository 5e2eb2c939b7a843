import Foundation
import Testing

@testable import ELF

/// `DT_NEEDED` entries that are paths: glibc expands `$ORIGIN` in them (Python builds do this:
/// `$ORIGIN/../lib/libpython3.12.so.1.0`).
extension ResolutionTests {
    @Test func originInANeededPathIsExpanded() throws {
        let build = try makeRoot()
        try "int dep(void) { return 7; }\n".write(toFile: "\(build)/dep.c", atomically: true, encoding: .utf8)
        try "extern int dep(void);\nint main(void) { return dep(); }\n".write(toFile: "\(build)/app.c", atomically: true, encoding: .utf8)
        for directory in ["bin", "lib"] {
            try FileManager.default.createDirectory(atPath: "\(build)/\(directory)", withIntermediateDirectories: true)
        }
        // The library's soname becomes the executable's DT_NEEDED, as written.
        try Shell.run([
            "gcc", "-shared", "-fPIC", "\(build)/dep.c", "-o", "\(build)/lib/libdep.so",
            "-Wl,-soname,$ORIGIN/../lib/libdep.so"
        ])
        try Shell.run(["gcc", "\(build)/app.c", "-o", "\(build)/bin/app", "\(build)/lib/libdep.so"])
        #expect(try ELFFile(path: "\(build)/bin/app").needed.first == "$ORIGIN/../lib/libdep.so")
        // The host's own loader agrees with the spelling.
        #expect(try Shell.run(["ldd", "\(build)/bin/app"]).contains("\t\(build)/bin/../lib/libdep.so ("))

        let root = try glibcRoot()
        try Self.copy("\(build)/bin/app", to: "/opt/app/bin/app", in: root)
        try Self.copy("\(build)/lib/libdep.so", to: "/opt/app/lib/libdep.so", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/opt/app/bin/app")
        #expect(result.isClean, "\(result.findings)")
        let dep = try #require(result.dependencies.first)
        #expect(dep.name == "$ORIGIN/../lib/libdep.so")
        #expect(dep.path == "/opt/app/bin/../lib/libdep.so" && dep.method == .direct)

        let missing = try glibcRoot()
        try Self.copy("\(build)/bin/app", to: "/opt/app/bin/app", in: missing)
        #expect(
            try DependencyResolver(root: ImageRoot(missing)).resolve("/opt/app/bin/app").findings
                == [.libraryMissing(name: "$ORIGIN/../lib/libdep.so", requiredBy: "/opt/app/bin/app")])
    }
}
