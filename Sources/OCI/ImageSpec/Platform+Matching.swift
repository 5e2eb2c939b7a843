extension Platform {
    /// The platform swiftbuild runs on (`linux/amd64` on x86_64, `linux/arm64` on aarch64).
    public static var host: Platform {
        #if arch(x86_64)
        Platform(architecture: "amd64", os: "linux")
        #elseif arch(arm64)
        Platform(architecture: "arm64", os: "linux")
        #elseif arch(arm)
        Platform(architecture: "arm", os: "linux", variant: "v7")
        #elseif arch(i386)
        Platform(architecture: "386", os: "linux")
        #elseif arch(powerpc64le)
        Platform(architecture: "ppc64le", os: "linux")
        #elseif arch(s390x)
        Platform(architecture: "s390x", os: "linux")
        #elseif arch(riscv64)
        Platform(architecture: "riscv64", os: "linux")
        #else
        Platform(architecture: "unknown", os: "linux")
        #endif
    }

    /// This platform with aliases and default variants spelled one way, so that equal
    /// platforms compare equal: `x86_64` is `amd64`, `aarch64` is `arm64`, `arm64/v8` is
    /// `arm64`, `arm` without a variant is `arm/v7`, `amd64/v1` is `amd64`.
    /// `os.version` and `os.features` are kept as they are.
    public var normalized: Platform {
        var result = self
        result.os = os.lowercased()
        result.architecture = architecture.lowercased()
        result.variant = variant?.lowercased()
        switch result.architecture {
        case "x86_64", "x86-64":
            result.architecture = "amd64"
        case "aarch64":
            result.architecture = "arm64"
        case "i386", "i686":
            result.architecture = "386"
        case "armhf":
            result.architecture = "arm"
            result.variant = "v7"
        case "armel":
            result.architecture = "arm"
            result.variant = "v6"
        default:
            break
        }
        switch (result.architecture, result.variant) {
        case ("arm64", "v8"), ("amd64", "v1"):
            result.variant = nil
        case ("arm", nil):
            result.variant = "v7"
        default:
            break
        }
        return result
    }

    /// True when an image built for `candidate` is the one to run on this platform: the
    /// same OS, architecture and variant after normalisation. `os.version` and
    /// `os.features` are not compared.
    public func matches(_ candidate: Platform) -> Bool {
        let wanted = normalized
        let offered = candidate.normalized
        return wanted.os == offered.os && wanted.architecture == offered.architecture
            && wanted.variant == offered.variant
    }

    /// Picks the entry of an index (or of a list of tagged descriptors) to use on this
    /// platform. Entries that are neither manifests nor indexes are ignored, as the spec
    /// requires for unknown media types. In order of preference:
    /// 1. the first entry whose platform ``matches(_:)`` this one;
    /// 2. when this platform has no variant (after normalisation), the first entry with
    ///    the same OS and architecture and any variant;
    /// 3. the only entry that declares no platform at all.
    public func bestMatch(in descriptors: [Descriptor]) -> Descriptor? {
        let usable = descriptors.filter { $0.mediaType.isManifest || $0.mediaType.isIndex }
        if let exact = usable.first(where: { $0.platform.map(matches) ?? false }) {
            return exact
        }
        let wanted = normalized
        if wanted.variant == nil,
            let anyVariant = usable.first(where: { descriptor in
                guard let offered = descriptor.platform?.normalized else { return false }
                return offered.os == wanted.os && offered.architecture == wanted.architecture
            })
        {
            return anyVariant
        }
        let unplatformed = usable.filter { $0.platform == nil }
        return unplatformed.count == 1 ? unplatformed[0] : nil
    }
}
