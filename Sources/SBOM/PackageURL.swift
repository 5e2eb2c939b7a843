/// Package URLs (purl, `pkg:TYPE/NAMESPACE/NAME@VERSION?QUALIFIERS`), as the purl
/// specification builds them: each part percent-encoded, qualifiers sorted by key.
enum PackageURL {
    /// `pkg:type/namespace/name@version?key=value&...`; `namespace` may hold several
    /// segments separated by `/` (a Go module path), each encoded on its own.
    static func make(type: String, namespace: String?, name: String, version: String?, qualifiers: [String: String] = [:]) -> String {
        var text = "pkg:\(type)/"
        if let namespace, !namespace.isEmpty {
            text += namespace.split(separator: "/").map { encode(String($0)) }.joined(separator: "/") + "/"
        }
        text += encode(name)
        if let version, !version.isEmpty { text += "@" + encode(version) }
        let present = qualifiers.filter { !$0.value.isEmpty }
        if !present.isEmpty {
            text += "?" + present.sorted { $0.key < $1.key }.map { "\($0.key)=\(encode($0.value))" }.joined(separator: "&")
        }
        return text
    }

    /// Percent-encodes everything but letters, digits and `.-_~:+` (which purls keep as they
    /// are, so that Debian versions such as `1:2.36-9+deb12u4` stay readable).
    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "+"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                encoded += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0xf)])
            }
        }
        return encoded
    }
}
