import Crypto

/// A content digest, `algorithm:hex`, as OCI descriptors write it (`sha256:9f86d0...`).
public struct Digest: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The algorithm; swiftbuild computes `sha256` and accepts `sha512` when reading.
    public var algorithm: String
    /// The lower-case hex encoding of the hash.
    public var hex: String

    /// Parses `algorithm:hex`, checking the hex length for the known algorithms.
    public init(parsing text: String) throws(DigestError) {
        guard let colon = text.firstIndex(of: ":") else { throw DigestError.malformed(text) }
        let algorithm = String(text[..<colon])
        let hex = String(text[text.index(after: colon)...])
        let expectedLength = ["sha256": 64, "sha512": 128][algorithm]
        guard let expectedLength else { throw DigestError.unsupportedAlgorithm(text) }
        guard hex.count == expectedLength, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw DigestError.malformed(text)
        }
        self.algorithm = algorithm
        self.hex = hex
    }

    /// A sha256 digest from its hex encoding.
    public init(sha256Hex hex: String) {
        self.algorithm = "sha256"
        self.hex = hex
    }

    /// The sha256 digest of `bytes`.
    public static func sha256(_ bytes: some Sequence<UInt8>) -> Digest {
        var hasher = SHA256Digester()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public var description: String { "\(algorithm):\(hex)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try Digest(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a digest string could not be used.
public enum DigestError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case unsupportedAlgorithm(String)
    /// Content whose digest is not the one its descriptor promised.
    case mismatch(expected: Digest, actual: Digest, what: String)

    public var description: String {
        switch self {
        case .malformed(let text): return "malformed digest '\(text)': expected sha256:<64 hex digits>"
        case .unsupportedAlgorithm(let text): return "unsupported digest algorithm in '\(text)'"
        case .mismatch(let expected, let actual, let what):
            return "\(what): digest mismatch: expected \(expected), content has \(actual)"
        }
    }
}

/// Computes a sha256 digest incrementally, for data that streams through once.
public struct SHA256Digester {
    private var hasher = SHA256()
    /// How many bytes went in.
    public private(set) var byteCount: Int64 = 0

    public init() {}

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        byteCount += Int64(bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    public func finalize() -> Digest {
        let digits = Array("0123456789abcdef".utf8)
        let bytes = Array(hasher.finalize())
        let hex = String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0xf)]
            }
            return bytes.count * 2
        }
        return Digest(sha256Hex: hex)
    }
}
