import Testing

@testable import ELF

@Suite("ELF fixtures built with gcc, musl-gcc and ld")
struct FixtureTests {
    @Test func glibcDynamicExecutable() throws {
        let file = try ELFFile(path: try Fixtures.get().glibcDynamic)
        #expect(file.findings.isEmpty)
        #expect(file.header.fileClass == .elf64)
        #expect(file.header.byteOrder == .littleEndian)
        #expect(file.header.machine == .x86_64)
        #expect(file.header.type == .sharedObject)
        #expect(file.interpreter == "/lib64/ld-linux-x86-64.so.2")
        #expect(file.needed == ["libm.so.6", "libc.so.6"])
        #expect(file.dynamic?.flags1.contains(.pie) == true)
        #expect(ELFKind(file) == .dynamicExecutable)
        #expect(LibC(file) == .glibc)
        let libc = try #require(file.versionRequirements.first { $0.file == "libc.so.6" })
        #expect(libc.versions.map(\.name).contains("GLIBC_2.34"))
        #expect(file.versionRequirements.contains { $0.file == "libm.so.6" })
    }

    @Test func glibcStaticExecutable() throws {
        let file = try ELFFile(path: try Fixtures.get().glibcStatic)
        #expect(file.findings.isEmpty)
        #expect(file.interpreter == nil)
        #expect(file.needed.isEmpty)
        #expect(ELFKind(file) == .staticExecutable)
        #expect(LibC(file) == .notLinked)
    }

    @Test func glibcStaticPIE() throws {
        let file = try ELFFile(path: try Fixtures.get().glibcStaticPIE)
        #expect(file.findings.isEmpty)
        #expect(file.header.type == .sharedObject)
        #expect(file.interpreter == nil)
        #expect(file.isDynamic)
        #expect(ELFKind(file) == .staticPIE)
        #expect(LibC(file) == .notLinked)
    }

    @Test func muslDynamicAndStatic() throws {
        let fixtures = try Fixtures.get()
        let dynamic = try ELFFile(path: fixtures.muslDynamic)
        #expect(dynamic.findings.isEmpty)
        #expect(dynamic.interpreter == "/lib/ld-musl-x86_64.so.1")
        #expect(dynamic.needed == ["libc.so"])
        #expect(ELFKind(dynamic) == .dynamicExecutable)
        #expect(LibC(dynamic) == .musl)
        #expect(dynamic.versionRequirements.isEmpty)

        let single = try ELFFile(path: fixtures.muslStatic)
        #expect(single.findings.isEmpty)
        #expect(ELFKind(single) == .staticExecutable)
        #expect(LibC(single) == .notLinked)
    }

    @Test func glibcUnderMuslInterpreterIsMixed() throws {
        let file = try ELFFile(path: try Fixtures.get().mixed)
        #expect(file.interpreter == "/lib/ld-musl-x86_64.so.1")
        #expect(file.needed == ["libc.so.6"])
        #expect(LibC(file) == .mixed)
        #expect(ELFKind(file) == .dynamicExecutable)
    }

    @Test func sharedLibraryWithVersionDefinitions() throws {
        let file = try ELFFile(path: try Fixtures.get().library)
        #expect(file.findings.isEmpty)
        #expect(file.soname == "libfix.so.1")
        #expect(file.interpreter == nil)
        #expect(ELFKind(file) == .sharedLibrary)
        let definitions = file.versionDefinitions
        #expect(definitions.map(\.name) == ["libfix.so.1", "FIX_1.0", "FIX_2.0"])
        #expect(definitions.first?.isBase == true)
        #expect(definitions.last?.names == ["FIX_2.0", "FIX_1.0"])
        #expect(definitions.map(\.index) == [1, 2, 3])
    }

    @Test func rpathAndRunpath() throws {
        let fixtures = try Fixtures.get()
        let old = try ELFFile(path: fixtures.withRPath)
        #expect(old.rpath == "$ORIGIN/../lib")
        #expect(old.runpath == nil)
        #expect(old.needed == ["libfix.so.1", "libc.so.6"])
        #expect(old.versionRequirements.first { $0.file == "libfix.so.1" }?.versions.map(\.name) == ["FIX_2.0"])
        #expect(old.dynamic?.flags1.contains(.noDefaultLibraries) == false)

        let new = try ELFFile(path: fixtures.withRunPath)
        #expect(new.runpath == "$ORIGIN/../lib:/opt/fix/lib")
        #expect(new.rpath == nil)
        #expect(new.dynamic?.flags1.contains(.noDefaultLibraries) == true)
    }

    @Test func noSectionHeadersParsesLikeTheOriginal() throws {
        let fixtures = try Fixtures.get()
        let original = try ELFFile(path: fixtures.glibcDynamic)
        let stripped = try ELFFile(path: fixtures.noSectionHeaders)
        #expect(stripped.header.sectionHeaderOffset == 0)
        #expect(stripped.header.sectionHeaderCount == 0)
        #expect(stripped.findings.isEmpty)
        #expect(stripped.interpreter == original.interpreter)
        #expect(stripped.dynamic == original.dynamic)
        #expect(stripped.versionRequirements == original.versionRequirements)
        #expect(ELFKind(stripped) == .dynamicExecutable)
    }

    @Test func i386ExecutableAndLibrary() throws {
        let fixtures = try Fixtures.get()
        let executable = try ELFFile(path: fixtures.i386Executable)
        #expect(executable.findings.isEmpty)
        #expect(executable.header.fileClass == .elf32)
        #expect(executable.header.machine == .i386)
        #expect(executable.header.type == .executable)
        #expect(executable.interpreter == "/lib/ld-linux.so.2")
        #expect(executable.needed == ["libthirty.so.1"])
        #expect(executable.runpath == "/opt/thirty")
        #expect(ELFKind(executable) == .dynamicExecutable)
        #expect(LibC(executable) == .glibc)

        let library = try ELFFile(path: fixtures.i386Library)
        #expect(library.soname == "libthirty.so.1")
        #expect(ELFKind(library) == .sharedLibrary)
        #expect(LibC(library) == .notLinked)
    }

    @Test func notELFAndNonRegularFiles() throws {
        let fixtures = try Fixtures.get()
        #expect(try ELFKind.of(path: "\(fixtures.directory)/main.c") == .notELF)
        #expect(throws: ELFFinding(path: fixtures.directory, problem: .invalid(what: "file", detail: "not a regular file"))) {
            try ELFFile(path: fixtures.directory)
        }
        #expect(throws: ELFFinding(path: "/nonexistent", problem: .unreadable(errno: 2))) {
            try ELFFile(path: "/nonexistent")
        }
        do {
            _ = try ELFFile(path: fixtures.glibcStatic, sizeLimit: 1000)
            Issue.record("a file over the size limit was read")
        } catch {
            guard case .tooLarge(_, let limit) = error.problem else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(limit == 1000)
        }
    }
}
