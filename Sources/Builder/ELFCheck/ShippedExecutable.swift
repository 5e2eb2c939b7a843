/// An ELF executable the build added to or changed in the final image, as checked
/// against that image's own C library.
public struct ShippedExecutable: Sendable, Equatable {
    /// Its path inside the image.
    public var path: String
    /// The instruction whose layer holds this version of the file.
    public var origin: LayerOrigin
    /// How it links, for the build summary: `static`, `static-pie`, `glibc 2.34`, `musl`,
    /// with ` (Go 1.22)` for Go binaries.
    public var linkage: String
    /// What would stop it from starting, worded as the run-time error.
    public var findings: [String]
    /// What to change so that it starts, from facts the build has (empty when it starts).
    public var remedies: [String] = []
    /// A shared library (checked for its own dependencies; listed only when it has findings).
    public var isLibrary = false
}

/// The image's ENTRYPOINT and CMD, checked as `execve` would start them.
public struct EntrypointCheck: Sendable, Equatable {
    /// The command line, ENTRYPOINT then CMD.
    public var argv: [String]
    /// Why it would not start.
    public var findings: [String]
    /// What to change.
    public var remedies: [String]
}

/// The ELF check of a build's final image.
public struct ELFCheckReport: Sendable, Equatable {
    /// Every ELF executable, `#!` script and shared library the build added or changed, by path.
    public var executables: [ShippedExecutable]
    /// The ENTRYPOINT/CMD check; nil when the image has neither.
    public var entrypoint: EntrypointCheck? = nil
    /// Problems that do not stop a program from starting but make something it may do fail:
    /// name service modules `/etc/nsswitch.conf` names that the image cannot load, libraries
    /// found only in a `glibc-hwcaps` subdirectory (some CPUs only). They never fail a build.
    public var warnings: [String] = []
    /// The image's platform (`linux/arm64`): the executables were checked against its ELF
    /// class and machine, and the summary names it (a build for several platforms checks
    /// each platform's image). Nil when the image has no configuration.
    public var platform: String? = nil

    /// The executables that would not start.
    public var failing: [ShippedExecutable] { executables.filter { !$0.findings.isEmpty } }

    /// Whether something would not start: a shipped executable or the image's entry point.
    public var hasFindings: Bool { !failing.isEmpty || !(entrypoint?.findings.isEmpty ?? true) }
}

/// A build stopped by `--elf-check=error`: an executable would not start in the image.
/// Nothing was tagged or written.
public struct ELFCheckFailure: Error, Sendable, CustomStringConvertible {
    /// The check's full report.
    public var report: ELFCheckReport

    public var description: String {
        let count = report.failing.count + (report.entrypoint?.findings.isEmpty == false ? 1 : 0)
        return
            "the ELF check found \(count) executable\(count == 1 ? "" : "s") that would not start in the \(report.platform.map { $0 + " " } ?? "")image (--elf-check=error); nothing was tagged"
    }
}
