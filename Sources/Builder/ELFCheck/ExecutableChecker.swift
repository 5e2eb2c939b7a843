import ELF
import FileNames
import Foundation
import OCI

/// Finds the ELF executables a build's layers hold and checks each against the final
/// image's root filesystem: the loader, libraries and symbol versions it would use there.
/// Nothing is executed.
struct ExecutableChecker {
    /// The final image's merged root filesystem.
    let root: URL
    /// The final image's configuration: platform, ENTRYPOINT, CMD, PATH.
    var image: ImageConfiguration? = nil

    /// Another stage of the build, mounted: where a remedy may find what the image lacks.
    struct StageRoot {
        /// `builder`, or the stage's index when it has no name.
        var name: String
        /// Its FROM argument.
        var base: String
        /// Its merged root filesystem.
        var root: URL
    }

    /// Separate debug files (`objcopy --only-keep-debug`) live here; they are never run.
    static let debugDirectory = "/usr/lib/debug/"

    /// A layer of the final image, bottom first.
    struct Layer {
        /// Its `fs` directory in the store (overlayfs form).
        var directory: URL
        /// The instruction that made it; nil for a layer of the base image, whose files are
        /// not checked (they are what the build's files are checked against).
        var origin: LayerOrigin?
    }

    /// Checks every ELF executable and `#!` script the build's layers hold that the final
    /// image still has, and the image's ENTRYPOINT/CMD; a path is credited to the topmost
    /// layer holding it. `otherStages` mounts the build's other stages; it is called only
    /// when a remedy needs them.
    ///
    /// `previous` is the record of an earlier check of an image of the same Dockerfile:
    /// results of files in the layers both images share, that nothing in the layers that
    /// differ can change, are taken from it (``ELFCheckRecord``). Returns the report and
    /// the record of this check, for the next build (nil when the checker cannot be
    /// identified, ``recordKey(image:)``).
    func check(
        layers: [Layer], previous: ELFCheckRecord? = nil, otherStages: () -> [StageRoot] = { [] }
    ) -> (report: ELFCheckReport, record: ELFCheckRecord?) {
        let names = layers.map(\.directory.path)
        let key = Self.recordKey(image: image)
        let changes = key.flatMap { previous?.changedLayers(for: names, key: $0) }
        let shared = changes?.shared ?? 0
        var record = ELFCheckRecord(key: key ?? "", layers: names, candidates: [:])
        // Only files that start as ELF or #! in some layer are listed: a path whose topmost
        // regular file is neither is not a program in the image either, whichever layer it is
        // credited to here, and the image's own file is checked below.
        var newest: [String: (origin: LayerOrigin, layer: Int)] = [:]
        for (index, layer) in layers.enumerated() {
            guard let origin = layer.origin else { continue }
            let name = names[index]
            var candidates = index < shared ? previous?.candidates[name] : nil
            if candidates == nil {
                let listed = ELFCandidates.list(under: name)
                candidates = listed.paths
                // A list with an unreadable part is used once, never kept.
                if listed.complete { record.candidates[name] = listed.paths }
            } else {
                record.candidates[name] = candidates
            }
            for path in candidates ?? [] where !path.hasPrefix(Self.debugDirectory) {
                newest[path] = (origin, index)
            }
        }
        var reusable: [String: ELFCheckRecord.File] = [:]
        if let previous, let changes, let entries = Self.changedEntries(changes, root: ImageRoot(root.path)) {
            reusable = previous.reusableFiles(changedEntries: entries)
        }
        let readLog = ReadLog()
        let imageRoot = ImageRoot(root.path, readLog: readLog)
        let resolver = DependencyResolver(root: imageRoot)
        let platform = image.map { ImagePlatform(architecture: $0.architecture, variant: $0.variant) }
        let launcher = LaunchCheck(
            root: imageRoot, resolver: resolver, platform: platform,
            environment: image?.config?.env ?? [])
        var checked: [CheckedFile] = []
        var pathIndex: [String: Int] = [:]
        for (path, credit) in newest.sorted(by: { $0.key < $1.key }) {
            if credit.layer < shared, let previous, let known = reusable[path] {
                checked.append(CheckedFile(reused: known, origin: credit.origin))
                record.add(reused: known, from: previous, index: &pathIndex)
                continue
            }
            readLog.begin()
            let result = Self.checkFile(
                path: path, origin: credit.origin, root: imageRoot, resolver: resolver, launcher: launcher, platform: platform)
            let reads = readLog.end()
            guard let result else { continue }
            checked.append(result)
            if result.executable?.findings.isEmpty ?? true { record.add(result, reads: reads, index: &pathIndex) }
        }
        var report = ELFCheckReport(executables: checked.compactMap(\.executable))
        report.platform = image?.platform.description
        let failing = Set(report.failing.map(\.path))
        report.entrypoint = checkEntrypoint(launcher: launcher, imageRoot: imageRoot, resolver: resolver, failing: failing)
        let parsed = Dictionary(checked.compactMap { file in file.file.map { (file.path, $0) } }, uniquingKeysWith: { first, _ in first })
        addStageRemedies(to: &report, parsed: parsed, otherStages: otherStages)
        report.warnings =
            checked.flatMap(\.warnings) + Self.nameServiceWarnings(checked: checked, root: imageRoot, resolver: resolver)
        return (report, key == nil ? nil : record)
    }

