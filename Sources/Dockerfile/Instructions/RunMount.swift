/// One `RUN --mount=type=...,target=...` specification.
public struct RunMount: Sendable, Equatable {
    /// The mount types BuildKit defines.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case bind, cache, tmpfs, secret, ssh
    }

    public var kind: Kind
    /// Where it is mounted in the step, as written. BuildKit's parser does not require it:
    /// a missing or relative target is resolved against the step's working directory when
    /// the step runs (so only one that resolves to `/` is refused, by the build).
    public var target: String?
    /// The path in `from` (or the context) to mount.
    public var source: String?
    /// A stage name, stage index or image to mount from (bind and cache).
    public var from: String?
    /// Every `key=value` option as written (keys lower-cased), including the ones above.
    public var options: [String: String]

    /// Parses the CSV value of one `--mount` flag.
    init(parsing spec: String) throws(InstructionError) {
        var options: [String: String] = [:]
        for field in Self.csvFields(spec) where !field.isEmpty {
            let key = String(field.prefix(while: { $0 != "=" })).lowercased()
            let value = field.contains("=") ? String(field.drop(while: { $0 != "=" }).dropFirst()) : "true"
            guard Self.knownKeys.contains(key) else {
                throw InstructionError("unexpected key '\(key)' in '\(field)' of --mount=\(spec)")
            }
            options[Self.canonicalKeys[key] ?? key] = value
        }
        let typeName = options["type"] ?? "bind"
        guard let kind = Kind(rawValue: typeName) else {
            throw InstructionError(
                "unsupported mount type '\(typeName)' in --mount=\(spec) (use one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self.kind = kind
        self.target = options["target"]
        self.source = options["source"]
        self.from = options["from"]
        self.options = options
    }

    private static let canonicalKeys = [
        "dst": "target", "destination": "target", "src": "source", "ro": "readonly",
        "rw": "readwrite"
    ]
    private static let knownKeys: Set<String> = [
        "type", "target", "dst", "destination", "source", "src", "from", "readonly", "ro",
        "readwrite", "rw", "id", "sharing", "mode", "uid", "gid", "required", "size", "env"
    ]

    /// Splits a CSV line, honouring double-quoted fields as Go's encoding/csv does.
    private static func csvFields(_ text: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if character == "\"" {
                if quoted, characters.first == "\"" {
                    field.append("\"")
                    characters = characters.dropFirst()
                } else {
                    quoted.toggle()
                }
            } else if character == ",", !quoted {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }
}
