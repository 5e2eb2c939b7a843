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
    /// The `ld.so.cache` entries by name or the `ld.so.conf` directories (glibc), as the
    /// resolver read them once for all its resolutions.
    var cacheEntries: [String: [LdSoCache.Entry]]?
    var confDirectories: [String] = []
    /// Each object's `DT_RPATH` or `DT_RUNPATH` directories, expanded once (by object index and tag).
    var objectDirectories: [ObjectPathKey: [String]] = [:]
    /// The index of the loader in ``objects`` (its own dependencies are not searched); nil
    /// when a library is resolved in a root without the loader.
    var loaderIndex: Int? = 1
    /// Candidate paths tried so far, against ``maximumLookups``.
    var lookups = 0

    /// The most candidate paths one resolution tries: with thousands of `DT_NEEDED` names and
    /// search directories, a hostile file could otherwise keep the search going for hours.
    /// Real trees stay far below (hundreds of names times tens of directories).
    static let maximumLookups = 1 << 18

    /// Identifies one object's search path list.
    struct ObjectPathKey: Hashable {
        let object: Int
        let tag: DynamicTag
    }

    init(resolver: DependencyResolver, rules: LoaderFamily, platform: ELFPlatform, interpreter: String) {
        self.resolver = resolver
        self.rules = rules
        self.platform = platform
        let root = resolver.root
        switch rules {
        case .glibc:
            defaultDirectories = DependencyResolver.glibcDefaultDirectories(for: platform)
            let configuration = resolver.cache.glibcConfiguration(log: root.readLog) { GlibcSearchConfiguration(root: root) }
            cacheEntries = configuration.cacheEntries
            confDirectories = configuration.confDirectories
            if configuration.readConf {
                warnings.append("no ld.so.cache: searched ld.so.conf, the cache may be stale or missing")
            }
        case .musl:
            defaultDirectories = Self.muslPath(root: root, interpreter: interpreter, platform: platform)
        }
    }

    /// What glibc substitutes for `$LIB` (`lib64` for 64-bit files, `lib` otherwise).
    var lib: String { platform.fileClass == .elf64 ? "lib64" : "lib" }
    /// What glibc substitutes for `$PLATFORM`: the machine name, e.g. `x86_64`.
    var platformName: String { platform.machine.description }

    /// musl's system path: `/etc/ld-musl-<arch>.path` (newline- or colon-separated) or the
    /// default. `<arch>` comes from the loader's name `ld-musl-<arch>.so.1` (e.g. `armhf`),
    /// else from the machine (`x86_64`, `i386`, `aarch64`, ...).
    static func muslPath(root: ImageRoot, interpreter: String, platform: ELFPlatform) -> [String] {
        let name = interpreter.split(separator: "/").last ?? ""
        let arch =
            name.hasPrefix("ld-musl-") && name.hasSuffix(".so.1")
            ? String(name.dropFirst(8).dropLast(5)) : platform.machine.description
        if let resolved = try? root.resolve("/etc/ld-musl-\(arch).path"),
            let bytes = try? root.readRegularFile(resolved, sizeLimit: 1 << 20)
        {
            return bytes.split(whereSeparator: { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: ":") })
                .map { String(decoding: $0, as: UTF8.self) }
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
            if index == loaderIndex { continue }  // the loader's own dependencies are not searched
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
            return ResolvedDependency(
                name: name, path: found?.path, method: found?.method,
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
                    findings.append(
                        .versionMissing(
                            library: objects[target].path, version: version.name,
                            requiredBy: object.path))
                }
            }
        }
    }
}
