extension Platform {
    /// Parses a platform as `--platform` flags and `BUILDPLATFORM`/`TARGETPLATFORM` write
    /// it, `os/architecture[/variant]`, and returns it ``normalized``: `linux/aarch64` is
    /// `linux/arm64`, `linux/arm` is `linux/arm/v7`, `linux/arm64/v8` is `linux/arm64`
    /// (BuildKit normalises the platforms it is given the same way).
    ///
    /// Each part is checked as containerd checks a platform specifier: the OS is letters,
    /// digits, `_` and `-`; the architecture and variant may also hold `.`. Unlike
    /// containerd, a lone OS or architecture (`linux`, `amd64`) is refused rather than
    /// completed from the host, so a platform always says both.
    public init(parsing text: String) throws(PlatformError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count) else {
            throw PlatformError(text: text, reason: "expected os/arch[/variant], e.g. linux/amd64")
        }
        let names = ["OS", "architecture", "variant"]
        for (index, part) in parts.enumerated() {
            guard !part.isEmpty else {
                throw PlatformError(text: text, reason: "the \(names[index]) is empty; expected os/arch[/variant], e.g. linux/amd64")
            }
            let extra: Set<Character> = index == 0 ? ["_", "-"] : ["_", "-", "."]
            guard part.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || extra.contains($0)) }) else {
                let allowed = index == 0 ? "'_' and '-'" : "'_', '.' and '-'"
                throw PlatformError(text: text, reason: "the \(names[index]) '\(part)' may only hold letters, digits, \(allowed)")
            }
        }
        self = Platform(architecture: parts[1], os: parts[0], variant: parts.count == 3 ? parts[2] : nil).normalized
    }
}

/// Why a text is not a platform.
public struct PlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text as written.
    public var text: String
    /// What is wrong with it, without the text (for messages that name it already).
    public var reason: String

    public init(text: String, reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid platform '\(text)': \(reason)" }
}
