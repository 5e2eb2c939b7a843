import FileNames

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A glibc release as its symbol versions name it (`GLIBC_2.34` is 2.34).
public struct GlibcVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    /// The numbers, e.g. `[2, 34]`.
    public let components: [Int]

    /// Parses `GLIBC_2.34`; nil for other version names (`GLIBC_PRIVATE`, `GCC_3.0`).
    public init?(symbolVersion name: String) {
        guard name.hasPrefix("GLIBC_") else { return nil }
        let numbers = name.dropFirst("GLIBC_".count).split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
        components = numbers.map { $0! }
    }

    /// The newest `GLIBC_` version `file` needs from any library.
    public static func newestRequired(by file: ELFFile) -> GlibcVersion? {
        file.versionRequirements.flatMap(\.versions).compactMap { GlibcVersion(symbolVersion: $0.name) }.max()
    }

    /// The newest `GLIBC_` version a C library defines: the release of a `libc.so.6`.
    public static func provided(by library: ELFFile) -> GlibcVersion? {
        library.versionDefinitions.filter { !$0.isBase }.compactMap { GlibcVersion(symbolVersion: $0.name) }.max()
    }

    public static func < (lhs: GlibcVersion, rhs: GlibcVersion) -> Bool {
        lhs.components.lexicographicallyPrecedes(rhs.components)
    }

    /// `2.34`.
    public var description: String { components.map(String.init).joined(separator: ".") }
}

/// Which of Go's standard packages a Go binary calls C through, read from the function
/// names the Go linker keeps (`net._C2func_getaddrinfo`, `os/user._Cfunc_mygetpwuid_r`).
/// These are the packages that make a Go program dynamic although its own code has no C:
/// with `CGO_ENABLED=0` (or `-tags netgo,osusergo`) Go uses its own implementations.
public struct GoCgoUse: Sendable, Equatable {
    /// The cgo DNS resolver (`getaddrinfo`) of package net.
    public var net: Bool
    /// The cgo user and group lookups (`getpwuid_r`, ...) of package os/user.
    public var osUser: Bool

    /// Searches the bytes of a Go binary.
    public init(bytes: [UInt8]) {
        net = Self.contains(bytes, "net._C2func_getaddrinfo") || Self.contains(bytes, "net._Cfunc_getaddrinfo")
        osUser = Self.contains(bytes, "os/user._Cfunc_mygetpw") || Self.contains(bytes, "os/user._Cfunc_mygetgr")
    }

    /// Reads the file at `path` inside `root` (nil when it cannot be read).
    public init?(root: ImageRoot, path: String, sizeLimit: Int = ELFFile.defaultSizeLimit) {
        guard let bytes = try? root.readRegularFile(path, sizeLimit: sizeLimit) else { return nil }
        self.init(bytes: bytes)
    }

    /// The packages, as a remedy names them.
    public var packages: [String] {
        (net ? ["net (the cgo DNS resolver)"] : []) + (osUser ? ["os/user (cgo user lookups)"] : [])
    }

    /// Whether `needle` occurs in `bytes` (a scan for its first byte, then a comparison).
    private static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return false }
        return bytes.withUnsafeBufferPointer { haystack in
            pattern.withUnsafeBufferPointer { wanted in
                var index = 0
                let last = haystack.count - wanted.count
                while index <= last {
                    if haystack[index] == first,
                        memcmp(haystack.baseAddress! + index, wanted.baseAddress!, wanted.count) == 0
                    {
                        return true
                    }
                    index += 1
                }
                return false
            }
        }
    }
}

/// An OCI platform's architecture as ELF names it: what the kernel of a machine running
/// the image executes (anything else fails with `exec format error`).
public struct ImagePlatform: Sendable, Equatable, CustomStringConvertible {
    /// The OCI `architecture` (`amd64`, `arm64`, ...).
    public let architecture: String
    /// The OCI `variant`, if any.
    public let variant: String?

    public init(architecture: String, variant: String? = nil) {
        self.architecture = architecture
        self.variant = variant
    }

    /// The ELF class and machine of executables for it; nil for architectures not known here.
    public var elf: (fileClass: ELFClass, machine: ELFMachine)? {
        switch architecture {
        case "amd64": (.elf64, .x86_64)
        case "arm64": (.elf64, .aarch64)
        case "386": (.elf32, .i386)
        case "arm": (.elf32, .arm)
        case "ppc64le", "ppc64": (.elf64, .powerPC64)
        case "s390x": (.elf64, .s390)
        case "riscv64": (.elf64, .riscv)
        default: nil
        }
    }

    /// The OCI architecture of an ELF class and machine, when it has one.
    public static func architecture(of platform: ELFPlatform) -> String? {
        switch (platform.fileClass, platform.machine) {
        case (.elf64, .x86_64): "amd64"
        case (.elf64, .aarch64): "arm64"
        case (.elf32, .i386): "386"
        case (.elf32, .arm): "arm"
        case (.elf64, .powerPC64): "ppc64le"
        case (.elf64, .s390): "s390x"
        case (.elf64, .riscv): "riscv64"
        default: nil
        }
    }

    /// Whether the kernel of this platform executes an ELF file of `platform`. Unknown
    /// architectures are not judged (true).
    public func runs(_ platform: ELFPlatform) -> Bool {
        guard let elf else { return true }
        return elf.fileClass == platform.fileClass && elf.machine == platform.machine
    }

    /// `linux/arm64` or `linux/arm/v7`.
    public var description: String { "linux/" + architecture + (variant.map { "/" + $0 } ?? "") }
}

