/// The state of one resolution: loaded objects in load order and what each name resolved to.
struct ResolutionSession {
    /// An object in the link map.
    struct Object {
        /// Its path inside the image, as found.
        let path: String
        let file: ELFFile
        /// The object whose dependency loaded it (nil for the executable and the loader).
        let loader: Int?
    }

    /// What a `DT_NEEDED` name resolved to.
    struct Found {
        let path: String?
        let method: ResolutionMethod?
        /// Index in ``objects``, nil when missing.
        let object: Int?
    }

    let resolver: DependencyResolver
    let rules: LoaderFamily
    let platform: ELFPlatform
    var objects: [Object] = []
    var known: [String: Found] = [:]
    /// The object that first needed each name: where it is expanded in the tree.
    var firstRequester: [String: Int] = [:]
    var findings: [ResolutionFinding] = []
    var warnings: [String] = []
    var defaultDirectories: [String] = []
    /// The cache or ld.so.conf directories (glibc), read once.
    var cache: LdSoCache?
    var confDirectories: [String] = []

    init(resolver: DependencyResolver, rules: LoaderFamily, platform: ELFPlatform, interpreter: String) {
        self.resolver = resolver
        self.rules = rules
        self.platform = platform
        let root = resolver.root
        switch rules {
        case .glibc:
            defaultDirectories = DependencyResolver.glibcDefaultDirectories(for: platform)
            if let resolved = try? root.resolve("/etc/ld.so.cache") {
                cache = try? LdSoCache(path: root.hostPath(resolved))
            }
            if cache == nil, (try? root.resolve("/etc/ld.so.conf")) != nil {
                confDirectories = LdSoConf.directories(root: root)
                warnings.append("no ld.so.cache: searched ld.so.conf, the cache may be stale or missing")
            }
        case .musl:
            defaultDirectories = Self.muslPath(root: root, interpreter: interpreter, platform: platform)
        }
    }

    /// musl's system path: `/etc/ld-musl-<arch>.path` (newline- or colon-separated) or the
    /// default. `<arch>` comes from the loader's name `ld-musl-<arch>.so.1` (e.g. `armhf`),
    /// else from the machine (`x86_64`, `i386`, `aarch64`, ...).
    static func muslPath(root: ImageRoot, interpreter: String, platform: ELFPlatform) -> [String] {
        let name = interpreter.split(separator: "/").last ?? ""
        let arch = name.hasPrefix("ld-musl-") && name.hasSuffix(".so.1")
            ? String(name.dropFirst(8).dropLast(5)) : platform.machine.description
        if let resolved = try? root.resolve("/etc/ld-musl-\(arch).path"),
           let bytes = try? readRegularFile(root.hostPath(resolved), sizeLimit: 1 << 20) {
            return String(decoding: bytes, as: UTF8.self)
                .split(whereSeparator: { $0 == "\n" || $0 == ":" }).map(String.init)
        }
        return ["/lib", "/usr/local/lib", "/usr/lib"]
    }

    /// Whether musl maps `name` to itself, as its `load_library` does: `lib` followed by one of
    /// `c`, `pthread`, `rt`, `m`, `dl`, `util`, `xnet` and a dot (`libc.so`, `libm.so.6`,
    /// `libc.musl-x86_64.so.1`, even glibc's `libc.so.6`).
    static func isMuslReserved(_ name: String) -> Bool {
        ["c", "pthread", "rt", "m", "dl", "util", "xnet"].contains { name.hasPrefix("lib\($0).") }
    }

    mutating func load(path: String, file: ELFFile, loader: Int?) {
        objects.append(Object(path: path, file: file, loader: loader))
    }

    /// Breadth-first over the link map, as the loader maps dependencies.
    mutating func run() {
        var next = 0
        while next < objects.count && objects.count <= DependencyResolver.maximumObjects {
            let index = next
            next += 1
            if index == 1 { continue }  // the loader's own dependencies are not searched
            for name in objects[index].file.needed {
                if firstRequester[name] == nil { firstRequester[name] = index }
                if known[name] != nil { continue }
                let found = search(name, requester: index)
                known[name] = found
                if found.path == nil {
                    findings.append(.libraryMissing(name: name, requiredBy: objects[index].path))
                }
            }
        }
    }

    /// One step of the search for a name without `/`.
    enum Step {
        case directories([String], ResolutionMethod)
        case cache
    }

