/// The modules glibc's name service switch would `dlopen` in a root: for each database of
/// `/etc/nsswitch.conf` (`passwd: files systemd`), `libnss_SERVICE.so.2` for every service
/// not built into libc (`files` and `dns` are, from glibc 2.34). A missing module does not
/// stop a program from starting; glibc skips the service (`[UNAVAIL=continue]`) and lookups
/// through it fail, so missing modules are warnings. Go's cgo resolver (`getaddrinfo`) goes
/// through the `hosts` database, its cgo `os/user` through `passwd` and `group`.
public struct NameServiceModules: Sendable, Equatable {
    /// One module a database names that the root lacks or cannot load.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The database, e.g. `hosts`.
        public var database: String
        /// The service, e.g. `mdns4_minimal`.
        public var service: String
        /// The library glibc would load, e.g. `libnss_mdns4_minimal.so.2`.
        public var library: String
        /// Why it cannot be loaded: missing, or its own findings.
        public var reason: String

        public var description: String {
            "/etc/nsswitch.conf: \(database) uses '\(service)', but \(library) \(reason): glibc skips it and \(database) lookups through it fail"
        }
    }

    /// The services of each database, in file order (comments and `[...]` actions left out).
    public static func parse(_ text: String) -> [(database: String, services: [String])] {
        var result: [(String, [String])] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let names = line[..<colon].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard names.count == 1, let database = names.first.map(String.init) else { continue }
            var services: [String] = []
            var inAction = false
            for word in line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if word.hasPrefix("[") { inAction = true }
                if !inAction { services.append(String(word)) }
                if word.hasSuffix("]") { inAction = false }
            }
            result.append((database, services))
        }
        return result
    }

    /// The problems of the root's NSS modules for `databases` (all when nil), for programs of
    /// `platform` whose glibc is `glibc` (nil: unknown, `files` and `dns` counted as built in).
    public static func problems(
        resolver: DependencyResolver, platform: ELFPlatform, glibc: GlibcVersion?,
        databases: Set<String>? = nil
    ) -> [Problem] {
        guard let resolved = try? resolver.root.resolve("/etc/nsswitch.conf"),
            let bytes = try? resolver.root.readRegularFile(resolved, sizeLimit: 1 << 20)
        else { return [] }
        let builtIn: Set<String> = glibc.map { $0 < GlibcVersion(symbolVersion: "GLIBC_2.34")! } == true ? [] : ["files", "dns"]
        var problems: [Problem] = []
        var checked: [String: String?] = [:]
        for (database, services) in parse(String(decoding: bytes, as: UTF8.self)) where databases?.contains(database) ?? true {
            for service in services where !builtIn.contains(service) {
                guard service.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { continue }
                let library = "libnss_\(service).so.2"
                let reason: String?
                if let known = checked[library] {
                    reason = known
                } else {
                    reason = resolver.dlopenProblem(library, platform: platform)
                    checked[library] = reason
                }
                if let reason { problems.append(Problem(database: database, service: service, library: library, reason: reason)) }
            }
        }
        return problems
    }
}

extension DependencyResolver {
    /// Why `dlopen(name)` from glibc's libc would fail in the root, nil when it would not:
    /// `name` is searched as libc would (`ld.so.cache`, then the default directories) and
    /// must then load (its own libraries and versions found).
    func dlopenProblem(_ name: String, platform: ELFPlatform) -> String? {
        var session = ResolutionSession(resolver: self, rules: .glibc, platform: platform, interpreter: "")
        session.loaderIndex = nil
        let libc = Self.glibcDefaultDirectories(for: platform).map { $0 + "/libc.so.6" }
            .lazy.compactMap { path -> (String, ELFFile)? in
                guard case .some(.success(let file)) = self.open(path) else { return nil }
                return (path, file)
            }.first
        guard let (libcPath, libcFile) = libc else { return "cannot be searched for (the image has no libc.so.6)" }
        session.load(path: libcPath, file: libcFile, loader: nil)
        let found = session.search(name, requester: 0)
        guard let path = found.path else { return "is not in the image" }
        guard let resolution = try? resolveLibrary(path) else { return "cannot be read" }
        return resolution.findings.first.map { "cannot be loaded (\($0))" }
    }
}