    /// Every entry of the layers that differ from the record's: those added as they are;
    /// those gone (`root` is the new image's) with a plain directory counted as replacing
    /// unless the new image still has a directory there. overlayfs merges a directory only
    /// with directories below it, so a gone layer's directory may have hidden a link or file
    /// of a shared layer that the new image shows again. Nil when a layer cannot be read
    /// (then nothing is reused).
    private static func changedEntries(
        _ changes: (shared: Int, added: [String], removed: [String]), root: ImageRoot
    ) -> [LayerEntry]? {
        var entries: [LayerEntry] = []
        for directory in changes.added {
            guard let listed = LayerEntries.list(directory) else { return nil }
            entries += listed
        }
        for directory in changes.removed {
            guard let listed = LayerEntries.list(directory) else { return nil }
            for var entry in listed {
                if entry.kind == .plainDirectory, root.status(entry.path).map({ $0.st_mode & S_IFMT != S_IFDIR }) ?? true {
                    entry.kind = .replacingDirectory
                }
                entries.append(entry)
            }
        }
        return entries
    }

    /// The inputs of a check besides the layers, as ``ELFCheckRecord/key``: the checker
    /// itself (the running executable's identity: a new swiftbuild checks everything
    /// again), and the image's platform and `PATH`. Nil when the executable cannot be
    /// identified: then no record is used or kept.
    static func recordKey(image: ImageConfiguration?) -> String? {
        var executable = stat()
        guard stat("/proc/self/exe", &executable) == 0 else { return nil }
        let identity =
            "\(executable.st_dev):\(executable.st_ino):\(executable.st_size):\(executable.st_mtim.tv_sec).\(executable.st_mtim.tv_nsec)"
        let path = (image?.config?.env ?? []).last { $0.hasPrefix("PATH=") } ?? ""
        return [identity, image?.platform.description ?? "", path].joined(separator: "\n")
    }

