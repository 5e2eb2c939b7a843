import Testing

@testable import ELF

/// `--require static|glibc|musl` on Go binaries: synthetic ones of each kind, and real ones
/// built with the machine's Go when it is installed.
@Suite("Linkage requirements for Go binaries")
struct LinkageRequirementTests {
    /// A synthetic x86-64 Go executable with Go 1.18+ build information.
    static func goBinary(interpreter: String?, needed: [String], cgo: Bool) throws -> ELFFile {
        var synthetic = SyntheticELF()
        synthetic.machine = 62
        synthetic.interpreter = interpreter
        synthetic.needed = needed
        synthetic.requirements = []
        if interpreter == nil {
            synthetic.type = 2  // ET_EXEC, as the Go linker writes static binaries
            synthetic.dynamic = false
        }
        let module = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\nbuild\tCGO_ENABLED=\(cgo ? 1 : 0)\n"
        synthetic.writableSegment = { _ in GoBlob.inline(version: "go1.22.5", module: module) }
        return try ELFFile(bytes: synthetic.build(), path: "go-app")
    }

    /// Which requirements `file` satisfies.
    static func satisfied(_ file: ELFFile) -> [LinkageRequirement] {
        LinkageRequirement.allCases.filter { $0.isSatisfied(by: file) }
    }

    @Test func staticGoBinaryIsStatic() throws {
        let file = try Self.goBinary(interpreter: nil, needed: [], cgo: false)
        #expect(file.findings.isEmpty, "\(file.findings)")
        #expect(file.goBuildInfo?.version == "go1.22.5" && file.goBuildInfo?.cgoEnabled == false)
        #expect(ELFKind(file) == .staticExecutable)
        #expect(Self.satisfied(file) == [.static])
    }

    /// `CGO_ENABLED=1` is a build setting: a program without C code is still static.
    @Test func staticGoBinaryBuiltWithCgoEnabledIsStatic() throws {
        let file = try Self.goBinary(interpreter: nil, needed: [], cgo: true)
        #expect(file.goBuildInfo?.cgoEnabled == true)
        #expect(Self.satisfied(file) == [.static])
    }

    @Test func cgoBinaryIsGlibcOrMusl() throws {
        let glibc = try Self.goBinary(interpreter: "/lib64/ld-linux-x86-64.so.2", needed: ["libc.so.6"], cgo: true)
        #expect(glibc.findings.isEmpty, "\(glibc.findings)")
        #expect(ELFKind(glibc) == .dynamicExecutable)
        #expect(Self.satisfied(glibc) == [.glibc])
        let musl = try Self.goBinary(interpreter: "/lib/ld-musl-x86_64.so.1", needed: ["libc.musl-x86_64.so.1"], cgo: true)
        #expect(Self.satisfied(musl) == [.musl])
    }

    @Test(.enabled(if: GoFixtures.isAvailable, "go is not installed (Debian: golang-go)"))
    func realGoBinaries() throws {
        let fixtures = try GoFixtures.get()
        let pure = try ELFFile(path: fixtures.pureGo)
        #expect(pure.findings.isEmpty, "\(pure.findings)")
        #expect(pure.goBuildInfo?.version == fixtures.version)
        #expect(pure.goBuildInfo?.cgoEnabled == false)
        #expect(ELFKind(pure) == .staticExecutable)
        #expect(LibC(pure) == .notLinked)
        #expect(Self.satisfied(pure) == [.static])

        let cgo = try ELFFile(path: fixtures.cgo)
        #expect(cgo.findings.isEmpty, "\(cgo.findings)")
        #expect(cgo.goBuildInfo?.version == fixtures.version)
        #expect(cgo.goBuildInfo?.cgoEnabled == true)
        #expect(ELFKind(cgo) == .dynamicExecutable)
        #expect(LibC(cgo) == .glibc)
        #expect(Self.satisfied(cgo) == [.glibc])
        let resolution = try DependencyResolver(root: ImageRoot("/")).resolve(fixtures.cgo)
        #expect(resolution.isClean, "\(resolution.findings)")
        #expect(resolution.dependencies.contains { $0.name == "libc.so.6" && $0.path != nil })
    }
}
