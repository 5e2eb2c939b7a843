import Dockerfile
import FileNames
import Glibc
import StepPlan
import System

/// Walks a selected source into a ``SourceNode`` tree, leaving out what the tree's
/// ignore rules (checked against paths from the tree's root) or the copy's `--exclude`
/// patterns (checked against paths from the selected source) exclude. An excluded
/// directory that an exception may re-include is walked and kept only when something
/// inside it is kept; symlinks are never followed below the selected source.
struct SourceWalker {
    let root: RootDirectory
    let ignore: DockerIgnore?
    let excludes: DockerIgnore?

    /// The tree of `source`; nil when everything in it is excluded (a directory whose
    /// every entry is excluded still counts when it was not excluded itself).
    func tree(of source: SelectedSource) throws(CopyError.Problem) -> SourceNode? {
        let status: FileStatus
        do {
            let file = try FileDescriptor(adopting: root.openWalked(source.realPath, flags: openPathOnly))
            status = try FileStatus(descriptor: file.rawValue, path: root.display(source.realPath))
        }
        var node = SourceNode(name: source.name, path: source.realPath, status: status, linkTarget: nil, children: [])
        guard status.isDirectory else { return node }
        node.children = try children(of: source.realPath, relativeToSource: "")
        let excluded = ignore.map { !source.realPath.isEmpty && $0.isExcluded(source.realPath) } ?? false
        return excluded && node.children.isEmpty ? nil : node
    }

    private func children(of directoryPath: String, relativeToSource: String) throws(CopyError.Problem) -> [SourceNode] {
        let directoryFile = try FileDescriptor(adopting: root.openWalked(directoryPath, flags: O_RDONLY | O_DIRECTORY))
        let directory = directoryFile.rawValue
        var nodes: [SourceNode] = []
        for name in try CopyError.Problem.wrapping(path: root.display(directoryPath)) { () throws(SystemError) in
            try DirectoryListing.sortedNames(directory)
        } {
            let path = RootedPath.join(directoryPath, name)
            let relative = RootedPath.join(relativeToSource, name)
            let status = try FileStatus(name: name, in: directory, path: root.display(path))
            let ignored = ignore?.isExcluded(path) ?? false
            let excluded = excludes?.isExcluded(relative) ?? false
            var node = SourceNode(name: name, path: path, status: status, linkTarget: nil, children: [])
            if status.isDirectory {
                if ignored && !(ignore?.mustDescend(intoExcludedDirectory: path) ?? false) { continue }
                if excluded && !(excludes?.mustDescend(intoExcludedDirectory: relative) ?? false) { continue }
                node.children = try children(of: path, relativeToSource: relative)
                if (ignored || excluded) && node.children.isEmpty { continue }
            } else {
                if ignored || excluded { continue }
                if status.isSymlink { node.linkTarget = try Self.linkTarget(of: name, in: directory, path: root.display(path)) }
            }
            nodes.append(node)
        }
        return nodes
    }

    /// The target of the symlink `name` in `directory`, as stored.
    static func linkTarget(of name: String, in directory: Int32, path: String) throws(CopyError.Problem) -> [UInt8] {
        guard let target = FileName.readlinkat(directory, name) else { throw .system(path: path, .last("readlink")) }
        return target
    }
}
