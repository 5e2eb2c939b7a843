import Dockerfile
import Glibc
import StepPlan
import System

/// Performs one `COPY` or `ADD` from a source tree into a target root, as the Dockerfile
/// reference describes it, with BuildKit's behaviour where the reference is silent:
///
/// - Sources resolve inside the source tree (see ``CopySource/path(_:)``); wildcards
///   expand per path component and may match nothing (BuildKit's AllowEmptyWildcard); ignored paths do not exist.
/// - Several sources, given or matched, need a destination ending in `/`.
/// - A directory source copies its contents; a file goes inside a destination that ends
///   in `/` or is an existing directory, and is renamed to the destination otherwise.
/// - Missing destination directories are created 0755, owned by `--chown` or 0:0.
/// - Copied files are owned by `--chown`, else 0:0 from the context and their own owner
///   from `--from` trees; modes (unless `--chmod`) and times are kept; symlinks below a
///   source are copied as symlinks; hard links within one copy stay hard links.
/// - The destination resolves through the target root's own symlinks, never out of it.
/// - `ADD` extracts local tar archives into the destination; what it fetched (URLs, git
///   checkouts: ``CopySource/fetched(path:name:)``) is copied as it is. `COPY` refuses URLs
///   and git sources, as BuildKit does.
public enum FileCopier {
    /// Performs `request`, reading from `source` and writing into `targetRoot` (the
    /// stage's merged root filesystem). Nothing is written when a source is missing.
    /// ``CopySource/fetched(path:name:)`` sources are read from the directory `fetched`.
    public static func perform(
        _ request: CopyRequest, from source: SourceTree, fetched: String? = nil, into targetRoot: String
    ) throws(CopyError) {
        do {
            try performChecked(request, from: source, fetched: fetched, into: targetRoot)
        } catch {
            throw CopyError(request.instruction, error)
        }
    }

    private enum Item {
        case tree(SourceNode, SelectedSource)
        case inline(name: String, content: [UInt8], permissions: UInt32)
        /// What an `ADD` fetched: copied as it is, never extracted.
        case fetched(SourceNode)

        var name: String {
            switch self {
            case .tree(let node, _), .fetched(let node): node.name
            case .inline(let name, _, _): name
            }
        }

        var node: SourceNode? {
            switch self {
            case .tree(let node, _), .fetched(let node): node
            case .inline: nil
            }
        }
    }

    private static func performChecked(
        _ request: CopyRequest, from source: SourceTree, fetched: String?, into targetRoot: String
    ) throws(CopyError.Problem) {
        let excludes = try excludeRules(request.excludes)
        let sourceRoot = try RootDirectory.opening(source.directory)
        let selector = SourceSelector(root: sourceRoot, ignore: source.ignore)
        let walker = SourceWalker(root: sourceRoot, ignore: source.ignore, excludes: excludes)
        let fetchedRoot = try fetched.map { path throws(CopyError.Problem) in try RootDirectory.opening(path) }
        var items: [Item] = []
        for copySource in request.sources {
            switch copySource {
            case .path(let pattern):
                if isRemote(pattern) { throw .remoteSourceNotSupported(pattern) }
                for selected in try selector.select(pattern) {
                    guard let node = try walker.tree(of: selected) else {
                        throw .sourceNotFound(sourceRoot.display(selected.lexicalPath), ignoreFileApplies: source.ignore != nil)
                    }
                    items.append(.tree(node, selected))
                }
            case .inline(let name, let content, let permissions):
                // BuildKit makes the file in an empty tree under this name and copies it from
                // there, so a name with directories fails and `..` is cleaned away; here the
                // name must be a file name, whatever the destination.
                guard TargetWriter.isFileName(name) else { throw .invalidHeredocName(name) }
                items.append(.inline(name: name, content: content, permissions: permissions))
            case .fetched(let path, let name):
                guard let fetchedRoot else { throw .sourceNotFound(path, ignoreFileApplies: false) }
                let fetchedWalker = SourceWalker(root: fetchedRoot, ignore: nil, excludes: excludes)
                let selected = SelectedSource(lexicalPath: path, realPath: path, parentsPivot: "")
                guard var node = try fetchedWalker.tree(of: selected) else { throw .sourceNotFound(name, ignoreFileApplies: false) }
                node.name = name
                items.append(.fetched(node))
            }
        }
        let destination = CopyDestination(request.destination, workingDirectory: request.workingDirectory)
        if items.count > 1 && !destination.isDirectoryForm && !request.parents {
            throw .destinationMustBeDirectory
        }
        let writer = TargetWriter(
            root: try RootDirectory.opening(targetRoot),
            source: sourceRoot,
            owner: request.owner,
            preservesOwnership: source.preservesOwnership,
            modeChange: request.modeChange
        )
        // What was fetched is read from its own tree and arrives owned by 0:0 (or --chown).
        let fetchedWriter = fetchedRoot.map {
            TargetWriter(root: writer.root, source: $0, owner: request.owner, preservesOwnership: false, modeChange: request.modeChange)
        }
        for item in items {
            let itemWriter = if case .fetched = item, let fetchedWriter { fetchedWriter } else { writer }
            try copy(item, to: destination, request: request, writer: itemWriter, sourceRoot: sourceRoot)
        }
    }

