import OCI
import Testing

/// `--platform` text and the normalisation that makes equal platforms compare equal
/// (containerd's table, which BuildKit and docker use).
@Suite("Platforms")
struct PlatformTests {
    @Test(arguments: [
        ("linux/amd64", "linux/amd64"),
        ("linux/arm64", "linux/arm64"),
        ("linux/arm/v7", "linux/arm/v7"),
        ("linux/arm/v6", "linux/arm/v6"),
        ("linux/arm", "linux/arm/v7"),
        ("linux/arm/7", "linux/arm/v7"),
        ("linux/arm/5", "linux/arm/v5"),
        ("linux/armhf", "linux/arm/v7"),
        ("linux/armel", "linux/arm/v6"),
        ("linux/aarch64", "linux/arm64"),
        ("linux/aarch64/v8", "linux/arm64"),
        ("linux/arm64/v8", "linux/arm64"),
        ("linux/arm64/8", "linux/arm64"),
        ("linux/arm64/v8.0", "linux/arm64"),
        ("linux/arm64/9.0", "linux/arm64/v9"),
        ("linux/arm64/v8.2", "linux/arm64/v8.2"),
        ("linux/x86_64", "linux/amd64"),
        ("linux/x86-64", "linux/amd64"),
        ("linux/amd64/v1", "linux/amd64"),
        ("linux/amd64/v3", "linux/amd64/v3"),
        ("linux/i386", "linux/386"),
        ("linux/i386/v2", "linux/386"),
        ("linux/386", "linux/386"),
        ("linux/i686", "linux/i686"),
        ("Linux/X86_64", "linux/amd64"),
        ("macos/arm64", "darwin/arm64"),
        ("linux/riscv64", "linux/riscv64"),
        ("linux/ppc64le", "linux/ppc64le"),
        ("linux/s390x", "linux/s390x"),
        ("windows/amd64", "windows/amd64")
    ])
    func parsesAndNormalises(_ text: String, _ expected: String) throws {
        #expect(try Platform(parsing: text).description == expected)
    }

    @Test func parsedPartsAreTheSpecFields() throws {
        let platform = try Platform(parsing: "linux/arm/v7")
        #expect(platform == Platform(architecture: "arm", os: "linux", variant: "v7"))
        #expect(try Platform(parsing: "linux/aarch64") == Platform(architecture: "arm64", os: "linux"))
        #expect(try Platform(parsing: "linux/amd64").variant == nil)
    }

    @Test(arguments: [
        ("amd64", "expected os/arch[/variant], e.g. linux/amd64"),
        ("linux", "expected os/arch[/variant], e.g. linux/amd64"),
        ("", "expected os/arch[/variant], e.g. linux/amd64"),
        ("linux/arm/v7/extra", "expected os/arch[/variant], e.g. linux/amd64"),
        ("linux/", "the architecture is empty; expected os/arch[/variant], e.g. linux/amd64"),
        ("/amd64", "the OS is empty; expected os/arch[/variant], e.g. linux/amd64"),
        ("linux/arm/", "the variant is empty; expected os/arch[/variant], e.g. linux/amd64"),
        ("linux/am d64", "the architecture 'am d64' may only hold letters, digits, '_', '.' and '-'"),
        ("li.nux/amd64", "the OS 'li.nux' may only hold letters, digits, '_' and '-'"),
        ("linux/arm/v7*", "the variant 'v7*' may only hold letters, digits, '_', '.' and '-'"),
        ("linux/ämd64", "the architecture 'ämd64' may only hold letters, digits, '_', '.' and '-'")
    ])
    func refusesBadTextSayingWhy(_ text: String, _ reason: String) {
        #expect(throws: PlatformError(text: text, reason: reason)) { try Platform(parsing: text) }
        #expect(PlatformError(text: text, reason: reason).description == "invalid platform '\(text)': \(reason)")
    }

    @Test func normalisationKeepsWindowsFields() {
        let windows = Platform(architecture: "AMD64", os: "Windows", osVersion: "10.0.17763.1", osFeatures: ["win32k"])
        #expect(windows.normalized == Platform(architecture: "amd64", os: "windows", osVersion: "10.0.17763.1", osFeatures: ["win32k"]))
        #expect(Platform(architecture: "arm", os: "linux", variant: "").normalized.variant == "v7")
        #expect(Platform(architecture: "amd64", os: "linux", variant: "").normalized.variant == nil)
    }

    @Test func matchingComparesNormalisedOSArchitectureAndVariant() throws {
        let arm64 = try Platform(parsing: "linux/arm64")
        #expect(arm64.matches(Platform(architecture: "arm64", os: "linux", variant: "v8")))
        #expect(arm64.matches(Platform(architecture: "aarch64", os: "linux")))
        #expect(!arm64.matches(Platform(architecture: "arm64", os: "linux", variant: "v9")))
        #expect(!arm64.matches(Platform(architecture: "arm64", os: "windows")))
        let armv7 = try Platform(parsing: "linux/arm/v7")
        #expect(armv7.matches(Platform(architecture: "arm", os: "linux")))
        #expect(armv7.matches(Platform(architecture: "armhf", os: "linux")))
        #expect(!armv7.matches(Platform(architecture: "arm", os: "linux", variant: "v6")))
        #expect(!armv7.matches(Platform(architecture: "armel", os: "linux")))
        #expect(try Platform(parsing: "linux/386").matches(Platform(architecture: "i386", os: "linux")))
        #expect(try !Platform(parsing: "linux/386").matches(Platform(architecture: "i686", os: "linux")))
    }
}