/// What to change so that a file with run-time findings starts: computed from the file, its
/// findings and the image, never guessed. Each remedy is one sentence.
public enum Remedies {
    /// The facts a remedy may use besides the file and its findings.
    public struct Facts: Sendable {
        /// The cgo use found in the binary (Go binaries only).
        public var cgo: GoCgoUse?
        /// The glibc release of the image (its `libc.so.6`), if it has one.
        public var imageGlibc: GlibcVersion?
        /// The image's platform.
        public var platform: ImagePlatform?

        public init(cgo: GoCgoUse? = nil, imageGlibc: GlibcVersion? = nil, platform: ImagePlatform? = nil) {
            self.cgo = cgo
            self.imageGlibc = imageGlibc
            self.platform = platform
        }
    }

    /// Remedies for `file` (at `path` in the image) given what stops it: empty when nothing does.
    public static func advise(path: String, file: ELFFile, findings: [ResolutionFinding], facts: Facts) -> [String] {
        var remedies: [String] = []
        let filePlatform = ELFPlatform(file)
        if let platform = facts.platform, !platform.runs(filePlatform) {
            let built = ImagePlatform.architecture(of: filePlatform).map { "linux/" + $0 } ?? filePlatform.description
            remedies.append(
                "build \(path) for \(platform) (the image's platform; it is built for \(built)), e.g. with GOARCH=\(platform.architecture) or a cross compiler, or build the image with --platform \(built)"
            )
        }
        let linkage = findings.contains { finding in
            switch finding {
            case .interpreterMissing, .libraryMissing, .versionMissing: true
            default: false
            }
        }
        guard linkage else { return remedies }
        if ELFKind(file) == .sharedLibrary {
            let missing = findings.compactMap { finding -> String? in
                if case .libraryMissing(let name, _) = finding { return name }
                return nil
            }
            remedies.append(
                "ship what \(path) loads" + (missing.isEmpty ? "" : " (\(missing.joined(separator: ", ")))")
                    + " in the image, for example from the stage that built it, or leave the library out if nothing loads it")
            return remedies
        }
        let libc = LibC(file)
        if let go = file.goBuildInfo {
            let packages = facts.cgo?.packages ?? []
            if !packages.isEmpty {
                remedies.append(
                    "rebuild with CGO_ENABLED=0: this \(go.version) binary calls C only through "
                        + packages.joined(separator: " and ")
                        + ", which Go then implements itself (or build with -tags netgo,osusergo); the result is static")
            } else if go.cgoEnabled == true {
                remedies.append(
                    "this \(go.version) binary was built with CGO_ENABLED=1 and calls C code of its own (import \"C\"): "
                        + "link it statically (go build -ldflags '-linkmode external -extldflags -static') or ship it on a base with its C library"
                )
            } else {
                remedies.append("rebuild with CGO_ENABLED=0 so that Go links a static binary")
            }
        } else {
            switch libc {
            case .glibc:
                remedies.append(
                    "link \(path) statically (gcc -static) or against musl (musl-gcc), or base the final stage on an image with glibc"
                        + (file.interpreter.map { " (its loader \($0))" } ?? ""))
            case .musl:
                remedies.append(
                    "link \(path) statically (musl-gcc -static), or base the final stage on an image with musl"
                        + (file.interpreter.map { " (its loader \($0))" } ?? ""))
            default:
                remedies.append("link \(path) statically, or base the final stage on an image that has its loader and libraries")
            }
        }
        let versions = findings.compactMap { finding -> GlibcVersion? in
            if case .versionMissing(_, let version, _) = finding { return GlibcVersion(symbolVersion: version) }
            return nil
        }
        if let needed = versions.max() {
            let image = facts.imageGlibc.map { "the image's glibc is \($0)" } ?? "the image's glibc is older"
            remedies.append(
                "\(path) needs glibc \(needed) (GLIBC_\(needed)) and \(image): build it against glibc \(facts.imageGlibc?.description ?? "the image's") or older, or base the final stage on an image with glibc \(needed) or newer"
            )
        }
        return remedies
    }
}

extension Resolution {
    /// The paths (inside the image, as found) of every library in the tree, without repeats
    /// and without the loader.
    public var libraryPaths: [String] {
        var seen: Set<String> = []
        var result: [String] = []
        func walk(_ dependencies: [ResolvedDependency]) {
            for dependency in dependencies {
                if let path = dependency.path, dependency.method != .interpreter, path != interpreter, seen.insert(path).inserted {
                    result.append(path)
                }
                walk(dependency.dependencies)
            }
        }
        walk(dependencies)
        return result
    }

    /// Where the tree found the library named `name`, if it did.
    public func path(ofLibrary name: String) -> String? {
        func find(_ dependencies: [ResolvedDependency]) -> String? {
            for dependency in dependencies {
                if dependency.name == name, let path = dependency.path { return path }
                if let found = find(dependency.dependencies) { return found }
            }
            return nil
        }
        return find(dependencies)
    }
}

extension DependencyResolver {
    /// The glibc release of the root: the versions its `libc.so.6` defines, looked up where
    /// `resolution` found it, else in glibc's default directories for `platform`.
    public func glibcVersion(for resolution: Resolution?, platform: ELFPlatform) -> GlibcVersion? {
        let candidates =
            (resolution?.path(ofLibrary: "libc.so.6")).map { [$0] }
            ?? Self.glibcDefaultDirectories(for: platform).map { $0 + "/libc.so.6" }
        for candidate in candidates {
            if let file = try? file(at: candidate), let version = GlibcVersion.provided(by: file) { return version }
        }
        return nil
    }
}
