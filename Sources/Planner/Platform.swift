/// An OS/architecture[/variant] triple, as in `linux/arm64/v8`.
public struct Platform: Sendable, Hashable, Codable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`, normalising architecture aliases the way containerd does
    /// (`x86_64` is `amd64`, `aarch64` is `arm64`, a bare `arm` is `arm/v7`).
    public init?(parsing text: String) {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        let (architecture, variant) = Self.normalise(architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
        self.init(os: parts[0], architecture: architecture, variant: variant)
    }

    /// The platform swiftbuild runs on.
    public static var host: Platform {
        #if arch(x86_64)
        Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
        Platform(os: "linux", architecture: "arm64")
        #else
        Platform(os: "linux", architecture: "unknown")
        #endif
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    private static func normalise(architecture: String, variant: String?) -> (String, String?) {
        switch architecture {
        case "x86_64", "x86-64": return ("amd64", variant)
        case "aarch64": return ("arm64", variant == "v8" ? nil : variant)
        case "arm64": return ("arm64", variant == "v8" ? nil : variant)
        case "i386", "i686": return ("386", variant)
        case "arm", "armhf": return ("arm", variant ?? "v7")
        case "armel": return ("arm", variant ?? "v6")
        default: return (architecture, variant)
        }
    }
}
