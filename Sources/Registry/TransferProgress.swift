import OCI

/// What happened to one blob of a pull or push, reported as it happens; ``description``
/// is the line `swiftbuild pull` and `push` print on standard error.
public struct TransferProgress: Sendable, CustomStringConvertible {
    /// The state a blob reached.
    public enum State: Sendable, Equatable {
        /// The store (pull) or the registry (push) already has it.
        case alreadyPresent
        /// A download started.
        case downloading
        /// This many of its bytes moved so far (a download or upload under way); reported
        /// often, for a live display, so line-per-event printers skip it (``isMilestone``).
        case transferred(bytes: Int64)
        /// It was downloaded and verified.
        case downloaded
        /// An upload started.
        case uploading
        /// It was uploaded.
        case uploaded
        /// The registry mounted it from another repository instead of an upload.
        case mounted(from: String)
    }

    /// The blob.
    public var descriptor: Descriptor
    /// What happened.
    public var state: State

    /// A report from its parts.
    public init(descriptor: Descriptor, state: State) {
        self.descriptor = descriptor
        self.state = state
    }

    /// False for ``State/transferred(bytes:)``: the states worth a line of their own.
    public var isMilestone: Bool {
        if case .transferred = state { return false }
        return true
    }

    public var description: String {
        let blob = "\(descriptor.digest.algorithm):\(descriptor.digest.hex.prefix(12))"
        let size = Self.humanSize(descriptor.size)
        switch state {
        case .alreadyPresent: return "\(blob): already present (\(size))"
        case .downloading: return "\(blob): downloading \(size)"
        case .transferred(let bytes): return "\(blob): \(Self.humanSize(bytes)) of \(size)"
        case .downloaded: return "\(blob): downloaded \(size)"
        case .uploading: return "\(blob): uploading \(size)"
        case .uploaded: return "\(blob): uploaded \(size)"
        case .mounted(let repository): return "\(blob): mounted from \(repository) (\(size))"
        }
    }

    /// `1.2 MB`-style sizes (powers of 1000, as `swiftbuild images` prints them).
    public static func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