    /// One candidate checked: nil when it is no longer a regular file in the image.
    private static func checkFile(
        path: String, origin: LayerOrigin, root imageRoot: ImageRoot, resolver: DependencyResolver, launcher: LaunchCheck,
        platform: ImagePlatform?
    ) -> CheckedFile? {
        // The directories above the file resolve inside the image (a later layer may
        // have made one a symlink, even an absolute one); the host's tree is never read.
        // Its first bytes are read once, through the image root, and tell ELF from script.
        guard let real = Self.unfollowedPath(of: path, in: imageRoot), let status = imageRoot.status(real),
            status.st_mode & S_IFMT == S_IFREG, let prefix = imageRoot.readPrefix(real, count: LaunchCheck.shebangLimit)
        else { return nil }
        if LaunchCheck.content(of: prefix) != .elf {
            // A #! script: checked when it can be executed at all.
            guard status.st_mode & 0o111 != 0, case .script(let interpreter, let argument) = LaunchCheck.content(of: prefix)
            else { return CheckedFile(path: path) }
            let findings = launcher.findings(exec: path)
            return CheckedFile(
                path: path,
                executable: ShippedExecutable(
                    path: path, origin: origin, linkage: "script (#!\(interpreter)\(argument.map { " " + $0 } ?? ""))",
                    findings: findings,
                    remedies: Self.scriptRemedies(
                        path: path, interpreter: interpreter, argument: argument,
                        findings: findings)))
        }
        let file: ELFFile
        do {
            file = try ELFFile(root: imageRoot, path: real)
        } catch {
            return CheckedFile(
                path: path,
                executable: ShippedExecutable(
                    path: path, origin: origin, linkage: "unreadable ELF",
                    findings: ["\(path): \(error.problem)"]))
        }
        guard !file.isSeparateDebugFile else { return CheckedFile(path: path) }
        switch ELFKind(file) {
        case .staticExecutable, .staticPIE, .dynamicExecutable: break
        case .sharedLibrary:
            // A library is checked as a program of the image would load it: its own
            // DT_NEEDED libraries and versions must be there (dlopen fails otherwise).
            let problems = (try? resolver.resolveLibrary(path).findings) ?? []
            let wrongMachine = platform.map { !$0.runs(ELFPlatform(file)) } ?? false
            let findings =
                (wrongMachine ? ["\(path): wrong ELF class or machine: \(ELFPlatform(file)), the image is \(platform!)"] : [])
                + problems.map(\.description)
            return CheckedFile(
                path: path,
                executable: ShippedExecutable(
                    path: path, origin: origin, linkage: "shared library", findings: findings,
                    remedies: findings.isEmpty
                        ? []
                        : Remedies.advise(
                            path: path, file: file, findings: problems,
                            facts: Self.facts(
                                file: file, path: path, real: real, root: imageRoot, resolver: resolver, platform: platform,
                                problems: problems)),
                    isLibrary: true))
        default: return CheckedFile(path: path)
        }
        var warnings: [String] = []
        let (findings, problems) = Self.findings(
            for: path, file: file, resolver: resolver, platform: platform,
            warnings: &warnings)
        let remedies =
            problems.isEmpty && findings.isEmpty
            ? []
            : Remedies.advise(
                path: path, file: file, findings: problems,
                facts: Self.facts(
                    file: file, path: path, real: real, root: imageRoot, resolver: resolver, platform: platform, problems: problems))
        return CheckedFile(
            path: path,
            executable: ShippedExecutable(
                path: path, origin: origin, linkage: Self.linkage(of: file),
                findings: findings, remedies: remedies),
            warnings: warnings, glibcProgram: file.interpreter != nil && LibC(file) == .glibc,
            goProgram: file.goBuildInfo != nil, file: file)
    }

    /// The NSS modules glibc programs of the build would `dlopen` and the image cannot load:
    /// checked once for the image when the build ships a glibc program that starts; a Go
    /// program whose cgo resolver or user lookups go through glibc is named with them.
    private static func nameServiceWarnings(checked: [CheckedFile], root: ImageRoot, resolver: DependencyResolver) -> [String] {
        let glibcPrograms = checked.filter { file in
            file.glibcProgram && file.executable?.findings.isEmpty == true
        }
        guard let first = glibcPrograms.first, let file = try? resolver.file(at: first.path) else { return [] }
        let platform = ELFPlatform(file)
        let problems = NameServiceModules.problems(
            resolver: resolver, platform: platform,
            glibc: resolver.glibcVersion(for: try? resolver.resolve(first.path), platform: platform))
        guard !problems.isEmpty else { return [] }
        var warnings = problems.map(\.description)
        for program in glibcPrograms where program.goProgram {
            guard let real = try? root.resolve(program.path), let cgo = GoCgoUse(root: root, path: real) else { continue }
            let databases = (cgo.net ? ["hosts"] : []) + (cgo.osUser ? ["passwd", "group"] : [])
            for problem in problems where databases.contains(problem.database) {
                warnings.append(
                    "\(program.path) looks up \(problem.database) through glibc (cgo): \(problem.library) \(problem.reason); CGO_ENABLED=0 uses Go's own lookup instead"
                )
            }
        }
        return warnings
    }