    private static func copy(
        _ item: Item,
        to destination: CopyDestination,
        request: CopyRequest,
        writer: TargetWriter,
        sourceRoot: RootDirectory
    ) throws(CopyError.Problem) {
        var directory = destination.components
        if case .tree(_, let selected) = item, request.parents {
            directory += selected.parentsDirectory
        }
        if let node = item.node, node.status.isDirectory {
            // A directory's contents go into the destination (under its own name with --parents).
            if request.parents, case .tree(_, let selected) = item, !selected.name.isEmpty { directory.append(selected.name) }
            let targetFile = try FileDescriptor(adopting: writer.makeDirectories(directory))
            let target = targetFile.rawValue
            for child in node.children {
                try writer.write(child, named: child.name, in: target, path: "/" + (directory + [child.name]).joined(separator: "/"))
            }
            return
        }
        if request.instruction == .add, case .tree(let node, _) = item, node.status.isRegularFile {
            let archiveFile = try FileDescriptor(adopting: sourceRoot.openWalked(node.path, flags: O_RDONLY))
            let archive = archiveFile.rawValue
            let name = sourceRoot.display(node.path)
            if ArchiveUnpacker.isArchive(archive, name: name) {
                let target = try FileDescriptor(adopting: writer.makeDirectories(directory))
                let real = writer.root.relativePath(of: target.rawValue).map(RootedPath.components) ?? directory
                try ArchiveUnpacker(writer: writer, owner: request.owner).extract(archive, name: name, into: real)
                return
            }
        }
        var name = item.name
        if !destination.isDirectoryForm && !request.parents {
            if let existing = try writer.existing(directory), !existing.isDirectory {
                // An existing file (or a symlink to one) is replaced where it really is.
                name = existing.path.last ?? name
                directory = Array(existing.path.dropLast())
            } else if try writer.existing(directory) == nil, let last = directory.last {
                name = last
                directory.removeLast()
            }
        }
        let targetFile = try FileDescriptor(adopting: writer.makeDirectories(directory))
        let target = targetFile.rawValue
        let path = "/" + (directory + [name]).joined(separator: "/")
        switch item {
        case .tree(let node, _), .fetched(let node):
            try writer.write(node, named: name, in: target, path: path)
        case .inline(_, let content, let permissions):
            try writer.writeInline(content, permissions: permissions, named: name, in: target, path: path)
        }
    }

    /// The `--exclude` patterns as ignore rules; nil when there are none.
    static func excludeRules(_ patterns: [String]) throws(CopyError.Problem) -> DockerIgnore? {
        guard !patterns.isEmpty else { return nil }
        do throws(DockerIgnoreError) {
            return try DockerIgnore(patterns: patterns, file: "--exclude")
        } catch {
            throw .invalidExclude(error.pattern, reason: error.problem.description)
        }
    }

    /// Whether a source is a URL or a git reference rather than a path.
    static func isRemote(_ source: String) -> Bool {
        source.contains("://") || source.hasPrefix("git@")
    }
}
