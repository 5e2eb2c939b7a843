/// The search for one `DT_NEEDED` name: the steps each C library takes, in order.
extension ResolutionSession {
    /// One step of the search for a name without `/`.
    enum Step {
        case directories([String], ResolutionMethod)
        case cache
    }

    /// Finds `name` for the object at `requester` and loads it.
    mutating func search(_ name: String, requester: Int) -> Found {
        let file = objects[requester].file
        let missing = Found(path: nil, method: nil, object: nil)
        if name.contains("/") {
            // glibc expands $ORIGIN, $LIB and $PLATFORM in a DT_NEEDED path too; musl opens it as written.
            let path =
                rules == .glibc
                ? SearchPath.expand(name, origin: SearchPath.directory(of: objects[requester].path), lib: lib, platform: platformName)
                : name
            guard spendLookup(), let opened = resolver.open(path), case .success(let library) = opened else { return missing }
            if ELFPlatform(library) != ELFPlatform(file) {
                findings.append(.wrongArchitecture(path: path, expected: ELFPlatform(file), found: ELFPlatform(library)))
                return Found(path: path, method: .direct, object: nil)
            }
            return add(name, path: path, method: .direct, file: library, loader: requester)
        }
        if rules == .musl && Self.isMuslReserved(name) {
            return Found(path: objects[1].path, method: .interpreter, object: 1)
        }
        for step in steps(requester: requester) {
            switch step {
            case .directories(let directories, let method):
                for directory in directories {
                    guard spendLookup() else { return missing }
                    let base = directory.hasPrefix("/") ? directory : "/" + directory
                    let path = SearchPath.join(base, name)
                    if let library = usable(path, for: file) {
                        return add(name, path: path, method: method, file: library, loader: requester)
                    }
                    // glibc (2.33 and later) tries DIR/glibc-hwcaps/SUBDIR/ first, for each
                    // subdirectory the CPU supports. Which ones it supports is known only at
                    // run time: a copy in DIR itself serves every CPU and is preferred here;
                    // one found only in a subdirectory is used with a warning.
                    guard rules == .glibc else { continue }
                    for subdirectory in Self.hwcapsSubdirectories(for: platform) {
                        guard spendLookup() else { return missing }
                        let candidate = SearchPath.join(base + "/glibc-hwcaps/" + subdirectory, name)
                        if let library = usable(candidate, for: file) {
                            warnings.append(
                                "\(name) is only in \(base)/glibc-hwcaps/\(subdirectory)/: glibc loads it only on CPUs with \(subdirectory); elsewhere it is missing"
                            )
                            return add(name, path: candidate, method: method, file: library, loader: requester)
                        }
                    }
                }
            case .cache:
                for entry in cacheEntries?[name] ?? [] {
                    guard spendLookup() else { return missing }
                    if let library = usable(entry.path, for: file) {
                        return add(name, path: entry.path, method: .ldSoCache, file: library, loader: requester)
                    }
                }
            }
        }
        return missing
    }

    /// glibc's `glibc-hwcaps` subdirectory names for a platform, most capable first (as
    /// glibc tries them): x86-64 microarchitecture levels, POWER and z generations.
    static func hwcapsSubdirectories(for platform: ELFPlatform) -> [String] {
        switch (platform.fileClass, platform.machine) {
        case (.elf64, .x86_64): ["x86-64-v4", "x86-64-v3", "x86-64-v2"]
        case (.elf64, .powerPC64): ["power10", "power9"]
        case (.elf64, .s390): ["z16", "z15", "z14", "z13"]
        default: []
        }
    }

    /// Counts one candidate path; false (with a warning, once) when the budget is spent.
    private mutating func spendLookup() -> Bool {
        lookups += 1
        if lookups == Self.maximumLookups + 1 {
            warnings.append("stopped searching after \(Self.maximumLookups) candidate paths: later libraries are reported missing")
        }
        return lookups <= Self.maximumLookups
    }

    /// The search steps, in order, for a dependency of `requester`.
    mutating func steps(requester: Int) -> [Step] {
        let file = objects[requester].file
        var steps: [Step] = []
        switch rules {
        case .glibc:
            if file.runpath == nil {
                var chain: Int? = requester
                while let index = chain {
                    let object = objects[index].file
                    if object.rpath != nil && object.runpath == nil {
                        steps.append(.directories(directories(of: index, .rpath), .rpath))
                    }
                    chain = objects[index].loader
                }
            }
            if file.runpath != nil {
                steps.append(.directories(directories(of: requester, .runpath), .runpath))
            }
            if !(file.dynamic?.flags1.contains(.noDefaultLibraries) ?? false) {
                steps.append(.cache)
                steps.append(.directories(confDirectories, .ldSoConf))
                steps.append(.directories(defaultDirectories, .defaultPath))
            }
        case .musl:
            var chain: Int? = requester
            while let index = chain {
                let object = objects[index].file
                if object.runpath != nil {
                    steps.append(.directories(directories(of: index, .runpath), .runpath))
                } else if object.rpath != nil {
                    steps.append(.directories(directories(of: index, .rpath), .rpath))
                }
                chain = objects[index].loader
            }
            steps.append(.directories(defaultDirectories, .muslPath))
        }
        return steps
    }

    /// The object's `DT_RPATH` or `DT_RUNPATH` (`tag`) as directories, with `$ORIGIN` (and, for
    /// glibc, `$LIB` and `$PLATFORM`) expanded; split once per object, however many names it needs.
    private mutating func directories(of index: Int, _ tag: DynamicTag) -> [String] {
        let key = ObjectPathKey(object: index, tag: tag)
        if let known = objectDirectories[key] { return known }
        let object = objects[index]
        let list = (tag == .rpath ? object.file.rpath : object.file.runpath) ?? ""
        let glibc = rules == .glibc
        let result = SearchPath.directories(
            list, origin: SearchPath.directory(of: object.path),
            lib: glibc ? lib : nil, platform: glibc ? platformName : nil)
        objectDirectories[key] = result
        return result
    }

    /// The ELF file at `path` when it exists and has the class and machine of `requester`.
    func usable(_ path: String, for requester: ELFFile) -> ELFFile? {
        guard let opened = resolver.open(path), case .success(let library) = opened,
            ELFPlatform(library) == ELFPlatform(requester)
        else { return nil }
        return library
    }
}
