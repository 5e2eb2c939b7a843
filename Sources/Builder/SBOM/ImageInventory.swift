import ELF
import FileNames
import Foundation
import SBOM

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the software an image's root filesystem holds, for its SBOM: Debian packages
/// (`/var/lib/dpkg/status` and `status.d/`), Alpine packages (`/lib/apk/db/installed`),
/// Python distributions (every `*.dist-info/METADATA`) and the Go modules of every Go
/// executable (the `ELF` module's build-info reader).
///
/// Every read goes through ``ImageRoot`` (`openat2` with `RESOLVE_IN_ROOT`): an image's
/// symlinks resolve inside the image, so a `/var/lib/dpkg/status` that links to `/etc/shadow`
/// reads the image's own file, never the host's. The walk never descends into a symlink
/// (each directory is looked at without following its last component), each file read has
/// a size limit, and the walk stops after ``maximumEntries`` entries, so a hostile image
/// can neither loop the walk nor make it read more than the limits allow.
struct ImageInventory {
    let root: ImageRoot

    /// The largest package database read (dpkg's status is about 1 MiB for 1000 packages).
    static let databaseSizeLimit = 64 << 20
    /// The largest `METADATA` or os-release file read.
    static let metadataSizeLimit = 4 << 20
    /// The largest executable whose Go build info is read (it is read whole).
    static let executableSizeLimit = 512 << 20
    /// The most directory entries looked at.
    static let maximumEntries = 2_000_000

    /// What was found, and what could not be read (each naming the file), in walk order.
    struct Result {
        var packages: [SoftwarePackage] = []
        var problems: [String] = []
    }

    func scan() -> Result {
        var result = Result()
        var osRelease: OSRelease?
        for path in ["/etc/os-release", "/usr/lib/os-release"] where osRelease == nil {
            osRelease = readText(path, limit: Self.metadataSizeLimit, problems: &result.problems).flatMap(OSRelease.init(parsing:))
        }
        if let text = readText("/var/lib/dpkg/status", limit: Self.databaseSizeLimit, problems: &result.problems) {
            result.packages += DpkgStatus.packages(in: text, location: "/var/lib/dpkg/status", osRelease: osRelease)
        }
        for name in (root.entryNames("/var/lib/dpkg/status.d") ?? []).map(FileName.decode).sorted() where !name.contains(".") {
            let path = "/var/lib/dpkg/status.d/\(name)"
            if let text = readText(path, limit: Self.metadataSizeLimit, problems: &result.problems) {
                result.packages += DpkgStatus.packages(in: text, location: path, osRelease: osRelease)
            }
        }
        if let text = readText("/lib/apk/db/installed", limit: Self.databaseSizeLimit, problems: &result.problems) {
            result.packages += APKDatabase.packages(in: text, location: "/lib/apk/db/installed", osRelease: osRelease)
        }
        walk(into: &result)
        return result
    }

    /// Walks the whole tree (directories in name order, no symlink followed) for
    /// `*.dist-info` directories and executable ELF files.
    private func walk(into result: inout Result) {
        var pending = ["/"]
        var seen = 0
        while let directory = pending.popLast() {
            guard let names = root.entryNames(directory) else { continue }
            var subdirectories: [String] = []
            for name in names.map(FileName.decode).sorted() {
                seen += 1
                guard seen <= Self.maximumEntries else {
                    result.problems.append("stopped after \(Self.maximumEntries) files; the rest of the image was not read")
                    return
                }
                let path = directory == "/" ? "/" + name : directory + "/" + name
                guard let status = root.status(path) else { continue }
                switch status.st_mode & S_IFMT {
                case S_IFDIR:
                    if name.hasSuffix(".dist-info") {
                        let metadata = path + "/METADATA"
                        if root.status(metadata) != nil,
                            let text = readText(metadata, limit: Self.metadataSizeLimit, problems: &result.problems),
                            let package = PythonMetadata.package(in: text, location: metadata)
                        {
                            result.packages.append(package)
                        }
                    }
                    subdirectories.append(path)
                case S_IFREG where status.st_mode & 0o111 != 0 && status.st_size >= 64:
                    result.packages += goModules(path, size: Int(status.st_size), problems: &result.problems)
                default:
                    continue
                }
            }
            // Popped from the end: reversed, so directories are walked in name order.
            pending += subdirectories.reversed()
        }
    }

    /// The Go modules of the executable at `path` when it is a Go-built ELF file.
    private func goModules(_ path: String, size: Int, problems: inout [String]) -> [SoftwarePackage] {
        guard let magic = root.readPrefix(path, count: 4), magic == [0x7f, 0x45, 0x4c, 0x46] else { return [] }
        guard size <= Self.executableSizeLimit else {
            problems.append("\(path): not read for Go build info (\(size) bytes, the limit is \(Self.executableSizeLimit))")
            return []
        }
        guard let file = try? ELFFile(root: root, path: path, sizeLimit: Self.executableSizeLimit), let info = file.goBuildInfo else {
            return []
        }
        return GoModules.packages(goVersion: info.version, moduleInfo: info.moduleInfo, location: path)
    }

    /// The text of the regular file `path` inside the image (symlinks resolved inside it),
    /// nil when it does not exist; a file that exists but cannot be read (too large, not a
    /// regular file) is noted in `problems`.
    private func readText(_ path: String, limit: Int, problems: inout [String]) -> String? {
        let resolved: String?
        do {
            resolved = try root.resolve(path)
        } catch {
            problems.append("\(path): \(error.problem)")
            return nil
        }
        guard let resolved else { return nil }
        do {
            return String(decoding: try root.readRegularFile(resolved, sizeLimit: limit), as: UTF8.self)
        } catch {
            problems.append("\(resolved == path ? path : "\(path) (\(resolved))"): \(error.problem)")
            return nil
        }
    }
}
