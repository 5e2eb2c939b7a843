/// An error in a Dockerfile, located by file and line so a user can act on it.
///
/// Its description has the `FILE:LINE: message` form that editors and CI logs link to.
public struct DockerfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The Dockerfile's path as the user named it.
    public var file: String
    /// The 1-based line the problem starts on; 0 when it concerns the whole file.
    public var line: Int
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, with control characters from the Dockerfile escaped: the
    /// message may quote the file's own text, and it goes to a terminal.
    public var description: String {
        let text = message.withControlCharactersEscaped
        return line > 0 ? "\(file):\(line): \(text)" : "\(file): \(text)"
    }
}
