import OCI
import OCIArchive
import System

/// A `COPY` or `ADD` that could not be performed, naming the instruction and the path
/// involved. The builder prefixes the Dockerfile's `FILE:LINE`.
public struct CopyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// A source path that is not in the source tree, or that `.dockerignore` excludes.
        case sourceNotFound(String, ignoreFileApplies: Bool)
        /// A wildcard pattern that is not valid `filepath.Match` syntax.
        case invalidPattern(String, reason: String)
        /// Several sources (given, or from a wildcard) but a destination without a trailing `/`.
        case destinationMustBeDirectory
        /// A URL or git source given to `COPY` (only `ADD` fetches; the builder hands the
        /// copier what it fetched as ``CopySource/fetched(path:name:)``).
        case remoteSourceNotSupported(String)
        /// A directory would have to be written where a non-directory is (destination path).
        case notADirectory(String)
        /// A non-directory would replace a directory (destination path).
        case cannotReplaceDirectory(String)
        /// A `--chmod` value that is neither octal nor a symbolic mode.
        case invalidMode(String)
        /// A `--chown` value that cannot be resolved in the target's user database.
        case owner(UserLookupError)
        /// A `--exclude` pattern that cannot be used.
        case invalidExclude(String, reason: String)
        /// A source of a type that cannot be copied (a socket).
        case unsupportedFileType(String)
        /// An `ADD` archive entry whose path or link would leave the destination.
        case unsafeArchiveEntry(archive: String, entry: String, reason: String)
        /// A name that was to be created in a directory is not a single file name (it has
        /// a `/`, is empty, `.` or `..`): writing it would leave the target directory.
        case unsafeName(String, path: String)
        /// A here-document source whose name cannot be a file name.
        case invalidHeredocName(String)
        /// An `ADD` archive that libarchive could not read.
        case archive(ArchiveError)
        /// A system call on `path` failed.
        case system(path: String, SystemError)

        /// A system call's failure, its path (if it names one) moved into the case.
        init(_ error: SystemError) {
            self = .system(path: error.path ?? "", error.withoutPath)
        }

        /// What `body` returns; its failure as a ``system(path:_:)`` problem, about `path`
        /// when given (else the path the failure names).
        static func wrapping<Value>(path: String? = nil, _ body: () throws(SystemError) -> Value) throws(Problem) -> Value {
            do {
                return try body()
            } catch {
                throw Problem(SystemError(operation: error.operation, path: path ?? error.path, code: error.code))
            }
        }

        public var description: String {
            switch self {
            case .sourceNotFound(let path, let ignoreFileApplies):
                ignoreFileApplies
                    ? "\"\(path)\": not found (not in the source tree, or excluded by .dockerignore)" : "\"\(path)\": not found"
            case .invalidPattern(let pattern, let reason):
                "invalid source pattern \"\(pattern)\": \(reason)"
            case .destinationMustBeDirectory:
                "the destination must be a directory and end with a /"
            case .remoteSourceNotSupported(let source):
                "\"\(source)\": COPY does not fetch URLs or git repositories (ADD does)"
            case .notADirectory(let path):
                "cannot copy to non-directory: \(path)"
            case .cannotReplaceDirectory(let path):
                "cannot replace to directory \(path) with file"
            case .invalidMode(let mode):
                "invalid --chmod value \"\(mode)\": expected octal (0755) or symbolic (u+x,g-w)"
            case .owner(let error):
                error.description
            case .invalidExclude(let pattern, let reason):
                "invalid --exclude pattern \"\(pattern)\": \(reason)"
            case .unsupportedFileType(let path):
                "\(path): sockets cannot be copied"
            case .unsafeArchiveEntry(let archive, let entry, let reason):
                "\(archive): entry \"\(entry)\" \(reason)"
            case .unsafeName(let name, let path):
                "\(path): refused to create \"\(name)\": not a single file name"
            case .invalidHeredocName(let name):
                "the here-document <<\(name) is copied as a file named \"\(name)\", which is not a file name (it must not be empty, \".\" or \"..\", or contain \"/\")"
            case .archive(let error):
                error.description
            case .system(let path, let error):
                "\(path): \(error)"
            }
        }
    }

    /// The instruction that failed.
    public var instruction: CopyInstruction
    /// What went wrong.
    public var problem: Problem

    /// A failure of `instruction`.
    public init(_ instruction: CopyInstruction, _ problem: Problem) {
        self.instruction = instruction
        self.problem = problem
    }

    public var description: String {
        if problem == .destinationMustBeDirectory {
            // BuildKit's and Docker's exact wording.
            return "When using \(instruction.rawValue) with more than one source file, the destination must be a directory and end with a /"
        }
        return "\(instruction.rawValue) failed: \(problem)"
    }
}
