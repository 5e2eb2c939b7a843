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
        let multiarch = platform.fileClass == .elf64 && platform.machine == .x86_64
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
            return Resolution(path: path, interpreter: nil, loader: nil, defaultDirectories: [],
                              dependencies: [], findings: [], warnings: [])
        }
        guard let loaderFile = open(interpreter) else {
            return Resolution(path: path, interpreter: interpreter, loader: nil, defaultDirectories: [], dependencies: [],
                              findings: [.interpreterMissing(executable: path, interpreter: interpreter)], warnings: [])
        }
        let loader: ELFFile
        switch loaderFile {
        case .success(let file): loader = file
        case .failure(let finding):
            return Resolution(path: path, interpreter: interpreter, loader: nil, defaultDirectories: [], dependencies: [],
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
        return Resolution(path: path, interpreter: interpreter, loader: family,
                          defaultDirectories: session.defaultDirectories, dependencies: dependencies,
                          findings: session.findings, warnings: session.warnings)
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
        cache.file(at: resolved) {
            do throws(ELFFinding) {
                return .success(try ELFFile(path: root.hostPath(resolved)))
            } catch {
                return .failure(error)
            }
        }
    }
}
