import Foundation
import Testing

@testable import Sandbox

/// The binfmt_misc check before a foreign-architecture RUN step, on entry texts as the
/// kernel prints them (`/proc/sys/fs/binfmt_misc/NAME`), and on a directory laid out as
/// binfmt_misc's. No root and no registration needed.
@Suite("binfmt_misc emulators")
struct EmulationTests {
    /// Debian 12's qemu-user-static entry for aarch64, registered by binfmt-support.
    static let aarch64 = """
        enabled
        interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
        flags: PF
        offset 0
        magic 7f454c460201010000000000000000000200b700
        mask ffffffffffffff00fffffffffffffffffeffffff

        """
    /// Its s390x entry (big-endian, so `e_machine` is `00 16`).
    static let s390x = """
        enabled
        interpreter /usr/libexec/qemu-binfmt/s390x-binfmt-P
        flags: PF
        offset 0
        magic 7f454c4602020100000000000000000000020016
        mask fffffffffffffffcfffffffffffffffffffeffff

        """
    /// python3.11's entry: a magic of four bytes and no mask.
    static let python = "enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\nmagic a70d0d0a\n"
    /// An extension entry (no magic).
    static let jar = "enabled\ninterpreter /usr/bin/jexec\nflags: \nextension .jar\n"

    let arm64 = ForeignArchitecture(architecture: "arm64")!

    @Test("entry files parse as the kernel prints them")
    func parsing() throws {
        let entry = try #require(BinfmtEntry(name: "qemu-aarch64", text: Self.aarch64))
        #expect(entry.enabled)
        #expect(entry.interpreter == "/usr/libexec/qemu-binfmt/aarch64-binfmt-P")
        #expect(entry.flags == "PF")
        #expect(entry.fixesBinary)
        #expect(entry.offset == 0)
        #expect(entry.magic.count == 20 && entry.mask.count == 20)
        #expect(entry.magic.prefix(4) == [0x7F, 0x45, 0x4C, 0x46])
        #expect(entry.mask[7] == 0x00 && entry.mask[16] == 0xFE)

        let python = try #require(BinfmtEntry(name: "python3.11", text: Self.python))
        #expect(python.flags.isEmpty && !python.fixesBinary)
        #expect(python.mask == [0xFF, 0xFF, 0xFF, 0xFF], "no mask: every bit counts")
        let jar = try #require(BinfmtEntry(name: "jar", text: Self.jar))
        #expect(jar.magic.isEmpty)

        #expect(BinfmtEntry(name: "register", text: "") == nil)
        #expect(BinfmtEntry(name: "status", text: "enabled\n") == nil, "binfmt_misc's status file names no interpreter")
        #expect(BinfmtEntry(name: "bad", text: "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 7f45z\n") == nil)
        #expect(BinfmtEntry(name: "bad", text: "enabled\ninterpreter /x\nflags: F\noffset 0\nmagic 7f45\nmask ff\n") == nil)
    }

    @Test("an entry matches executables as the kernel's check_file does: every magic byte under the mask")
    func matching() throws {
        let entry = try #require(BinfmtEntry(name: "qemu-aarch64", text: Self.aarch64))
        #expect(entry.matches(arm64.header(type: 2)), "ET_EXEC")
        #expect(entry.matches(arm64.header(type: 3)), "ET_DYN: the mask's fe lets both through")
        #expect(!entry.matches(arm64.header(type: 1)), "a relocatable object is not run")
        #expect(!entry.matches(ForeignArchitecture(architecture: "amd64")!.header(type: 2)))
        #expect(!entry.matches(ForeignArchitecture(architecture: "arm")!.header(type: 2)), "32-bit ARM is another entry's")
        #expect(!entry.matches(Array(arm64.header(type: 2).prefix(10))), "too short a file")
        var osabi = arm64.header(type: 2)
        osabi[7] = 3
        #expect(entry.matches(osabi), "EI_OSABI is masked out")

        let s390x = try #require(BinfmtEntry(name: "qemu-s390x", text: Self.s390x))
        #expect(s390x.matches(ForeignArchitecture(architecture: "s390x")!.header(type: 2)), "big-endian e_machine")
        var disabled = entry
        disabled.enabled = false
        #expect(!disabled.matches(arm64.header(type: 2)))
    }

