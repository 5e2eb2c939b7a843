import OCI

/// A sha256 hash as its 32 bytes (four big-endian words), for holding many of them
/// without a ``Digest``'s two strings each.
struct SHA256Hash: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// The hash of a `sha256:` digest; nil for another algorithm or a malformed hex.
    init?(_ digest: Digest) {
        guard digest.algorithm == "sha256" else { return nil }
        self.init(hex: digest.hex.utf8)
    }

    /// The hash whose lower-case hex encoding is `hex` (exactly 64 digits).
    init?(hex: some Collection<UInt8>) {
        guard hex.count == 64 else { return nil }
        var parsed: [UInt64] = [0, 0, 0, 0]
        for (offset, character) in hex.enumerated() {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            default: return nil
            }
            parsed[offset / 16] = parsed[offset / 16] << 4 | UInt64(value)
        }
        words = (parsed[0], parsed[1], parsed[2], parsed[3])
    }

    /// The hash as a ``Digest``.
    var digest: Digest {
        Digest(sha256Hex: String(decoding: hexDigits, as: UTF8.self))
    }

    /// The 64 lower-case hex digits.
    var hexDigits: [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 60, through: 0, by: -4) {
                text.append(digits[Int(word >> UInt64(shift) & 0xF)])
            }
        }
        return text
    }
}
