import Foundation

/// One binfmt_misc registration, as its file in `/proc/sys/fs/binfmt_misc` shows it:
///
///     enabled
///     interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
///     flags: PF
///     offset 0
///     magic 7f454c460201010000000000000000000200b700
///     mask ffffffffffffff00fffffffffffffffffeffffff
///
/// (the kernel's `bm_entry_read`; an extension entry has `extension .EXT` instead of
/// `offset`, `magic` and `mask`, and `mask` is absent when every byte counts).
public struct BinfmtEntry: Sendable, Equatable {
    /// The entry's file name (`qemu-aarch64`).
    public var name: String
    /// `enabled` (else `disabled`): a disabled entry matches nothing.
    public var enabled: Bool
    /// The program the kernel starts with the file's path.
    public var interpreter: String
    /// The flag letters (`P`, `O`, `C`, `F`).
    public var flags: String
    /// Where in the file the magic is compared.
    public var offset: Int
    /// The bytes compared; empty for an extension entry, which no ELF header matches.
    public var magic: [UInt8]
    /// Which bits of each magic byte count (every bit when the entry has no mask).
    public var mask: [UInt8]

    public init(name: String, enabled: Bool, interpreter: String, flags: String, offset: Int, magic: [UInt8], mask: [UInt8]) {
        self.name = name
        self.enabled = enabled
        self.interpreter = interpreter
        self.flags = flags
        self.offset = offset
        self.magic = magic
        self.mask = mask
    }

    /// `F` (fix binary): the kernel opened the interpreter when the entry was registered, so
    /// it starts even where the process's root lacks it, as in a step's root filesystem.
    public var fixesBinary: Bool { flags.contains("F") }

