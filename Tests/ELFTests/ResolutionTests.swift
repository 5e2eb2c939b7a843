import Foundation
import Testing

@testable import ELF

/// Dependency resolution inside small image roots built from the host's real files.
@Suite("Dependency resolution inside an image root")
final class ResolutionTests {
    static let glibcLoader = "/lib64/ld-linux-x86-64.so.2"
    static let multiarch = "/lib/x86_64-linux-gnu"
    static let muslLibC = "/lib/x86_64-linux-musl/libc.so"

    /// Directories this test created, removed when it ends.
    private var directories: [String] = []

    deinit {
        for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// A new empty directory (a root or a build directory), removed when the test ends.
    func makeRoot() throws -> String {
        let directory = try Shell.temporaryDirectory()
        directories.append(directory)
        return directory
    }

    /// Copies host file `source` (following links) to `path` inside `root`.
    static func copy(_ source: String, to path: String, in root: String) throws {
        let destination = root + path
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try Shell.run(["cp", "-L", source, destination])
    }

    /// Creates a symbolic link at `path` inside `root` pointing to `target`.
    static func link(_ path: String, to target: String, in root: String) throws {
        let location = root + path
        try FileManager.default.createDirectory(
            atPath: (location as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: location, withDestinationPath: target)
    }

    /// Writes `text` to `path` inside `root`.
    static func write(_ text: String, to path: String, in root: String) throws {
        let location = root + path
        try FileManager.default.createDirectory(
            atPath: (location as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try text.write(toFile: location, atomically: true, encoding: .utf8)
    }

    /// A root with the host's glibc loader, libc and libm at their Debian paths (no cache).
    func glibcRoot() throws -> String {
        let root = try makeRoot()
        try Self.copy(Self.glibcLoader, to: Self.glibcLoader, in: root)
        for name in ["libc.so.6", "libm.so.6"] {
            try Self.copy("\(Self.multiarch)/\(name)", to: "\(Self.multiarch)/\(name)", in: root)
        }
        return root
    }

    /// `name => path` pairs from the host's `ldd` for `binary`.
    static func ldd(_ binary: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for line in try Shell.run(["ldd", binary]).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count >= 3, parts[1] == "=>" {
                result[String(parts[0].drop(while: \.isWhitespace))] = String(parts[2])
            }
        }
        return result
    }

    @Test func interpreterMissing() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.findings == [.interpreterMissing(executable: "/app", interpreter: Self.glibcLoader)])
        #expect(result.findings[0].description.hasPrefix("exec /app: no such file or directory"))
        #expect(result.findings[0].description.contains(Self.glibcLoader))
        #expect(result.loader == nil)
    }

    @Test func libraryMissing() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.copy(Self.glibcLoader, to: Self.glibcLoader, in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.loader == .glibc)
        #expect(
            result.findings == [
                .libraryMissing(name: "libm.so.6", requiredBy: "/app"),
                .libraryMissing(name: "libc.so.6", requiredBy: "/app")
            ])
        #expect(
            result.findings[1].description.hasPrefix(
                "error while loading shared libraries: libc.so.6: cannot open shared object file: No such file or directory"))
    }

    @Test func hostGlibcByDefaultPathsAgreesWithLdd() throws {
        let fixtures = try Fixtures.get()
        let root = try glibcRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.isClean, "\(result.findings)")
        #expect(result.warnings.isEmpty)
        #expect(result.loader == .glibc)
        #expect(result.defaultDirectories == ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"])
        #expect(result.dependencies.map(\.name) == ["libm.so.6", "libc.so.6"])
        #expect(result.dependencies.allSatisfy { $0.method == .defaultPath })
        let host = try Self.ldd(fixtures.glibcDynamic)
        for dependency in result.dependencies {
            #expect(dependency.path == host[dependency.name])
        }
        // libm's libc is a repeat; libc's loader dependency is the loader itself.
        let libm = result.dependencies[0]
        #expect(libm.dependencies.first { $0.name == "libc.so.6" }?.isRepeat == true)
        let libc = result.dependencies[1]
        #expect(libc.dependencies.map(\.name) == ["ld-linux-x86-64.so.2"])
        #expect(libc.dependencies[0].path == Self.glibcLoader && libc.dependencies[0].method == .interpreter)
    }

    /// Every library in the tree, by name.
    static func flatten(_ dependencies: [ResolvedDependency], into result: inout [String: String?]) {
        for dependency in dependencies {
            result[dependency.name] = dependency.path
            flatten(dependency.dependencies, into: &result)
        }
    }

    /// With the host itself as the root (its ld.so.cache included), the whole tree agrees with `ldd`.
    @Test(arguments: ["/usr/bin/ls", "/usr/bin/readelf", "/usr/bin/ssh", "/usr/bin/python3", "/usr/bin/git", "/usr/bin/curl"])
    func hostTreeAgreesWithLdd(binary: String) throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let result = try DependencyResolver(root: ImageRoot("/")).resolve(binary)
        #expect(result.isClean, "\(result.findings)")
        var tree: [String: String?] = [:]
        Self.flatten(result.dependencies, into: &tree)
        let host = try Self.ldd(binary)
        #expect(!host.isEmpty)
        for (name, path) in host {
            #expect(tree[name] == .some(path), "\(name)")
        }
        #expect(Set(tree.keys).subtracting(host.keys).isSubset(of: ["ld-linux-x86-64.so.2"]))
    }

    @Test func ldSoCacheIsUsed() throws {
        let fixtures = try Fixtures.get()
        let root = try glibcRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.copy("/etc/ld.so.cache", to: "/etc/ld.so.cache", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.isClean, "\(result.findings)")
        #expect(result.dependencies.map(\.method) == [.ldSoCache, .ldSoCache])
        let host = try Self.ldd(fixtures.glibcDynamic)
        #expect(result.dependencies.map(\.path) == result.dependencies.map { host[$0.name] })
    }

    @Test func ldSoConfWithoutCacheWarns() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.copy(Self.glibcLoader, to: Self.glibcLoader, in: root)
        for name in ["libc.so.6", "libm.so.6"] {
            try Self.copy("\(Self.multiarch)/\(name)", to: "/opt/custom/\(name)", in: root)
        }
        try Self.write("# local\ninclude ld.so.conf.d/*.conf\n", to: "/etc/ld.so.conf", in: root)
        try Self.write("/opt/custom\n", to: "/etc/ld.so.conf.d/custom.conf", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.isClean, "\(result.findings)")
        #expect(result.dependencies.map(\.path) == ["/opt/custom/libm.so.6", "/opt/custom/libc.so.6"])
        #expect(result.dependencies.map(\.method) == [.ldSoConf, .ldSoConf])
        #expect(result.warnings == ["no ld.so.cache: searched ld.so.conf, the cache may be stale or missing"])
    }

    @Test func versionMissing() throws {
        let directory = try makeRoot()
        try "int v1(void) { return 1; }\nint v2(void) { return 2; }\n".write(toFile: "\(directory)/v.c", atomically: true, encoding: .utf8)
        try "V_1 { global: v1; local: *; };\nV_2 { global: v2; } V_1;\n".write(
            toFile: "\(directory)/new.map", atomically: true, encoding: .utf8)
        try "V_1 { global: v1; v2; local: *; };\n".write(toFile: "\(directory)/old.map", atomically: true, encoding: .utf8)
        try "extern int v2(void);\nint main(void) { return v2(); }\n".write(toFile: "\(directory)/use.c", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(directory)/new", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(directory)/old", withIntermediateDirectories: true)
        for kind in ["new", "old"] {
            try Shell.run([
                "gcc", "-shared", "-fPIC", "\(directory)/v.c", "-o", "\(directory)/\(kind)/libv.so",
                "-Wl,-soname,libv.so", "-Wl,--version-script=\(directory)/\(kind).map"
            ])
        }
        try Shell.run(["gcc", "\(directory)/use.c", "-o", "\(directory)/use", "\(directory)/new/libv.so"])

        let root = try glibcRoot()
        try Self.copy("\(directory)/use", to: "/app", in: root)
        try Self.copy("\(directory)/old/libv.so", to: "/usr/lib64/libv.so", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.findings == [.versionMissing(library: "/usr/lib64/libv.so", version: "V_2", requiredBy: "/app")])
        #expect(result.findings.first?.description == "/usr/lib64/libv.so: version 'V_2' not found (required by /app)")

        let good = try glibcRoot()
        try Self.copy("\(directory)/use", to: "/app", in: good)
        try Self.copy("\(directory)/new/libv.so", to: "/usr/lib64/libv.so", in: good)
        #expect(try DependencyResolver(root: ImageRoot(good)).resolve("/app").isClean)
    }

    @Test func muslBinaryInMuslRoot() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.muslDynamic, to: "/app", in: root)
        try Self.copy(Self.muslLibC, to: "/lib/ld-musl-x86_64.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.isClean, "\(result.findings)")
        #expect(result.loader == .musl)
        #expect(result.defaultDirectories == ["/lib", "/usr/local/lib", "/usr/lib"])
        #expect(result.dependencies.map(\.name) == ["libc.so"])
        #expect(result.dependencies.first?.method == .interpreter)
        #expect(result.dependencies.first?.path == "/lib/ld-musl-x86_64.so.1")
    }

    @Test func muslPathFile() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.withRPath, to: "/app", in: root)
        try Self.copy(Self.muslLibC, to: Self.glibcLoader, in: root)
        try Self.copy(fixtures.library, to: "/srv/b/libfix.so.1", in: root)
        try Self.write("/wrong\n", to: "/etc/ld-musl-armhf.path", in: root)
        try Self.write("/srv/a\n/srv/b:/srv/c\n", to: "/etc/ld-musl-x86_64.path", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.defaultDirectories == ["/srv/a", "/srv/b", "/srv/c"])
        let libfix = result.dependencies.first { $0.name == "libfix.so.1" }
        #expect(libfix?.path == "/srv/b/libfix.so.1" && libfix?.method == .muslPath)
    }

    @Test func glibcBinaryInMuslOnlyRoot() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.copy(Self.muslLibC, to: "/lib/ld-musl-x86_64.so.1", in: root)
        try Self.link("/lib/libc.musl-x86_64.so.1", to: "ld-musl-x86_64.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.findings == [.interpreterMissing(executable: "/app", interpreter: Self.glibcLoader)])
    }

    @Test func originRPath() throws {
        let fixtures = try Fixtures.get()
        let root = try glibcRoot()
        try Self.copy(fixtures.withRPath, to: "/opt/app/bin/app", in: root)
        try Self.copy(fixtures.library, to: "/opt/app/lib/libfix.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/opt/app/bin/app")
        #expect(result.isClean, "\(result.findings)")
        let libfix = result.dependencies.first { $0.name == "libfix.so.1" }
        #expect(libfix?.path == "/opt/app/bin/../lib/libfix.so.1")
        #expect(libfix?.method == .rpath)
        // libfix has no RPATH of its own: its libc.so.6 is searched through the executable's RPATH first.
        #expect(result.dependencies.first { $0.name == "libc.so.6" }?.method == .defaultPath)
    }

    /// RPATH is inherited down the loading chain; RUNPATH applies to the requester only.
    @Test(arguments: [("--disable-new-dtags", true), ("--enable-new-dtags", false)])
    func rpathInheritedRunPathNot(flag: String, inherited: Bool) throws {
        let directory = try makeRoot()
        try "int b(void) { return 2; }\n".write(toFile: "\(directory)/b.c", atomically: true, encoding: .utf8)
        try "extern int b(void);\nint a(void) { return b(); }\n".write(toFile: "\(directory)/a.c", atomically: true, encoding: .utf8)
        try "extern int a(void);\nint main(void) { return a(); }\n".write(toFile: "\(directory)/m.c", atomically: true, encoding: .utf8)
        try Shell.run(["gcc", "-shared", "-fPIC", "\(directory)/b.c", "-o", "\(directory)/libb.so", "-Wl,-soname,libb.so"])
        try Shell.run([
            "gcc", "-shared", "-fPIC", "\(directory)/a.c", "-o", "\(directory)/liba.so", "-Wl,-soname,liba.so",
            "\(directory)/libb.so"
        ])
        try Shell.run([
            "gcc", "\(directory)/m.c", "-o", "\(directory)/m", "\(directory)/liba.so",
            "-Wl,-rpath-link,\(directory)", "-Wl,-rpath,$ORIGIN/../lib", "-Wl,\(flag)"
        ])
        let root = try glibcRoot()
        try Self.copy("\(directory)/m", to: "/app/bin/m", in: root)
        try Self.copy("\(directory)/liba.so", to: "/app/lib/liba.so", in: root)
        try Self.copy("\(directory)/libb.so", to: "/app/lib/libb.so", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app/bin/m")
        let liba = try #require(result.dependencies.first { $0.name == "liba.so" })
        #expect(liba.method == (inherited ? .rpath : .runpath))
        let libb = liba.dependencies.first { $0.name == "libb.so" }
        if inherited {
            #expect(result.isClean, "\(result.findings)")
            #expect(libb?.path == "/app/bin/../lib/libb.so" && libb?.method == .rpath)
        } else {
            #expect(result.findings == [.libraryMissing(name: "libb.so", requiredBy: "/app/bin/../lib/liba.so")])
            #expect(libb?.path == nil)
        }
    }

    @Test func runPathWithNoDefaultLibraries() throws {
        let fixtures = try Fixtures.get()
        let root = try glibcRoot()
        try Self.copy(fixtures.withRunPath, to: "/opt/app/bin/app", in: root)
        try Self.copy(fixtures.library, to: "/opt/app/lib/libfix.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/opt/app/bin/app")
        let libfix = result.dependencies.first { $0.name == "libfix.so.1" }
        #expect(libfix?.method == .runpath)
        // DF_1_NODEFLIB: the executable's libc.so.6 is not looked for in the default directories.
        #expect(result.findings == [.libraryMissing(name: "libc.so.6", requiredBy: "/opt/app/bin/app")])
    }

    @Test func muslLoaderNamedLikeGlibcIsMusl() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.copy(Self.muslLibC, to: "/lib/ld-musl-x86_64.so.1", in: root)
        try Self.link(Self.glibcLoader, to: "/lib/ld-musl-x86_64.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.loader == .musl)
        // musl answers for every `libc.*`/`libm.*` name itself, glibc's included.
        #expect(result.dependencies.map(\.method) == [.interpreter, .interpreter])
        #expect(result.dependencies.map(\.path) == [Self.glibcLoader, Self.glibcLoader])
    }

    @Test func wrongArchitectureLoader() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.i386Executable, to: "/app", in: root)
        try Self.copy(Self.glibcLoader, to: "/lib/ld-linux.so.2", in: root)
        try Self.copy(fixtures.i386Library, to: "/opt/thirty/libthirty.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        let i386 = ELFPlatform(try ELFFile(path: fixtures.i386Executable))
        let x86_64 = ELFPlatform(try ELFFile(path: Self.glibcLoader))
        #expect(result.findings == [.wrongArchitecture(path: "/lib/ld-linux.so.2", expected: i386, found: x86_64)])
        #expect(result.dependencies.first?.method == .runpath)
    }

    @Test func wrongClassCandidateIsSkipped() throws {
        let fixtures = try Fixtures.get()
        let root = try glibcRoot()
        try Self.copy(fixtures.withRPath, to: "/opt/app/bin/app", in: root)
        try Self.copy(fixtures.i386Library, to: "/opt/app/lib/libfix.so.1", in: root)
        try Self.copy(fixtures.library, to: "/usr/lib64/libfix.so.1", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/opt/app/bin/app")
        #expect(result.isClean, "\(result.findings)")
        let libfix = result.dependencies.first { $0.name == "libfix.so.1" }
        #expect(libfix?.path == "/usr/lib64/libfix.so.1" && libfix?.method == .defaultPath)
    }

    @Test func unreadableLoader() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcDynamic, to: "/app", in: root)
        try Self.write("#!/bin/sh\n", to: Self.glibcLoader, in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.findings == [.unreadable(ELFFinding(path: Self.glibcLoader, problem: .notELF))])
    }

    @Test func missingExecutableThrows() throws {
        let root = try makeRoot()
        #expect(throws: ELFFinding(path: "/nope", problem: .unreadable(errno: ENOENT))) {
            try DependencyResolver(root: ImageRoot(root)).resolve("/nope")
        }
    }

    @Test func dynamicStringTokens() {
        #expect(
            SearchPath.directories("$ORIGIN/a:${ORIGIN}/b::/x/$LIB/${PLATFORM}", origin: "/o", lib: "lib64", platform: "x86_64")
                == ["/o/a", "/o/b", "/x/lib64/x86_64"])
        // musl expands $ORIGIN only.
        #expect(SearchPath.directories("$ORIGIN/$LIB", origin: "/o", lib: nil, platform: nil) == ["/o/$LIB"])
        #expect(SearchPath.directory(of: "/app") == "/" && SearchPath.directory(of: "/a/b/c") == "/a/b")
    }

    @Test func staticExecutableNeedsNothing() throws {
        let fixtures = try Fixtures.get()
        let root = try makeRoot()
        try Self.copy(fixtures.glibcStatic, to: "/app", in: root)
        let result = try DependencyResolver(root: ImageRoot(root)).resolve("/app")
        #expect(result.isClean && result.interpreter == nil && result.dependencies.isEmpty)
    }
}
