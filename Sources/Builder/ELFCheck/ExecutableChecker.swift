import FileNames
import ELF
import Foundation

/// Finds the ELF executables a build's layers hold and checks each against the final
/// image's root filesystem: the loader, libraries and symbol versions it would use there.
/// Nothing is executed.
struct ExecutableChecker {
    /// The final image's merged root filesystem.
    let root: URL

    /// Checks every ELF executable in `snapshots` (each a directory holding `fs/`, bottom
    /// first) that the final image still has; a path is credited to the topmost layer holding it.
    func check(snapshots: [URL], origins: [LayerOrigin]) -> ELFCheckReport {
        // Only files that start as ELF in some layer are listed: a path whose topmost
        // regular file is not ELF is not ELF in the image either, whichever layer it is
        // credited to here, and the image's own file is checked below.
        var newest: [String: LayerOrigin] = [:]
        for (snapshot, origin) in zip(snapshots, origins) {
            for path in ELFCandidates.paths(under: snapshot.appendingPathComponent("fs").path) {
                newest[path] = origin
            }
        }
        let imageRoot = ImageRoot(root.path)
        let resolver = DependencyResolver(root: imageRoot)
        var executables: [ShippedExecutable] = []
        for (path, origin) in newest.sorted(by: { $0.key < $1.key }) {
            // The directories above the file resolve inside the image (a later layer may
            // have made one a symlink, even an absolute one); the host's tree is never read.
            guard let host = Self.hostPath(of: path, in: imageRoot) else { continue }
            var status = stat()
            guard FileName.lstat(host, &status) == 0, status.st_mode & S_IFMT == S_IFREG, ELFCandidates.hasELFMagic(host) else { continue }
            let file: ELFFile
            do {
                file = try ELFFile(path: host)
            } catch {
                executables.append(ShippedExecutable(path: path, origin: origin, linkage: "unreadable ELF",
                                                     findings: ["\(path): \(error.problem)"]))
                continue
            }
            switch ELFKind(file) {
            case .staticExecutable, .staticPIE, .dynamicExecutable: break
            default: continue
            }
            executables.append(ShippedExecutable(path: path, origin: origin, linkage: Self.linkage(of: file),
                                                 findings: Self.findings(for: path, file: file, resolver: resolver)))
        }
        return ELFCheckReport(executables: executables)
    }

    /// The host path of the image's file at `path`: its parent directory resolved through
    /// the image's own symlinks inside `imageRoot`, the last component not followed.
    static func hostPath(of path: String, in imageRoot: ImageRoot) -> String? {
        var components = path.split(separator: "/").map(String.init)
        guard let name = components.popLast() else { return nil }
        guard let parent = try? imageRoot.resolve("/" + components.joined(separator: "/")) else { return nil }
        return imageRoot.hostPath(parent == "/" ? "/" + name : parent + "/" + name)
    }

    private static func findings(for path: String, file: ELFFile, resolver: DependencyResolver) -> [String] {
        guard file.interpreter != nil else { return [] }
        do {
            return try resolver.resolve(path).findings.map(\.description)
        } catch {
            return ["\(error)"]
        }
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