    /// The facts a remedy for `file` may use: its cgo packages (Go binaries), the image's
    /// glibc release (when a version is missing) and platform.
    private static func facts(
        file: ELFFile, path: String, real: String, root: ImageRoot, resolver: DependencyResolver, platform: ImagePlatform?,
        problems: [ResolutionFinding]
    ) -> Remedies.Facts {
        var facts = Remedies.Facts(platform: platform)
        if file.goBuildInfo != nil, file.interpreter != nil { facts.cgo = GoCgoUse(root: root, path: real) }
        if problems.contains(where: { if case .versionMissing = $0 { true } else { false } }) {
            facts.imageGlibc = resolver.glibcVersion(for: try? resolver.resolve(path), platform: ELFPlatform(file))
        }
        return facts
    }

    /// Remedies naming the build's other stages that would run each failing ELF executable
    /// (its loader, libraries and versions all there): what to `COPY --from`.
    private func addStageRemedies(to report: inout ELFCheckReport, parsed: [String: ELFFile], otherStages: () -> [StageRoot]) {
        let candidates = report.executables.indices.filter { index in
            parsed[report.executables[index].path]?.interpreter != nil && !report.executables[index].findings.isEmpty
        }
        guard !candidates.isEmpty else { return }
        let stages = otherStages()
        guard !stages.isEmpty else { return }
        let resolvers = stages.map { DependencyResolver(root: ImageRoot($0.root.path)) }
        for index in candidates {
            let path = report.executables[index].path
            guard let file = parsed[path] else { continue }
            if let platform = image.map({ ImagePlatform(architecture: $0.architecture, variant: $0.variant) }),
                !platform.runs(ELFPlatform(file))
            {
                continue
            }
            for (stage, resolver) in zip(stages, resolvers) {
                let resolution = resolver.resolve(file, at: path, as: path)
                guard resolution.isClean, let interpreter = resolution.interpreter else { continue }
                let libraries = resolution.libraryPaths
                let count = libraries.count == 1 ? "its library" : "all \(libraries.count) libraries"
                var remedy =
                    "the stage `\(stage.name)` (FROM \(stage.base)) has \(interpreter)"
                    + (libraries.isEmpty ? "" : " and \(count) (\(libraries.joined(separator: ", ")))")
                if let version = GlibcVersion.newestRequired(by: file),
                    let provided = resolver.glibcVersion(for: resolution, platform: ELFPlatform(file))
                {
                    remedy += ", with glibc \(provided) (\(path) needs \(version))"
                }
                remedy +=
                    ": COPY --from=\(stage.name) them (swiftbuild elf --bundle copies such a tree), or base the final stage on \(stage.base)"
                report.executables[index].remedies.append(remedy)
            }
        }
    }

    /// The image's ENTRYPOINT and CMD, checked as the runtime would start them.
    /// A program among `failing` (shipped files already reported) is named, not reported again.
    private func checkEntrypoint(
        launcher: LaunchCheck, imageRoot: ImageRoot, resolver: DependencyResolver,
        failing: Set<String>
    ) -> EntrypointCheck? {
        let config = image?.config
        let entrypoint = config?.entrypoint ?? []
        let argv = entrypoint + (config?.cmd ?? [])
        guard !argv.isEmpty else { return nil }
        var findings: [String] = []
        var remedies: [String] = []
        for launch in LaunchCheck.programs(argv: argv, workingDirectory: config?.workingDir, lookUp: launcher.lookUp) {
            guard let path = launch.path else {
                if let shell = launch.viaShell {
                    findings.append(
                        "\(shell): \(launch.name): not found (in none of the image's PATH directories \(launcher.searchPath.joined(separator: ":")))"
                    )
                } else {
                    findings.append(
                        "exec: \"\(launch.name)\": executable file not found in $PATH (\(launcher.searchPath.joined(separator: ":")))")
                }
                remedies.append("add \(launch.name) to the image or name it by its absolute path in ENTRYPOINT/CMD")
                continue
            }
            let found = launcher.findings(exec: path)
            guard !found.isEmpty else { continue }
            if let real = try? imageRoot.resolve(path), failing.contains(real) || failing.contains(path) {
                findings.append("it starts \(path), which would not start (reported above)")
                continue
            }
            findings += found
            if let file = try? resolver.file(at: path), let real = try? imageRoot.resolve(path) {
                let problems = (try? resolver.resolve(path).findings) ?? []
                remedies += Remedies.advise(
                    path: path, file: file, findings: problems,
                    facts: Self.facts(
                        file: file, path: path, real: real, root: imageRoot, resolver: resolver,
                        platform: launcher.platform, problems: problems))
            } else if found.contains(where: { $0.hasSuffix(": no such file or directory") }) {
                remedies.append("the image has no \(path): COPY it in, or change ENTRYPOINT/CMD")
            } else if found.contains(where: { $0.contains("not executable") }) {
                remedies.append("make \(path) executable (COPY --chmod=755 or RUN chmod +x)")
            }
        }
        return EntrypointCheck(argv: argv, findings: findings, remedies: remedies)
    }

