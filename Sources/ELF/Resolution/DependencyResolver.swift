#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves an executable's dependency tree inside an image root the way the image's C
/// library would at run time, without executing anything.
///
/// glibc order for a name without `/`: `DT_RPATH` of the requester and then of its loaders up
/// the chain to the executable (only when the requester has no `DT_RUNPATH`), `DT_RUNPATH` of
/// the requester, `/etc/ld.so.cache` (or, when there is none, `/etc/ld.so.conf` with a
/// warning) unless `DF_1_NODEFLIB`, then ``glibcDefaultDirectories(for:)``; candidates whose
/// class or machine differ from the requester are skipped. `LD_LIBRARY_PATH` is ignored.
/// musl order: musl's reserved libc names (``ResolutionMethod/interpreter``) map to the
/// loader, then `DT_RUNPATH` (or `DT_RPATH`) of the requester and its loaders up the chain
/// (`$ORIGIN` only), then
/// `/etc/ld-musl-<arch>.path` or `/lib:/usr/local/lib:/usr/lib`. Names already loaded (by
/// `DT_NEEDED` name or `DT_SONAME`) are reused. When the loader's contents match neither
/// family, the executable's ``LibC`` (by name) picks the rules, glibc by default.
///
/// Each file (and the root's `ld.so.cache` or `ld.so.conf`) is read once per resolver
/// (copies share what was read), so one resolver serves a whole scan; make a new one when
/// files in the root change.
public struct DependencyResolver: Sendable {
    /// The image's filesystem.
    public let root: ImageRoot
    /// The files and configuration read from the root so far.
    let cache = RootCache()

    /// The most objects loaded for one executable; a bound on hostile or looping trees.
    public static let maximumObjects = 4096

    /// Resolves inside `root`.
    public init(root: ImageRoot) {
        self.root = root
    }

    /// glibc's default directories for a requester of `platform`, searched last: on x86-64 the
    /// Debian multiarch directories `/lib/x86_64-linux-gnu` and `/usr/lib/x86_64-linux-gnu`,
    /// then `/lib64` and `/usr/lib64` for any 64-bit file, `/lib` and `/usr/lib` for 32-bit ones.
    public static func glibcDefaultDirectories(for platform: ELFPlatform) -> [String] {
        let multiarch =
            platform.fileClass == .elf64 && platform.machine == .x86_64
            ? ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"] : []
        return multiarch + (platform.fileClass == .elf64 ? ["/lib64", "/usr/lib64"] : ["/lib", "/usr/lib"])
    }

    /// Resolves the executable at `path` (inside the root) and everything it loads. Throws
    /// when the executable itself cannot be found or parsed.
    public func resolve(_ path: String) throws(ELFFinding) -> Resolution {
        guard let real = try root.resolve(path) else {
            throw ELFFinding(path: path, problem: .unreadable(errno: ENOENT))
        }
        return resolve(try file(at: real), at: real, as: path)
    }

    /// Resolves `executable`, parsed elsewhere (another image's file), as if it were at `real`
    /// inside this root: its loader and libraries are looked up here. `path` names it in the result.
    /// Used to ask whether another root would run a file.
    public func resolve(_ executable: ELFFile, at real: String, as path: String) -> Resolution {
        guard let interpreter = executable.interpreter else {
            return Resolution(
                path: path, interpreter: nil, loader: nil, defaultDirectories: [],
                dependencies: [], findings: [], warnings: [])
        }
        guard let loaderFile = open(interpreter) else {
            return Resolution(
                path: path, interpreter: interpreter, loader: nil, defaultDirectories: [], dependencies: [],
                findings: [.interpreterMissing(executable: path, interpreter: interpreter)], warnings: [])
        }
        let loader: ELFFile
        switch loaderFile {
        case .success(let file): loader = file
        case .failure(let finding):
            return Resolution(
                path: path, interpreter: interpreter, loader: nil, defaultDirectories: [], dependencies: [],
                findings: [.unreadable(ELFFinding(path: interpreter, problem: finding.problem))], warnings: [])
        }
        let family = LoaderFamily(loader: loader)
        let rules: LoaderFamily = family ?? (LibC(executable) == .musl ? .musl : .glibc)
        var session = ResolutionSession(resolver: self, rules: rules, platform: ELFPlatform(executable), interpreter: interpreter)
        if ELFPlatform(loader) != session.platform {
            session.findings.append(.wrongArchitecture(path: interpreter, expected: session.platform, found: ELFPlatform(loader)))
        }
        session.load(path: real, file: executable, loader: nil)
        session.load(path: interpreter, file: loader, loader: nil)
        if let soname = loader.soname {
            session.known[soname] = .init(path: interpreter, method: .interpreter, object: 1)
        }
        session.run()
        let dependencies = session.tree(of: 0)
        if rules == .glibc { session.checkVersions() }
        return Resolution(
            path: path, interpreter: interpreter, loader: family,
            defaultDirectories: session.defaultDirectories, dependencies: dependencies,
            findings: session.findings, warnings: session.warnings)
    }

