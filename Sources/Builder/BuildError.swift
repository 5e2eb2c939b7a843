import Dockerfile

/// A build failure, located at the instruction that failed, carrying what caused it.
///
/// Its description reads `FILE:LINE: INSTRUCTION: cause`, followed by the last lines
/// of the step's output when a RUN step failed.
public struct BuildError: Error, Sendable, CustomStringConvertible {
    /// The Dockerfile.
    public var file: String
    /// The instruction's first line.
    public var line: Int
    /// The instruction as written (first line only), e.g. `RUN make`.
    public var instruction: String
    /// What went wrong: the underlying error (a store, sandbox, copy or expansion error),
    /// or a ``StepFailure`` for what the builder itself found.
    public var cause: any Error
    /// The last lines the step printed, for a failed RUN.
    public var outputTail: [String]

    /// A failure the builder found itself, said by `message`.
    public init(file: String, line: Int, instruction: String, message: String, outputTail: [String] = []) {
        self.init(file: file, line: line, instruction: instruction, cause: StepFailure(message), outputTail: outputTail)
    }

    /// A failure caused by `cause`.
    public init(file: String, line: Int, instruction: String, cause: any Error, outputTail: [String] = []) {
        self.file = file
        self.line = line
        self.instruction = instruction
        self.cause = cause
        self.outputTail = outputTail
    }

    /// What went wrong, as the description says it.
    public var message: String { "\(cause)" }

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

/// A step's failure that no other error describes (a RUN command's exit status or
/// signal, a stage missing its base), or what the builder was doing when `cause` happened
/// (`pulling 'x' failed`).
public struct StepFailure: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public var what: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    public init(_ what: String, cause: (any Error)? = nil) {
        self.what = what
        self.cause = cause
    }

    /// `what`, then `: cause` when there is one.
    public var description: String {
        cause.map { "\(what): \($0)" } ?? what
    }
}
