/// How a step ended.
public enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    /// The step called exit with this code.
    case exited(Int32)
    /// The step was killed by this signal.
    case signaled(Int32)

    /// Decodes a raw wait(2) status.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
