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
    /// platforms compare equal. The table is containerd's (the `platforms` package that
    /// BuildKit and docker use), applied after lower-casing:
    /// - OS: `macos` is `darwin`;
    /// - `x86_64` and `x86-64` are `amd64`, and `amd64/v1` is `amd64`;
    /// - `aarch64` is `arm64`; `arm64` variants `8`, `v8`, `v8.0` are no variant, and
    ///   `9`, `9.0`, `v9.0` are `v9`;
    /// - `i386` is `386` (any variant dropped);
    /// - `armhf` is `arm/v7`, `armel` is `arm/v6`; `arm` without a variant (or `7`) is
    ///   `arm/v7`, and `arm` variants `5`, `6`, `8` get their `v`.
    ///
    /// Anything else (`ppc64le`, `s390x`, `riscv64`, or a name containerd does not know,
    /// such as `i686`) is kept as it is. An empty variant is no variant. `os.version` and
    /// `os.features` are kept as they are.
    public var normalized: Platform {
        var result = self
        result.os = os.lowercased()
        if result.os == "macos" { result.os = "darwin" }
        var variant = variant?.lowercased()
        if variant?.isEmpty == true { variant = nil }
        switch architecture.lowercased() {
        case "i386":
            result.architecture = "386"
            variant = nil
        case "x86_64", "x86-64", "amd64":
            result.architecture = "amd64"
            if variant == "v1" { variant = nil }
        case "aarch64", "arm64":
            result.architecture = "arm64"
            switch variant {
            case "8", "v8", "v8.0": variant = nil
            case "9", "9.0", "v9.0": variant = "v9"
            default: break
            }
        case "armhf":
            result.architecture = "arm"
            variant = "v7"
        case "armel":
            result.architecture = "arm"
            variant = "v6"
        case "arm":
            result.architecture = "arm"
            switch variant {
            case nil, "7": variant = "v7"
            case let version? where ["5", "6", "8"].contains(version): variant = "v" + version
            default: break
            }
        case let other:
            result.architecture = other
        }
        result.variant = variant
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
}
