import ELF

/// One file of `swiftbuild elf`'s report: what the file is, what it needs, where each
/// need was found inside the root, and what would go wrong at run time.
struct ElfFileReport: Encodable {
    /// One resolved dependency: where it was found (nil when missing) and by which rule.
    struct Dependency: Encodable {
        var name: String
        var path: String?
        var method: String?
        var dependencies: [Dependency]

        init(_ dependency: ResolvedDependency) {
            name = dependency.name
            path = dependency.path
            method = dependency.method?.rawValue
            dependencies = dependency.dependencies.map(Dependency.init)
        }

        private enum CodingKeys: String, CodingKey { case name, path, method, dependencies }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(path, forKey: .path)
            try container.encode(method, forKey: .method)
            try container.encode(dependencies, forKey: .dependencies)
        }
    }

    /// The Go build information of a Go binary: its Go release and `CGO_ENABLED` (null when not recorded).
    struct Go: Encodable {
        var version: String
        var cgo: Bool?

        init(_ info: GoBuildInfo) {
            version = info.version
            cgo = info.cgoEnabled
        }

        /// E.g. `Go go1.19.8 CGO_ENABLED=0`.
        var summary: String {
            "Go \(version)" + (cgo.map { $0 ? " CGO_ENABLED=1" : " CGO_ENABLED=0" } ?? "")
        }

        private enum CodingKeys: String, CodingKey { case version, cgo }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(cgo, forKey: .cgo)
        }
    }

    var path: String
    var kind: String
    var `class`: String?
    var machine: String?
    var interpreter: String?
    var needed: [String]
    var soname: String?
    var rpath: String?
    var runpath: String?
    var libc: String
    /// Set for Go binaries.
    var go: Go?
    /// Per library, the symbol versions the file needs from it.
    var requiredVersions: [String: [String]]
    var resolved: [Dependency]
    var findings: [String]
    /// What to change so that the file starts, from facts about it and the root.
    var remedies: [String] = []

    /// The report for a file that is not ELF.
    init(notELF path: String) {
        self.path = path
        kind = "not-elf"
        needed = []
        libc = "none"
        requiredVersions = [:]
        resolved = []
        findings = []
    }

    /// The report for a file that could not be read or whose ELF header or program headers
    /// are unusable: kind `unreadable`, with the problem as its finding.
    init(unreadable path: String, problem: ELFProblem) {
        self.init(notELF: path)
        kind = "unreadable"
        findings = ["\(path): \(problem)"]
    }

    init(path: String, file: ELFFile, resolution: Resolution?, facts: Remedies.Facts = .init()) {
        self.path = path
        // A separate debug file is recognised, never reported as a damaged executable.
        kind = file.isSeparateDebugFile ? "debug-file" : Self.kind(ELFKind(file))
        `class` = file.header.fileClass == .elf64 ? "ELF64" : "ELF32"
        machine = file.header.machine.description
        interpreter = file.interpreter
        needed = file.needed
        soname = file.soname
        rpath = file.rpath
        runpath = file.runpath
        libc = Self.libc(LibC(file))
        go = file.goBuildInfo.map(Go.init)
        requiredVersions = Dictionary(file.versionRequirements.map { ($0.file, $0.versions.map(\.name)) }, uniquingKeysWith: +)
        resolved = resolution?.dependencies.map(Dependency.init) ?? []
        // Named by the path as given, not the host path the file was read from.
        findings =
            file.isSeparateDebugFile
            ? []
            : file.findings.map { "\(path): \($0.problem)" } + (resolution?.findings.map(\.description) ?? [])
                + (resolution?.warnings ?? [])
        remedies = Remedies.advise(path: path, file: file, findings: resolution?.findings ?? [], facts: facts)
    }

    static func kind(_ kind: ELFKind) -> String {
        switch kind {
        case .notELF: "not-elf"
        case .staticExecutable: "static"
        case .staticPIE: "static-pie"
        case .dynamicExecutable: "dynamic"
        case .sharedLibrary: "shared-library"
        case .other(let type): "other (\(type))"
        }
    }

    static func libc(_ libc: LibC) -> String {
        switch libc {
        case .notLinked: "none"
        case .glibc: "glibc"
        case .musl: "musl"
        case .mixed: "mixed"
        case .other(let interpreter): "other (\(interpreter))"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case path, kind, `class`, machine, interpreter, needed, soname, rpath, runpath, libc, go, requiredVersions, resolved, findings,
            remedies
    }

    /// Writes every key, with `null` where a value is absent.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(kind, forKey: .kind)
        try container.encode(`class`, forKey: .class)
        try container.encode(machine, forKey: .machine)
        try container.encode(interpreter, forKey: .interpreter)
        try container.encode(needed, forKey: .needed)
        try container.encode(soname, forKey: .soname)
        try container.encode(rpath, forKey: .rpath)
        try container.encode(runpath, forKey: .runpath)
        try container.encode(libc, forKey: .libc)
        try container.encode(go, forKey: .go)
        try container.encode(requiredVersions, forKey: .requiredVersions)
        try container.encode(resolved, forKey: .resolved)
        try container.encode(findings, forKey: .findings)
        try container.encode(remedies, forKey: .remedies)
    }

    /// The ldd-like text form: a header line, the interpreter, the dependency tree, findings.
    var text: String {
        var lines = [
            "\(path): \(kind)" + (`class`.map { ", \($0) \(machine ?? "")" } ?? "")
                + (`class` == nil ? "" : ", libc \(libc)") + (go.map { ", \($0.summary)" } ?? "")
        ]
        if let interpreter { lines.append("    interpreter \(interpreter)") }
        func add(_ dependencies: [Dependency], depth: Int) {
            for dependency in dependencies {
                let indent = String(repeating: "    ", count: depth + 1)
                let place = dependency.path.map { "\($0) (\(dependency.method ?? "?"))" } ?? "not found"
                lines.append("\(indent)\(dependency.name) => \(place)")
                add(dependency.dependencies, depth: depth + 1)
            }
        }
        add(resolved, depth: 0)
        lines += findings.map { "    ! \($0)" }
        lines += remedies.map { "    remedy: \($0)" }
        return lines.joined(separator: "\n")
    }
}
