/// A `--chmod` value: octal (`0755`, `644`), replacing the permission bits, or symbolic
/// like chmod(1) (`u+x`, `go-w`, `a=rX`, `+x`), which BuildKit accepts since Dockerfile
/// frontend 1.14. A clause without `u`, `g`, `o` or `a` applies to all three (no umask,
/// as BuildKit). It applies to every copied file and directory, never to symlinks.
public struct FileModeChange: Sendable, Hashable, CustomStringConvertible {
    private enum Operation: Sendable, Hashable {
        case add, remove, set
    }

    private struct Clause: Sendable, Hashable {
        var who: UInt32
        var operation: Operation
        var bits: UInt32
        var conditionalExecute: Bool
        var copyFrom: UInt32?
    }

    private enum Form: Sendable, Hashable {
        case octal(UInt32)
        case symbolic([Clause])
    }

    /// The value as given.
    public let text: String
    private let form: Form

    /// Parses `text`, failing with ``CopyError/Problem/invalidMode(_:)``.
    public init(parsing text: String) throws(CopyError.Problem) {
        self.text = text
        if let octal = UInt32(text, radix: 8), octal <= 0o7777, !text.isEmpty {
            form = .octal(octal)
            return
        }
        var clauses: [Clause] = []
        for clauseText in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let clause = Self.parseClause(Array(clauseText)) else { throw .invalidMode(text) }
            clauses.append(clause)
        }
        form = .symbolic(clauses)
    }

    /// The new permission bits (`0o7777`) for a file with `permissions`.
    public func apply(to permissions: UInt32, isDirectory: Bool) -> UInt32 {
        switch form {
        case .octal(let mode):
            return mode
        case .symbolic(let clauses):
            return clauses.reduce(permissions & 0o7777) { Self.apply($1, to: $0, isDirectory: isDirectory) }
        }
    }

    public var description: String { text }

    private static func apply(_ clause: Clause, to mode: UInt32, isDirectory: Bool) -> UInt32 {
        var bits = clause.bits
        if clause.conditionalExecute, isDirectory || mode & 0o111 != 0 { bits |= 0o111 }
        if let source = clause.copyFrom {
            let triple = (mode >> source) & 0o7
            bits |= triple << 6 | triple << 3 | triple
        }
        // Special bits follow their class: setuid with u, setgid with g, sticky with all.
        var mask: UInt32 = 0
        if clause.who & 0o700 != 0 { mask |= 0o4700 }
        if clause.who & 0o070 != 0 { mask |= 0o2070 }
        if clause.who & 0o007 != 0 { mask |= 0o0007 }
        if clause.who == 0o777 { mask |= 0o1000 }
        let selected = bits & mask
        switch clause.operation {
        case .add: return mode | selected
        case .remove: return mode & ~selected
        case .set: return mode & ~mask | selected
        }
    }

    /// One `[ugoa]*[+-=]perms` clause (a single operator; chmod's `u+x-w` chains are not
    /// accepted, BuildKit does not accept them either).
    private static func parseClause(_ characters: [Character]) -> Clause? {
        var index = 0
        var who: UInt32 = 0
        while index < characters.count, let bits = ["u": 0o700, "g": 0o070, "o": 0o007, "a": 0o777][characters[index]] {
            who |= UInt32(bits)
            index += 1
        }
        if who == 0 { who = 0o777 }
        guard index < characters.count, let operation = ["+": Operation.add, "-": .remove, "=": .set][characters[index]] else {
            return nil
        }
        index += 1
        var clause = Clause(who: who, operation: operation, bits: 0, conditionalExecute: false, copyFrom: nil)
        let rest = characters[index...]
        if rest.count == 1, let source = ["u": UInt32(6), "g": 3, "o": 0][rest.first!] {
            clause.copyFrom = source
            return clause
        }
        for character in rest {
            switch character {
            case "r": clause.bits |= 0o444
            case "w": clause.bits |= 0o222
            case "x": clause.bits |= 0o111
            case "X": clause.conditionalExecute = true
            case "s": clause.bits |= 0o6000
            case "t": clause.bits |= 0o1000
            default: return nil
            }
        }
        return clause
    }
}
