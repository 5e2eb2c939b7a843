import Dockerfile

/// A build failure, located at the instruction that failed.
///
/// Its description reads `FILE:LINE: INSTRUCTION: message`, followed by the last lines
/// of the step's output when a RUN step failed.
public struct BuildError: Error, Sendable, CustomStringConvertible {
    /// The Dockerfile.
    public var file: String
    /// The instruction's first line.
    public var line: Int
    /// The instruction as written (first line only), e.g. `RUN make`.
    public var instruction: String
    /// What went wrong.
    public var message: String
    /// The last lines the step printed, for a failed RUN.
    public var outputTail: [String]

    public init(file: String, line: Int, instruction: String, message: String, outputTail: [String] = []) {
        self.file = file
        self.line = line
        self.instruction = instruction
        self.message = message
        self.outputTail = outputTail
    }

    /// The instruction comes from the Dockerfile, so its control characters are escaped
    /// before it reaches a terminal (the step's own output is shown as it printed it).
    public var description: String {
        var text = "\(file):\(line): \(instruction.withControlCharactersEscaped): \(message)"
        if !outputTail.isEmpty {
            text += "\n  last output:\n" + outputTail.map { "    \($0)" }.joined(separator: "\n")
        }
        return text
    }
}
