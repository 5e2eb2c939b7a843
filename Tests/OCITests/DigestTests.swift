import Foundation
import Testing

@testable import OCI

@Suite("Digests")
struct DigestTests {
    /// sha256 of the empty string.
    static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test func parsesSHA256AndSHA512() throws {
        let digest = try Digest(parsing: "sha256:\(Self.emptySHA256)")
        #expect(digest.algorithm == "sha256")
        #expect(digest.hex == Self.emptySHA256)
        #expect(digest.description == "sha256:\(Self.emptySHA256)")
        let long = try Digest(parsing: "sha512:" + String(repeating: "ab", count: 64))
        #expect(long.algorithm == "sha512")
    }

    @Test(arguments: [
        "",
        "sha256",
        "sha256:",
        "sha256:abc",
        "sha256:" + String(repeating: "a", count: 63),
        "sha256:" + String(repeating: "a", count: 65),
        "sha256:" + String(repeating: "A", count: 64),
        "sha256:" + String(repeating: "g", count: 64),
        "sha256:../" + String(repeating: "a", count: 61),
        "sha512:" + String(repeating: "a", count: 64)
    ])
    func rejectsMalformedDigests(text: String) {
        #expect(throws: DigestError.malformed(text)) { try Digest(parsing: text) }
    }

    @Test(arguments: ["md5:d41d8cd98f00b204e9800998ecf8427e", "SHA256:\(emptySHA256)", ":\(emptySHA256)"])
    func rejectsUnknownAlgorithms(text: String) {
        #expect(throws: DigestError.unsupportedAlgorithm(text)) { try Digest(parsing: text) }
    }

    @Test func errorMessagesNameTheInput() {
        #expect(DigestError.malformed("sha256:xyz").description.contains("'sha256:xyz'"))
        #expect(DigestError.unsupportedAlgorithm("md5:00").description.contains("'md5:00'"))
        let expected = Digest(sha256Hex: Self.emptySHA256)
        let actual = Digest.sha256(Array("abc".utf8))
        let mismatch = DigestError.mismatch(expected: expected, actual: actual, what: "layer 3")
        #expect(mismatch.description == "layer 3: digest mismatch: expected \(expected), content has \(actual)")
    }

    @Test func hashesKnownVectors() {
        #expect(Digest.sha256([UInt8]()).hex == Self.emptySHA256)
        #expect(
            Digest.sha256(Array("abc".utf8)).description
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func streamingDigesterMatchesOneShot() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var digester = SHA256Digester()
        for start in stride(from: 0, to: bytes.count, by: 4096) {
            digester.update(Array(bytes[start..<min(start + 4096, bytes.count)]))
        }
        #expect(digester.byteCount == Int64(bytes.count))
        #expect(digester.finalize() == Digest.sha256(bytes))
    }

    @Test func codesAsAJSONString() throws {
        let digest = Digest.sha256(Array("abc".utf8))
        let json = try OCIJSON.encode([digest])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(digest)\"]")
        #expect(try OCIJSON.decode([Digest].self, from: json, what: "test") == [digest])
    }

    @Test func decodingAMalformedDigestFails() {
        #expect(throws: OCIError.self) {
            try OCIJSON.decode([Digest].self, from: Array(#"["sha256:nothex"]"#.utf8), what: "test")
        }
    }

    @Test func ordersByText() {
        let low = Digest(sha256Hex: String(repeating: "0", count: 64))
        let high = Digest(sha256Hex: String(repeating: "f", count: 64))
        #expect(low < high)
        #expect([high, low].sorted() == [low, high])
    }
}
