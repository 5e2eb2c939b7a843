import Crypto

/// Computes a digest of a given algorithm (sha256 or sha512) over data that streams through once.
struct ContentHasher {
    private enum State {
        case sha256(SHA256)
        case sha512(SHA512)
    }

    private var state: State
    /// How many bytes went in.
    private(set) var byteCount: Int64 = 0

    /// A hasher for the algorithm of `digest`, sha256 when it is nil; throws for algorithms
    /// other than sha256 and sha512.
    init(algorithmOf digest: Digest?) throws(OCIError) {
        switch digest?.algorithm ?? "sha256" {
        case "sha256": state = .sha256(SHA256())
        case "sha512": state = .sha512(SHA512())
        default: throw .invalidDigest(.unsupportedAlgorithm(digest?.description ?? ""))
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha256(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            state = .sha512(hasher)
        }
        byteCount += Int64(bytes.count)
    }

    func finalize() -> Digest {
        switch state {
        case .sha256(let hasher):
            return Digest(sha256Hex: Self.hex(hasher.finalize()))
        case .sha512(let hasher):
            // Digest only has a sha256 initialiser besides parsing; the hex is well formed.
            var digest = Digest(sha256Hex: Self.hex(hasher.finalize()))
            digest.algorithm = "sha512"
            return digest
        }
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
