#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// File names are bytes; Swift strings are Unicode. This is the one conversion between
/// them for every name that comes from the file system (a directory entry, a link read
/// back, a `/proc/self/fd` path) or goes to it (any `*at` call, `openat2`), so that a name
/// that is not UTF-8 survives a round trip exactly and two different names never become
/// one string.
///
/// Valid UTF-8 decodes to itself. Each byte of an invalid sequence becomes one scalar of
/// a Supplementary Private Use Area block, U+10FE80 to U+10FEFF (byte 0x80 to 0xFF; ASCII
/// bytes are always valid); a name that really contains one of those scalars has each of
/// its four UTF-8 bytes escaped the same way, so decoding is a bijection. One invalid byte
/// is one `Character`, so glob matching (`*`, `?`) treats it as Go's `filepath.Match`
/// treats an invalid byte. ``display(_:)`` shows escaped bytes as `\xNN`.
public enum FileName {
    private static let escapeBase: UInt32 = 0x10FE00
    private static let escapedRange: ClosedRange<UInt32> = 0x10FE80...0x10FEFF

    /// The string for the name `bytes` (no NUL inside).
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        // Fast path: a name that is valid UTF-8 and cannot hold an escape scalar (those
        // start with 0xF4) is its own decoding.
        if !bytes.contains(0xF4), let text = String(validating: bytes, as: UTF8.self) {
            return text
        }
        return decodeSlowly(bytes)
    }

    /// Scalar by scalar, escaping what is not valid UTF-8 and what could be mistaken for an escape.
    private static func decodeSlowly(_ bytes: some Collection<UInt8>) -> String {
        let array = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < array.count {
            if let (scalar, length) = validScalar(in: array, at: index) {
                if escapedRange.contains(scalar.value) {
                    for byte in array[index..<index + length] { scalars.append(escaped(byte)) }
                } else {
                    scalars.append(scalar)
                }
                index += length
            } else {
                scalars.append(escaped(array[index]))
                index += 1
            }
        }
        return String(scalars)
    }

    /// The scalar a well-formed UTF-8 sequence starting at `index` encodes, and its length.
    private static func validScalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        let length: Int
        var value: UInt32
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), 1)
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + length <= bytes.count else { return nil }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        let smallest: UInt32 = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000
        guard value >= smallest, value <= 0x10FFFF, !(0xD800...0xDFFF).contains(value),
            let scalar = Unicode.Scalar(value)
        else { return nil }
        return (scalar, length)
    }

    private static func escaped(_ byte: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(escapeBase + UInt32(byte))!
    }

    /// The bytes of the name `name` (the inverse of ``decode(_:)``).
    public static func encode(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars {
            if escapedRange.contains(scalar.value) {
                bytes.append(UInt8(scalar.value - escapeBase))
            } else {
                bytes.append(contentsOf: String(scalar).utf8)
            }
        }
        return bytes
    }

    /// Whether `name` holds escaped bytes (it was not UTF-8 on disk).
    public static func hasEscapes(_ name: String) -> Bool {
        name.unicodeScalars.contains { escapedRange.contains($0.value) }
    }

    /// Calls `body` with the NUL-terminated bytes of `name`, for a system call.
    public static func withCString<Result, Failure: Error>(
        _ name: String, _ body: (UnsafePointer<CChar>) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard hasEscapes(name) else {
            // Valid names: Swift's own bridging gives the same bytes, without a copy.
            return try name.utf8CString.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
                try body(buffer.baseAddress!)
            }
        }
        var bytes = encode(name).map { CChar(bitPattern: $0) }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(Failure) -> Result in
            try body(buffer.baseAddress!)
        }
    }

    /// `name` for people: escaped bytes as `\xNN`, control characters likewise.
    public static func display(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars {
            if escapedRange.contains(scalar.value) {
                text += "\\x" + hex(UInt8(scalar.value - escapeBase))
            } else if scalar.value < 0x20 || scalar.value == 0x7F {
                text += "\\x" + hex(UInt8(scalar.value))
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
