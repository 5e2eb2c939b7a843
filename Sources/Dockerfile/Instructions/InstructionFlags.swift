/// A flag's value as written on an instruction.
public enum FlagValue: Sendable, Equatable {
    /// `--link`, `--link=true`, `--link=false`.
    case bool(Bool)
    /// `--from=builder`.
    case string(String)
    /// A flag that may repeat: `--mount=... --mount=...`, `--exclude=a --exclude=b`.
    case list([String])
}

/// The `--name=value` flags of one instruction, checked against what that instruction accepts.
public struct InstructionFlags: Sendable, Equatable {
    /// Flags in the order they were first written.
    public private(set) var entries: [(name: String, value: FlagValue)] = []

    public init() {}

    /// The value of a flag that takes a string, if it was given.
    public func string(_ name: String) -> String? {
        guard case .string(let value)? = self[name] else { return nil }
        return value
    }

    /// Whether a boolean flag was set (false when absent).
    public func bool(_ name: String) -> Bool {
        guard case .bool(let value)? = self[name] else { return false }
        return value
    }

    /// Every value of a repeatable flag, in order (empty when absent).
    public func list(_ name: String) -> [String] {
        guard case .list(let values)? = self[name] else { return [] }
        return values
    }

    /// The value of any flag by name.
    public subscript(name: String) -> FlagValue? {
        entries.first(where: { $0.name == name })?.value
    }

    /// True when no flag was given.
    public var isEmpty: Bool { entries.isEmpty }

    public static func == (lhs: InstructionFlags, rhs: InstructionFlags) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.name == $1.name && $0.value == $1.value }
    }
}

/// The kind of value a flag takes.
enum FlagKind {
    case bool, string, list
}

extension InstructionFlags {
    /// The flags each instruction accepts, as BuildKit's Dockerfile frontend defines them.
    static func accepted(by keyword: Keyword) -> [String: FlagKind] {
        switch keyword {
        case .from:
            return ["platform": .string]
        case .copy:
            return [
                "from": .string, "chown": .string, "chmod": .string, "link": .bool,
                "parents": .bool, "exclude": .list
            ]
        case .add:
            return [
                "chown": .string, "chmod": .string, "link": .bool, "checksum": .string,
                "keep-git-dir": .bool, "exclude": .list
            ]
        case .run:
            return ["mount": .list, "network": .string, "security": .string]
        case .healthcheck:
            return [
                "interval": .string, "timeout": .string, "start-period": .string,
                "start-interval": .string, "retries": .string
            ]
        default:
            return [:]
        }
    }

    /// Parses flag words (`--name`, `--name=value`) for `keyword`.
    init(words: [String], for keyword: Keyword) throws(InstructionError) {
        let accepted = Self.accepted(by: keyword)
        for word in words {
            let body = word.dropFirst(2)
            let name = String(body.prefix(while: { $0 != "=" }))
            let value: String? = body.contains("=") ? String(body.drop(while: { $0 != "=" }).dropFirst()) : nil
            guard let kind = accepted[name] else {
                let known = accepted.keys.sorted().map { "--\($0)" }
                let hint =
                    known.isEmpty ? "\(keyword.rawValue) takes no flags" : "\(keyword.rawValue) accepts \(known.joined(separator: ", "))"
                throw InstructionError("unknown flag: --\(name) (\(hint))")
            }
            try add(name: name, kind: kind, value: value)
        }
    }

    private mutating func add(name: String, kind: FlagKind, value: String?) throws(InstructionError) {
        switch kind {
        case .bool:
            guard self[name] == nil else { throw InstructionError("duplicate flag specified: --\(name)") }
            switch value?.lowercased() {
            case nil, "true": entries.append((name, .bool(true)))
            case "false": entries.append((name, .bool(false)))
            default: throw InstructionError("expecting boolean value for flag --\(name), not: \(value!)")
            }
        case .string:
            guard self[name] == nil else { throw InstructionError("duplicate flag specified: --\(name)") }
            guard let value else { throw InstructionError("missing a value on flag: --\(name) (write --\(name)=VALUE)") }
            entries.append((name, .string(value)))
        case .list:
            guard let value else { throw InstructionError("missing a value on flag: --\(name) (write --\(name)=VALUE)") }
            if let index = entries.firstIndex(where: { $0.name == name }), case .list(let values) = entries[index].value {
                entries[index].value = .list(values + [value])
            } else {
                entries.append((name, .list([value])))
            }
        }
    }
}

/// A problem with one instruction; the parser adds the file and line.
public struct InstructionError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