    @Test("the status names the entry that runs the architecture, or why none does")
    func status() throws {
        let entry = try #require(BinfmtEntry(name: "qemu-aarch64", text: Self.aarch64))
        let others = [Self.python, Self.jar].enumerated().compactMap { BinfmtEntry(name: "other\($0.offset)", text: $0.element) }
        #expect(Emulation.status(for: arm64, entries: others + [entry]) == .registered(entry))
        #expect(Emulation.status(for: arm64, entries: others) == .missing)
        #expect(Emulation.status(for: ForeignArchitecture(architecture: "riscv64")!, entries: [entry]) == .missing)

        var withoutF = entry
        withoutF.flags = "P"
        #expect(Emulation.status(for: arm64, entries: [withoutF]) == .withoutFixBinary(withoutF))
        #expect(Emulation.status(for: arm64, entries: [withoutF, entry]) == .registered(entry), "a usable entry wins")

        var disabled = entry
        disabled.enabled = false
        #expect(Emulation.status(for: arm64, entries: [disabled]) == .disabled(disabled))
        #expect(Emulation.status(for: arm64, entries: [disabled, entry]) == .registered(entry))
    }

    @Test("the messages say what to install and enable")
    func messages() throws {
        let entry = try #require(BinfmtEntry(name: "qemu-aarch64", text: Self.aarch64))
        #expect(Emulation.problem(.registered(entry), architecture: arm64, platform: "linux/arm64") == nil)
        #expect(
            Emulation.problem(.missing, architecture: arm64, platform: "linux/arm64")
                == "no emulator for linux/arm64 is registered: install qemu-user-static (apt-get install qemu-user-static binfmt-support) and make sure binfmt_misc has qemu-aarch64 with the F flag (update-binfmts --enable qemu-aarch64)"
        )
        let notMounted = try #require(Emulation.problem(.notMounted, architecture: arm64, platform: "linux/arm64"))
        #expect(
            notMounted.contains(
                "binfmt_misc is not mounted at /proc/sys/fs/binfmt_misc (mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc)"))
        var withoutF = entry
        withoutF.flags = "P"
        let noF = try #require(Emulation.problem(.withoutFixBinary(withoutF), architecture: arm64, platform: "linux/arm64"))
        #expect(noF.contains("registered without the F flag"))
        #expect(noF.contains("/usr/libexec/qemu-binfmt/aarch64-binfmt-P"))
        var disabled = entry
        disabled.enabled = false
        let off = try #require(Emulation.problem(.disabled(disabled), architecture: arm64, platform: "linux/arm64"))
        #expect(off.contains("is disabled: enable it (update-binfmts --enable qemu-aarch64"))
    }

    @Test("a directory laid out as binfmt_misc's is read entry by entry; without `status` it is not mounted")
    func directory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binfmt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #expect(Emulation.status(for: arm64, in: directory.path) == .notMounted)
        try Data("enabled\n".utf8).write(to: directory.appendingPathComponent("status"))
        try Data().write(to: directory.appendingPathComponent("register"))
        try Data(Self.python.utf8).write(to: directory.appendingPathComponent("python3.11"))
        #expect(Emulation.status(for: arm64, in: directory.path) == .missing)
        try Data(Self.aarch64.utf8).write(to: directory.appendingPathComponent("qemu-aarch64"))
        guard case .registered(let entry) = Emulation.status(for: arm64, in: directory.path) else {
            Issue.record("qemu-aarch64 was not found")
            return
        }
        #expect(entry.name == "qemu-aarch64")
    }

    @Test("the host's own architecture, and the 32-bit one its kernel runs, need no emulator")
    func native() {
        #expect(ForeignArchitecture.runsNatively("amd64", on: "amd64"))
        #expect(ForeignArchitecture.runsNatively("386", on: "amd64"))
        #expect(!ForeignArchitecture.runsNatively("arm64", on: "amd64"))
        #expect(ForeignArchitecture.runsNatively("arm", on: "arm64"))
        #expect(!ForeignArchitecture.runsNatively("amd64", on: "arm64"))
        #expect(ForeignArchitecture(architecture: "sparc64") == nil)
    }
}
