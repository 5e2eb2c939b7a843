import Dockerfile
import Glibc
import StepPlan
import System

/// Finds what a `COPY` source pattern names in a source tree: one path, or the matches
/// of a wildcard (`*`, `?`, `[...]` per path component, Go's `filepath.Match`), which may
/// be none.
///
/// Paths resolve inside the tree: an absolute path starts at its root, `..` stops there
/// and symlinks (a final one included, as BuildKit follows a source symlink) resolve as
/// if the tree were `/`. Paths the tree's ignore rules exclude are not there.
struct SourceSelector {
    let root: RootDirectory
    let ignore: DockerIgnore?

    /// The sources `pattern` selects, wildcard matches sorted by path (none when a
    /// wildcard matches nothing).
    func select(_ pattern: String) throws(CopyError.Problem) -> [SelectedSource] {
        let components = RootedPath.components(pattern)
        let pivot = Self.parentsPivot(of: pattern)
        guard let wildcard = components.firstIndex(where: Self.containsWildcard) else {
            let lexical = components.joined(separator: "/")
            guard let real = try resolve(lexical), !isIgnored(lexical, status: real.status), !isIgnored(real.path, status: real.status)
            else {
                throw .sourceNotFound(root.display(lexical), ignoreFileApplies: ignore != nil)
            }
            return [SelectedSource(lexicalPath: lexical, realPath: real.path, parentsPivot: pivot)]
        }
        let base = components[..<wildcard].joined(separator: "/")
        var candidates: [(lexical: String, real: String)] = []
        if let real = try resolve(base), real.status.isDirectory {
            candidates = [(base, real.path)]
        }
        for (index, component) in components[wildcard...].enumerated() {
            let glob: PathGlob
            do throws(PathGlobSyntaxError) {
                glob = try PathGlob(component)
            } catch {
                throw .invalidPattern(pattern, reason: error.description)
            }
            let isLast = wildcard + index == components.count - 1
            var next: [(lexical: String, real: String)] = []
            for candidate in candidates {
                next += try matches(of: glob, in: candidate, directoriesOnly: !isLast)
            }
            candidates = next
        }
        var selected: [SelectedSource] = []
        for candidate in candidates {
            // A match that is a symlink is followed, like a named source.
            guard let real = try resolve(candidate.real), !isIgnored(real.path, status: real.status) else { continue }
            selected.append(SelectedSource(lexicalPath: candidate.lexical, realPath: real.path, parentsPivot: pivot))
        }
        // BuildKit copies with AllowEmptyWildcard: a wildcard that matches nothing adds
        // nothing (and, if no other source does, the step copies nothing and makes no
        // destination); only a named source must exist.
        return selected
    }

    /// The entries of the directory `candidate` whose names `glob` matches and that are
    /// in the tree; with `directoriesOnly`, only real directories (a walk does not
    /// follow symlinks between wildcard components, as BuildKit's does not).
    private func matches(
        of glob: PathGlob,
        in candidate: (lexical: String, real: String),
        directoriesOnly: Bool
    ) throws(CopyError.Problem) -> [(lexical: String, real: String)] {
        let directoryFile = try FileDescriptor(adopting: root.openWalked(candidate.real, flags: O_RDONLY | O_DIRECTORY))
        let directory = directoryFile.rawValue
        var found: [(lexical: String, real: String)] = []
        for name in try CopyError.Problem.wrapping(path: root.display(candidate.real)) { () throws(SystemError) in
            try DirectoryListing.sortedNames(directory)
        } where glob.matches(name) {
            let real = RootedPath.join(candidate.real, name)
            let status = try FileStatus(name: name, in: directory, path: root.display(real))
            if directoriesOnly && !status.isDirectory { continue }
            if isIgnored(real, status: status) { continue }
            found.append((RootedPath.join(candidate.lexical, name), real))
        }
        return found
    }

    /// Where `relative` leads with every symlink followed inside the tree, and its
    /// status; nil when nothing is there.
    private func resolve(_ relative: String) throws(CopyError.Problem) -> (path: String, status: FileStatus)? {
        let descriptorFile = FileDescriptor(adopting: root.openInRoot(relative, flags: openPathOnly))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR || errno == ELOOP { return nil }
            throw .system(path: root.display(relative), .last("open"))
        }
        guard let path = root.relativePath(of: descriptor) else { return nil }
        return (path, try FileStatus(descriptor: descriptor, path: root.display(path)))
    }

    /// Whether the ignore rules leave `path` out. An excluded directory that an exception
    /// may re-include stays (the walk then keeps only what is included).
    private func isIgnored(_ path: String, status: FileStatus? = nil) -> Bool {
        guard let ignore, !path.isEmpty, ignore.isExcluded(path) else { return false }
        if let status, status.isDirectory { return !ignore.mustDescend(intoExcludedDirectory: path) }
        return true
    }

    /// Whether a path component has an unescaped `*`, `?` or `[`.
    static func containsWildcard(_ component: String) -> Bool {
        var escaped = false
        for character in component {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if "*?[".contains(character) {
                return true
            }
        }
        return false
    }

    /// The cleaned part of `pattern` before its first `/./`, which `--parents` drops.
    static func parentsPivot(of pattern: String) -> String {
        guard let range = pattern.range(of: "/./") else { return "" }
        return RootedPath.clean(String(pattern[..<range.lowerBound]))
    }
}