    /// Finds `name` for the object at `requester` and loads it.
    mutating func search(_ name: String, requester: Int) -> Found {
        let file = objects[requester].file
        if name.contains("/") {
            guard let opened = resolver.open(name), case .success(let library) = opened else {
                return Found(path: nil, method: nil, object: nil)
            }
            if ELFPlatform(library) != ELFPlatform(file) {
                findings.append(.wrongArchitecture(path: name, expected: ELFPlatform(file), found: ELFPlatform(library)))
                return Found(path: name, method: .direct, object: nil)
            }
            return add(name, path: name, method: .direct, file: library, loader: requester)
        }
        if rules == .musl && Self.isMuslReserved(name) {
            return Found(path: objects[1].path, method: .interpreter, object: 1)
        }
        for step in steps(requester: requester) {
            switch step {
            case .directories(let directories, let method):
                for directory in directories {
                    let path = SearchPath.join(directory.hasPrefix("/") ? directory : "/" + directory, name)
                    if let library = usable(path, for: file) {
                        return add(name, path: path, method: method, file: library, loader: requester)
                    }
                }
            case .cache:
                for entry in cache?.entries(named: name) ?? [] {
                    if let library = usable(entry.path, for: file) {
                        return add(name, path: entry.path, method: .ldSoCache, file: library, loader: requester)
                    }
                }
            }
        }
        return Found(path: nil, method: nil, object: nil)
    }

    /// The search steps, in order, for a dependency of `requester`.
    func steps(requester: Int) -> [Step] {
        let file = objects[requester].file
        var steps: [Step] = []
        switch rules {
        case .glibc:
            let lib = platform.fileClass == .elf64 ? "lib64" : "lib"
            let platformName = platform.machine.description
            if file.runpath == nil {
                var chain: Int? = requester
                while let index = chain {
                    let object = objects[index]
                    if let rpath = object.file.rpath, object.file.runpath == nil {
                        steps.append(.directories(SearchPath.directories(
                            rpath, origin: SearchPath.directory(of: object.path), lib: lib, platform: platformName), .rpath))
                    }
                    chain = object.loader
                }
            }
            if let runpath = file.runpath {
                steps.append(.directories(SearchPath.directories(
                    runpath, origin: SearchPath.directory(of: objects[requester].path), lib: lib, platform: platformName), .runpath))
            }
            if !(file.dynamic?.flags1.contains(.noDefaultLibraries) ?? false) {
                steps.append(.cache)
                steps.append(.directories(confDirectories, .ldSoConf))
                steps.append(.directories(defaultDirectories, .defaultPath))
            }
        case .musl:
            var chain: Int? = requester
            while let index = chain {
                let object = objects[index]
                if let runpath = object.file.runpath {
                    steps.append(.directories(SearchPath.directories(
                        runpath, origin: SearchPath.directory(of: object.path), lib: nil, platform: nil), .runpath))
                } else if let rpath = object.file.rpath {
                    steps.append(.directories(SearchPath.directories(
                        rpath, origin: SearchPath.directory(of: object.path), lib: nil, platform: nil), .rpath))
                }
                chain = object.loader
            }
            steps.append(.directories(defaultDirectories, .muslPath))
        }
        return steps
    }

    /// The ELF file at `path` when it exists and has the class and machine of `requester`.
    func usable(_ path: String, for requester: ELFFile) -> ELFFile? {
        guard let opened = resolver.open(path), case .success(let library) = opened,
              ELFPlatform(library) == ELFPlatform(requester) else { return nil }
        return library
    }

    /// Loads `file`, found as `path`, under `name` and its soname.
    mutating func add(_ name: String, path: String, method: ResolutionMethod, file: ELFFile, loader: Int) -> Found {
        load(path: path, file: file, loader: loader)
        let found = Found(path: path, method: method, object: objects.count - 1)
        if let soname = file.soname, known[soname] == nil { known[soname] = found }
        return found
    }

    /// The dependency tree below the object at `index`; each name is expanded under its first requester.
    func tree(of index: Int) -> [ResolvedDependency] {
        var expanded: Set<String> = []
        return tree(of: index, expanded: &expanded)
    }

    private func tree(of index: Int, expanded: inout Set<String>) -> [ResolvedDependency] {
        objects[index].file.needed.map { name in
            let found = known[name]
            let expand = firstRequester[name] == index && found?.method != .interpreter && !expanded.contains(name)
            var dependencies: [ResolvedDependency] = []
            if expand, let object = found?.object {
                expanded.insert(name)
                dependencies = tree(of: object, expanded: &expanded)
            }
            return ResolvedDependency(name: name, path: found?.path, method: found?.method,
                                      dependencies: dependencies, isRepeat: !expand && found?.object != nil)
        }
    }

    /// For each version each loaded object requires, the resolved library must define it
    /// (glibc; a library without version definitions satisfies any, as glibc only warns).
    mutating func checkVersions() {
        for object in objects {
            for requirement in object.file.versionRequirements {
                guard let target = known[requirement.file]?.object else { continue }
                let defined = Set(objects[target].file.versionDefinitions.flatMap { $0.names.prefix(1) })
                guard !defined.isEmpty else { continue }
                for version in requirement.versions where !version.isWeak && !defined.contains(version.name) {
                    findings.append(.versionMissing(library: objects[target].path, version: version.name,
                                                    requiredBy: object.path))
                }
            }
        }
    }
}
