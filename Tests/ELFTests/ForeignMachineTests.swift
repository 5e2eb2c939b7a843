import ELF
import Testing

/// An executable for another machine than the image's platform: what the kernel of that
/// platform would say (`exec format error`) and the remedy, on synthetic ELF files of every
/// class and byte order, so no compiler or package of the host is needed.
@Suite("Executables for another machine")
struct ForeignMachineTests {
    /// A static executable (no interpreter, no libraries) for `machine`.
    func executable(machine: UInt16, is64: Bool = true, bigEndian: Bool = false) throws -> ELFFile {
        var synthetic = SyntheticELF()
        synthetic.machine = machine
        synthetic.is64 = is64
        synthetic.bigEndian = bigEndian
        synthetic.type = 2
        synthetic.dynamic = false
        synthetic.interpreter = nil
        synthetic.needed = []
        synthetic.requirements = []
        return try ELFFile(bytes: synthetic.build(), path: "app")
    }

    @Test func anImagePlatformRunsOnlyItsOwnClassAndMachine() throws {
        let amd64 = ELFPlatform(try executable(machine: 62))
        let arm64 = ELFPlatform(try executable(machine: 183))
        let arm = ELFPlatform(try executable(machine: 40, is64: false))
        let s390x = ELFPlatform(try executable(machine: 22, bigEndian: true))
        #expect(amd64.description == "ELFCLASS64 x86_64")
        #expect(arm64.description == "ELFCLASS64 aarch64")
        #expect(ImagePlatform(architecture: "amd64").runs(amd64))
        #expect(!ImagePlatform(architecture: "arm64").runs(amd64))
        #expect(ImagePlatform(architecture: "arm64").runs(arm64))
        #expect(!ImagePlatform(architecture: "amd64").runs(arm64))
        #expect(!ImagePlatform(architecture: "arm64").runs(arm), "a 32-bit ARM file is another class")
        #expect(ImagePlatform(architecture: "arm", variant: "v7").runs(arm))
        #expect(ImagePlatform(architecture: "s390x").runs(s390x))
        #expect(ImagePlatform.architecture(of: arm64) == "arm64")
        #expect(ImagePlatform.architecture(of: amd64) == "amd64")
        #expect(ImagePlatform(architecture: "mips64le").runs(amd64), "architectures not known here are not judged")
    }

    @Test func theRemedyNamesBothPlatforms() throws {
        let file = try executable(machine: 62)
        let remedies = Remedies.advise(
            path: "/app", file: file, findings: [], facts: Remedies.Facts(platform: ImagePlatform(architecture: "arm64")))
        #expect(
            remedies == [
                "build /app for linux/arm64 (the image's platform; it is built for linux/amd64), e.g. with GOARCH=arm64 or a cross compiler, or build the image with --platform linux/amd64"
            ])
        #expect(
            Remedies.advise(path: "/app", file: file, findings: [], facts: Remedies.Facts(platform: ImagePlatform(architecture: "amd64")))
                .isEmpty)
    }
}