    /// Resolves the shared library at `path` (inside the root) as a program of the image
    /// would load it: its `DT_NEEDED` libraries and versions, searched with the rules of the
    /// image's loader for the library's platform (glibc's `ld-linux`, or musl's when the
    /// library names musl's libc or only musl's loader is there). The loader's own
    /// dependencies are not searched. Throws when the library cannot be found or parsed.
    public func resolveLibrary(_ path: String) throws(ELFFinding) -> Resolution {
        guard let real = try root.resolve(path) else {
            throw ELFFinding(path: path, problem: .unreadable(errno: ENOENT))
        }
        let library = try file(at: real)
        let platform = ELFPlatform(library)
        let glibcLoader = Self.glibcLoader(for: platform)
        let muslLoader = Self.muslLoader(for: platform)
        func present(_ loader: String?) -> (String, ELFFile)? {
            guard let loader, case .some(.success(let file)) = open(loader), ELFPlatform(file) == platform else { return nil }
            return (loader, file)
        }
        let wantsMusl = LibC(library) == .musl || (LibC(library) == .notLinked && present(glibcLoader) == nil)
        let loader = wantsMusl ? present(muslLoader) : present(glibcLoader)
        let rules: LoaderFamily = wantsMusl && loader != nil ? .musl : .glibc
        var session = ResolutionSession(
            resolver: self, rules: rules, platform: platform,
            interpreter: loader?.0 ?? glibcLoader ?? "")
        session.load(path: real, file: library, loader: nil)
        if let (loaderPath, loaderFile) = loader {
            session.load(path: loaderPath, file: loaderFile, loader: nil)
            if let soname = loaderFile.soname {
                session.known[soname] = .init(path: loaderPath, method: .interpreter, object: 1)
            }
        } else {
            session.loaderIndex = nil
        }
        session.run()
        let dependencies = session.tree(of: 0)
        if rules == .glibc { session.checkVersions() }
        return Resolution(
            path: path, interpreter: nil, loader: loader.flatMap { LoaderFamily(loader: $0.1) },
            defaultDirectories: session.defaultDirectories, dependencies: dependencies,
            findings: session.findings, warnings: session.warnings)
    }

    /// glibc's loader path for `platform` (its `PT_INTERP` in every glibc program), if known.
    public static func glibcLoader(for platform: ELFPlatform) -> String? {
        switch (platform.fileClass, platform.machine) {
        case (.elf64, .x86_64): "/lib64/ld-linux-x86-64.so.2"
        case (.elf64, .aarch64): "/lib/ld-linux-aarch64.so.1"
        case (.elf32, .i386): "/lib/ld-linux.so.2"
        case (.elf32, .arm): "/lib/ld-linux-armhf.so.3"
        case (.elf64, .powerPC64): "/lib64/ld64.so.2"
        case (.elf64, .s390): "/lib/ld64.so.1"
        case (.elf64, .riscv): "/lib/ld-linux-riscv64-lp64d.so.1"
        default: nil
        }
    }

    /// musl's loader path for `platform`, if known.
    public static func muslLoader(for platform: ELFPlatform) -> String? {
        switch (platform.fileClass, platform.machine) {
        case (.elf64, .x86_64): "/lib/ld-musl-x86_64.so.1"
        case (.elf64, .aarch64): "/lib/ld-musl-aarch64.so.1"
        case (.elf32, .i386): "/lib/ld-musl-i386.so.1"
        case (.elf32, .arm): "/lib/ld-musl-armhf.so.1"
        case (.elf64, .powerPC64): "/lib/ld-musl-powerpc64le.so.1"
        case (.elf64, .s390): "/lib/ld-musl-s390x.so.1"
        case (.elf64, .riscv): "/lib/ld-musl-riscv64.so.1"
        default: nil
        }
    }

    /// The file at `path` inside the root (links followed), parsed once per resolver: a
    /// caller that inspects a file and then resolves it reads it once. Errors name `path`.
    public func file(at path: String) throws(ELFFinding) -> ELFFile {
        guard let real = try root.resolve(path) else {
            throw ELFFinding(path: path, problem: .unreadable(errno: ENOENT))
        }
        switch parse(resolved: real) {
        case .success(let file): return file
        case .failure(let error): throw ELFFinding(path: path, problem: error.problem)
        }
    }

    /// Opens `path` inside the root: nil when it does not exist, otherwise the parse result.
    func open(_ path: String) -> Result<ELFFile, ELFFinding>? {
        guard let resolved = try? root.resolve(path) else { return nil }
        return parse(resolved: resolved)
    }

    /// The parse result for `resolved`, a path inside the root with no links left, read once.
    private func parse(resolved: String) -> Result<ELFFile, ELFFinding> {
        cache.file(at: resolved, log: root.readLog) {
            do throws(ELFFinding) {
                return .success(try ELFFile(root: root, path: resolved))
            } catch {
                return .failure(error)
            }
        }
    }
}
