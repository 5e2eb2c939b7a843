import Foundation

/// The one JSON encoding swiftbuild writes for manifests, indexes, configs and layout
/// files: compact, object keys sorted by their UTF-8 bytes, `/` not escaped, nil
/// optionals omitted. Equal values always give equal bytes, hence equal digests.
public enum OCIJSON {
    /// Encodes `value` deterministically.
    public static func encode(_ value: some Encodable) throws(OCIError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw .invalidJSON(what: String(describing: type(of: value)), reason: String(describing: error))
        }
    }

    /// Decodes a `T` from `bytes`; `what` names the document in the error (a path or digest).
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(OCIError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw .invalidJSON(what: what, reason: reason(for: error))
        }
    }

    /// Encodes `value` and describes the result with the given media type and artifact type.
    public static func encodedContent(
        _ value: some Encodable, mediaType: MediaType, artifactType: MediaType? = nil
    ) throws(OCIError) -> EncodedContent {
        let bytes = try encode(value)
        var descriptor = Descriptor(mediaType: mediaType, describing: bytes)
        descriptor.artifactType = artifactType
        return EncodedContent(bytes: bytes, descriptor: descriptor)
    }

    /// A one-line account of a decoding failure: what was wrong and at which JSON path.
    private static func reason(for error: any Error) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default:
            return String(describing: error)
        }
    }
}
