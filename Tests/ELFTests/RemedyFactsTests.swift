import ELF
import Testing

/// The pure parts of the remedies and the NSS check: glibc versions, cgo markers, platforms,
/// nsswitch.conf.
@Suite("Remedy facts")
struct RemedyFactsTests {
    @Test func glibcVersionsCompareNumerically() {
        let old = GlibcVersion(symbolVersion: "GLIBC_2.9")!, new = GlibcVersion(symbolVersion: "GLIBC_2.34")!
        #expect(old < new)
        #expect(new.description == "2.34")
        #expect(GlibcVersion(symbolVersion: "GLIBC_PRIVATE") == nil)
        #expect(GlibcVersion(symbolVersion: "GCC_3.0") == nil)
        #expect(GlibcVersion(symbolVersion: "GLIBC_2.2.5")!.components == [2, 2, 5])
    }

    @Test func cgoMarkersAreFoundInTheBytes() {
        let bytes = Array("xx\u{0}net._C2func_getaddrinfo\u{0}yy".utf8)
        #expect(GoCgoUse(bytes: bytes) == GoCgoUse(bytes: Array("net._Cfunc_getaddrinfo".utf8)))
        #expect(GoCgoUse(bytes: bytes).net && !GoCgoUse(bytes: bytes).osUser)
        #expect(GoCgoUse(bytes: Array("os/user._Cfunc_mygetpwuid_r".utf8)).osUser)
        #expect(GoCgoUse(bytes: Array("net._C2func_getaddrinf".utf8)).packages.isEmpty)
    }

    @Test func imagePlatformsNameTheirMachines() {
        #expect(ImagePlatform(architecture: "arm64").elf?.machine == .aarch64)
        #expect(ImagePlatform(architecture: "arm", variant: "v7").description == "linux/arm/v7")
        #expect(ImagePlatform(architecture: "mips64le").elf == nil)
    }

    @Test func nsswitchLinesGiveServicesWithoutActionsOrComments() {
        let parsed = NameServiceModules.parse(
            """
            # comment: not a database
            passwd:         files systemd
            hosts:          files mdns4_minimal [NOTFOUND=return] dns myhostname # trailing
            bad line
            netgroup:       nis

            """)
        #expect(parsed.map(\.database) == ["passwd", "hosts", "netgroup"])
        #expect(parsed[1].services == ["files", "mdns4_minimal", "dns", "myhostname"])
        #expect(parsed[2].services == ["nis"])
    }
}
