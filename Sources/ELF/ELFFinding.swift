/// What is wrong with a file the ELF parser was asked to read.
///
/// Every problem names the structure involved and, where one exists, the file offset, so a
/// report can say "truncated dynamic section at offset 0x2e10" rather than just "bad file".
public enum ELFProblem: Error, Sendable, Equatable {
    /// The file could not be opened or read; `errno` is the C library's error number.
    case unreadable(errno: Int32)
    /// The file is larger than the size limit the caller allowed.
    case tooLarge(size: UInt64, limit: UInt64)
    /// The file does not start with the ELF magic number `\x7fELF`.
    case notELF
    /// `what` needs `length` bytes at `offset`, but the file ends at `fileSize`.
    case truncated(what: String, offset: UInt64, length: UInt64, fileSize: UInt64)
    /// A field holds a value the format does not allow; `detail` says which and why.
    case invalid(what: String, detail: String)
}

extension ELFProblem: CustomStringConvertible {
    /// A one-line, lower-case message such as "truncated dynamic section at offset 0x2e10 ...".
    public var description: String {
        switch self {
        case .unreadable(let errno):
            return "cannot read file (errno \(errno))"
        case .tooLarge(let size, let limit):
            return "file is \(size) bytes, more than the limit of \(limit) bytes"
        case .notELF:
            return "not an ELF file"
        case .truncated(let what, let offset, let length, let fileSize):
            return "truncated \(what) at offset \(hex(offset)) (\(hex(length)) bytes needed, file ends at \(hex(fileSize)))"
        case .invalid(let what, let detail):
            return "invalid \(what): \(detail)"
        }
    }
}

/// A problem found in one file: the typed error thrown when a file cannot be parsed at all,
/// and the entries of ``ELFFile/findings`` when only part of it is damaged.
public struct ELFFinding: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path of the file, as the caller gave it.
    public let path: String
    /// What is wrong.
    public let problem: ELFProblem

    /// Creates a finding about the file at `path`.
    public init(path: String, problem: ELFProblem) {
        self.path = path
        self.problem = problem
    }

    /// "`path`: `problem`", for messages shown to users.
    public var description: String { "\(path): \(problem)" }
}

/// `0x`-prefixed lower-case hexadecimal, the way offsets appear in findings.
func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
