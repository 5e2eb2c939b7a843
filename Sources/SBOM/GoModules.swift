/// The Go modules compiled into a binary, from the build information the Go linker embeds
/// (the `ELF` module's `GoBuildInfo`: the Go release and the module text, lines of
/// tab-separated fields: `path`, `mod` (the main module), `dep`, a `=>` replacement after
/// the module it replaces, `build` settings).
public enum GoModules {
    /// The Go standard library (name `stdlib`, version the release, as `go1.22.1`), the main
    /// module and every dependency. A replaced module is reported as its replacement when
    /// that is another module, else (a local directory) as the module it replaces. Package URLs are `pkg:golang/MODULE-PATH@VERSION`.
    public static func packages(goVersion: String, moduleInfo: String?, location: String) -> [SoftwarePackage] {
        var result: [SoftwarePackage] = []
        // `go1.22.1 X:boringcrypto`: the release is the first word.
        let release = goVersion.split(separator: " ").first.map(String.init) ?? goVersion
        if !release.isEmpty {
            let version = release.hasPrefix("go") ? String(release.dropFirst(2)) : release
            result.append(module(path: "stdlib", version: release, purlVersion: version, location: location))
        }
        guard let moduleInfo else { return result }
        for line in moduleInfo.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let kind = fields.first, fields.count >= 2, !fields[1].isEmpty else { continue }
            let version = fields.count >= 3 ? fields[2] : ""
            switch kind {
            case "mod", "dep":
                result.append(module(path: fields[1], version: version.isEmpty ? "(devel)" : version, location: location))
            case "=>":
                // A directory replacement (`=> ./dep (devel)`) has no module version: the
                // module it replaces names the code better.
                let directory = fields[1].hasPrefix("./") || fields[1].hasPrefix("../") || fields[1].hasPrefix("/")
                guard !version.isEmpty, !directory, result.count > 1 else { continue }
                result[result.count - 1] = module(path: fields[1], version: version, location: location)
            default:
                continue
            }
        }
        return result
    }

    private static func module(path: String, version: String, purlVersion: String? = nil, location: String) -> SoftwarePackage {
        let slash = path.lastIndex(of: "/")
        let namespace = slash.map { String(path[..<$0]) }
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return SoftwarePackage(
            ecosystem: .golang, name: path, version: version,
            purl: PackageURL.make(type: "golang", namespace: namespace, name: name, version: purlVersion ?? version),
            location: location)
    }
}
