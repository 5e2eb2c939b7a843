/// A `.dockerignore` line that cannot be used, located so that a user can fix it.
///
/// Its description has the `FILE:LINE: message` form that editors and CI logs link to.
public struct DockerIgnoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with a pattern.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The line is `!` alone: an exception to nothing.
        case bareException
        /// The pattern is not a valid glob.
        case invalidGlob(PathGlobSyntaxError)

        public var description: String {
            switch self {
            case .bareException: "`!` must be followed by the pattern it makes an exception for"
            case .invalidGlob(let syntaxError): syntaxError.description
            }
        }
    }

    /// The ignore file as the user knows it, `.dockerignore` unless told otherwise.
    public var file: String
    /// The 1-based line of the pattern; for ``DockerIgnore/init(patterns:file:)``, its 1-based position.
    public var line: Int
    /// The pattern as written, without surrounding whitespace.
    public var pattern: String
    /// What is wrong with it.
    public var problem: Problem

    /// An error about `pattern`, found on `line` of `file`.
    public init(file: String, line: Int, pattern: String, problem: Problem) {
        self.file = file
        self.line = line
        self.pattern = pattern
        self.problem = problem
    }

    public var description: String {
        "\(file):\(line): invalid pattern \"\(pattern)\": \(problem)"
    }
}
