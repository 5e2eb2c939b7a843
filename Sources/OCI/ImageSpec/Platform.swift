/// The platform an image or manifest is built for, as descriptors and index entries
/// carry it (`{"architecture": "arm64", "os": "linux", "variant": "v8"}`).
///
/// Values use Go's `GOOS`/`GOARCH` names; see ``normalized`` for matching.
public struct Platform: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The CPU architecture (`amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`, `riscv64`, ...).
    public var architecture: String
    /// The operating system (`linux`, `windows`, ...).
    public var os: String
    /// The operating system version (JSON `os.version`), used by Windows images.
    public var osVersion: String?
    /// Mandatory operating system features (JSON `os.features`), used by Windows images.
    public var osFeatures: [String]?
    /// The CPU variant (`v7` for 32-bit ARMv7, `v8`, ...).
    public var variant: String?

    /// A platform from its parts.
    public init(
        architecture: String, os: String, osVersion: String? = nil, osFeatures: [String]? = nil,
        variant: String? = nil
    ) {
        self.architecture = architecture
        self.os = os
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.variant = variant
    }

    /// `os/architecture[/variant]`, as `--platform` flags write it.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    enum CodingKeys: String, CodingKey {
        case architecture
        case os
        case osVersion = "os.version"
        case osFeatures = "os.features"
        case variant
    }
}