    /// Parses an entry file's text; nil when it is not one (no `enabled`/`disabled` line,
    /// no interpreter, or a magic that is not hex).
    public init?(name: String, text: String) {
        var enabled: Bool?
        var interpreter: String?
        var flags = ""
        var offset = 0
        var magic: [UInt8] = []
        var mask: [UInt8]?
        for line in text.split(separator: "\n") {
            if line == "enabled" || line == "disabled" {
                enabled = line == "enabled"
            } else if line.hasPrefix("interpreter ") {
                interpreter = String(line.dropFirst("interpreter ".count))
            } else if line.hasPrefix("flags:") {
                flags = line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("offset ") {
                guard let value = Int(line.dropFirst("offset ".count)), value >= 0 else { return nil }
                offset = value
            } else if line.hasPrefix("magic ") {
                guard let bytes = Self.hexBytes(line.dropFirst("magic ".count)) else { return nil }
                magic = bytes
            } else if line.hasPrefix("mask ") {
                guard let bytes = Self.hexBytes(line.dropFirst("mask ".count)) else { return nil }
                mask = bytes
            }
        }
        guard let enabled, let interpreter else { return nil }
        let fullMask = mask ?? Array(repeating: 0xFF, count: magic.count)
        guard fullMask.count == magic.count else { return nil }
        self.init(
            name: name, enabled: enabled, interpreter: interpreter, flags: flags, offset: offset, magic: magic,
            mask: fullMask)
    }

    /// Whether the kernel hands a file whose first bytes are `header` to this entry: every
    /// magic byte equals the file's byte at `offset` under the mask (`check_file`).
    public func matches(_ header: [UInt8]) -> Bool {
        enabled && magicMatches(header)
    }

    /// Whether `header` matches the magic, enabled or not.
    func magicMatches(_ header: [UInt8]) -> Bool {
        guard !magic.isEmpty, offset + magic.count <= header.count else { return false }
        return magic.indices.allSatisfy { (header[offset + $0] ^ magic[$0]) & mask[$0] == 0 }
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

/// An architecture whose programs the kernel can run only through an emulator: the ELF
/// header its executables start with, and the name qemu-user-static registers for it.
public struct ForeignArchitecture: Sendable, Equatable {
    /// The OCI architecture (`arm64`).
    public var architecture: String
    /// qemu's name for it, which names the binfmt_misc entry `qemu-NAME` (`aarch64`).
    public var qemuName: String
    var is64Bit: Bool
    var isBigEndian: Bool
    /// `e_machine`.
    var machine: UInt16

    /// The architectures qemu-user-static runs, by OCI name (the `architecture` of an image
    /// config; normalised, so `arm64` rather than `aarch64`). Nil for one not known here.
    public init?(architecture: String) {
        let known: [String: (String, Bool, Bool, UInt16)] = [
            "amd64": ("x86_64", true, false, 62),
            "arm64": ("aarch64", true, false, 183),
            "386": ("i386", false, false, 3),
            "arm": ("arm", false, false, 40),
            "ppc64le": ("ppc64le", true, false, 21),
            "ppc64": ("ppc64", true, true, 21),
            "s390x": ("s390x", true, true, 22),
            "riscv64": ("riscv64", true, false, 243),
            "mips64le": ("mips64el", true, false, 8),
            "mips64": ("mips64", true, true, 8),
            "mipsle": ("mipsel", false, false, 8),
            "mips": ("mips", false, true, 8),
            "loong64": ("loongarch64", true, false, 258)
        ]
        guard let (qemu, is64Bit, bigEndian, machine) = known[architecture] else { return nil }
        self.architecture = architecture
        qemuName = qemu
        self.is64Bit = is64Bit
        isBigEndian = bigEndian
        self.machine = machine
    }

    /// The first 20 bytes of an executable for it: `e_ident` (magic, class, byte order,
    /// version 1, the System V ABI) then `e_type` and `e_machine`. `ET_EXEC` and `ET_DYN`
    /// (static and position-independent programs) must both reach the emulator.
    func header(type: UInt16) -> [UInt8] {
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, is64Bit ? 2 : 1, isBigEndian ? 2 : 1, 1]
        bytes += Array(repeating: 0, count: 16 - bytes.count)
        for value in [type, machine] {
            bytes += isBigEndian ? [UInt8(value >> 8), UInt8(value & 0xFF)] : [UInt8(value & 0xFF), UInt8(value >> 8)]
        }
        return bytes
    }

    /// The OCI architecture of the machine swiftbuild runs on.
    public static var hostArchitecture: String {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #elseif arch(arm)
            "arm"
        #elseif arch(i386)
            "386"
        #elseif arch(powerpc64le)
            "ppc64le"
        #elseif arch(s390x)
            "s390x"
        #elseif arch(riscv64)
            "riscv64"
        #else
            "unknown"
        #endif
    }

    /// Whether a step for `architecture` runs on `host`'s kernel without an emulator: the
    /// same architecture, or the 32-bit one an x86_64 or aarch64 kernel usually runs itself
    /// (386, arm; when it cannot, the step fails with `exec format error` as it would).
    public static func runsNatively(_ architecture: String, on host: String = hostArchitecture) -> Bool {
        architecture == host || (host == "amd64" && architecture == "386") || (host == "arm64" && architecture == "arm")
    }
}

/// Whether binfmt_misc runs an architecture's programs in a RUN step, and if not, why.
public enum EmulatorStatus: Sendable, Equatable {
    /// An enabled entry with the `F` flag takes its executables.
    case registered(BinfmtEntry)
    /// binfmt_misc is not mounted (its directory has no `status` file), so nothing is registered.
    case notMounted
    /// No enabled entry matches its executables.
    case missing
    /// The entry that would match is disabled.
    case disabled(BinfmtEntry)
    /// The entry matches but lacks the `F` flag: the kernel would look for the interpreter
    /// inside the step's root filesystem, which does not have it.
    case withoutFixBinary(BinfmtEntry)
}

/// The binfmt_misc check before a RUN step for a foreign architecture: reading the
/// registrations is `Emulation.status(for:)`; what they mean is pure (`status(for:entries:)`).
public enum Emulation {
    /// Where binfmt_misc is mounted.
    public static let directory = "/proc/sys/fs/binfmt_misc"

    /// What `entries` (every registration, enabled or not) do with `architecture`'s
    /// executables: the entry the kernel would pick for both a static (`ET_EXEC`) and a
    /// position-independent (`ET_DYN`) program. The kernel tries entries newest first; the
    /// order here does not matter, as a usable entry is looked for before an unusable one.
    public static func status(for architecture: ForeignArchitecture, entries: [BinfmtEntry]) -> EmulatorStatus {
        let headers = [architecture.header(type: 2), architecture.header(type: 3)]
        let matching = entries.filter { entry in headers.allSatisfy { entry.matches($0) } }
        if let usable = matching.first(where: \.fixesBinary) { return .registered(usable) }
        if let withoutF = matching.first { return .withoutFixBinary(withoutF) }
        if let disabled = entries.first(where: { entry in !entry.enabled && headers.allSatisfy { entry.magicMatches($0) } }) {
            return .disabled(disabled)
        }
        return .missing
    }

    /// The registrations in `directory` (every file but `register` and `status`, read as
    /// entries), or `.notMounted` when binfmt_misc is not mounted there.
    public static func status(for architecture: ForeignArchitecture, in directory: String = directory) -> EmulatorStatus {
        guard FileManager.default.fileExists(atPath: directory + "/status") else { return .notMounted }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let entries = names.sorted().compactMap { name -> BinfmtEntry? in
            guard name != "register", name != "status",
                let data = FileManager.default.contents(atPath: directory + "/" + name)
            else { return nil }
            return BinfmtEntry(name: name, text: String(decoding: data, as: UTF8.self))
        }
        return status(for: architecture, entries: entries)
    }

    /// Why a step for `platform` (`linux/arm64`) cannot run, with what to install or enable;
    /// nil when it can.
    public static func problem(_ status: EmulatorStatus, architecture: ForeignArchitecture, platform: String) -> String? {
        let qemu = "qemu-\(architecture.qemuName)"
        let install =
            "install qemu-user-static (apt-get install qemu-user-static binfmt-support) and make sure binfmt_misc has \(qemu) with the F flag (update-binfmts --enable \(qemu))"
        switch status {
        case .registered:
            return nil
        case .notMounted:
            return
                "no emulator for \(platform) is registered: binfmt_misc is not mounted at \(directory) (mount -t binfmt_misc binfmt_misc \(directory)); then \(install)"
        case .missing:
            return "no emulator for \(platform) is registered: \(install)"
        case .disabled(let entry):
            return
                "the emulator for \(platform) (binfmt_misc entry \(entry.name), \(entry.interpreter)) is disabled: enable it (update-binfmts --enable \(entry.name), or echo 1 > \(directory)/\(entry.name))"
        case .withoutFixBinary(let entry):
            return
                "the emulator for \(platform) (binfmt_misc entry \(entry.name), \(entry.interpreter)) is registered without the F flag, so the kernel would look for \(entry.interpreter) inside the step's root filesystem: register it with the F flag (Debian's qemu-user-static does: apt-get install qemu-user-static binfmt-support)"
        }
    }
}