    /// Remedies for a `#!` script that would not start.
    private static func scriptRemedies(path: String, interpreter: String, argument: String?, findings: [String]) -> [String] {
        guard !findings.isEmpty else { return [] }
        if interpreter.split(separator: "/").last == "env", let argument {
            return [
                "install \(argument) in the final image (a base that has it, or COPY it with its libraries), or change the #! line of \(path)"
            ]
        }
        return ["install \(interpreter) in the final image, or change the #! line of \(path) to an interpreter the image has"]
    }

    /// The image's file at `path` with its parent directory resolved through the image's own
    /// symlinks inside `imageRoot` (a later layer may have made one a symlink), the last
    /// component not followed.
    static func unfollowedPath(of path: String, in imageRoot: ImageRoot) -> String? {
        var components = path.split(separator: "/").map(String.init)
        guard let name = components.popLast() else { return nil }
        guard let parent = try? imageRoot.resolve("/" + components.joined(separator: "/")) else { return nil }
        return parent == "/" ? "/" + name : parent + "/" + name
    }

    /// The run-time errors of an ELF executable (worded) and the loader's findings behind them.
    /// Resolution warnings that depend on the CPU (`glibc-hwcaps`) are added to `warnings`.
    private static func findings(
        for path: String, file: ELFFile, resolver: DependencyResolver,
        platform: ImagePlatform?, warnings: inout [String]
    ) -> ([String], [ResolutionFinding]) {
        let found = LaunchCheck.startFindings(exec: path, file: file, resolving: path, resolver: resolver, platform: platform)
        warnings += found.warnings.filter { $0.contains("/glibc-hwcaps/") }.map { "\(path): \($0)" }
        return (found.messages, found.findings)
    }

    /// `static`, `static-pie`, `glibc 2.34` (the newest `GLIBC_` version it needs), `musl`,
    /// `mixed glibc/musl`, or `dynamic (LOADER)`; Go binaries add their Go version.
    static func linkage(of file: ELFFile) -> String {
        var text: String
        switch (ELFKind(file), LibC(file)) {
        case (.staticExecutable, _): text = "static"
        case (.staticPIE, _): text = "static-pie"
        case (_, .glibc): text = newestGlibcVersion(file).map { "glibc \($0)" } ?? "glibc"
        case (_, .musl): text = "musl"
        case (_, .mixed): text = "mixed glibc/musl"
        case (_, .other(let interpreter)): text = "dynamic (\(interpreter))"
        case (_, .notLinked): text = "dynamic"
        }
        if let go = file.goBuildInfo?.version { text += " (\(go))" }
        return text
    }

    /// The highest `GLIBC_x.y[.z]` version the file needs from any library.
    private static func newestGlibcVersion(_ file: ELFFile) -> String? {
        let versions = file.versionRequirements.flatMap(\.versions).compactMap { version -> [Int]? in
            guard version.name.hasPrefix("GLIBC_") else { return nil }
            let numbers = version.name.dropFirst("GLIBC_".count).split(separator: ".").map { Int($0) }
            guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil }) else { return nil }
            return numbers.map { $0! }
        }
        return versions.max { $0.lexicographicallyPrecedes($1) }?.map(String.init).joined(separator: ".")
    }
}
