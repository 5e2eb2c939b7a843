import Dockerfile
import FileNames
import Glibc
import OCI
import System

/// The build context: a directory and the `.dockerignore` rules that say which of its
/// files exist for the build.
///
/// The rules come from `<Dockerfile>.dockerignore` next to the Dockerfile when there is
/// one (BuildKit's per-Dockerfile ignore file), else from the context's `.dockerignore`.
/// ``sourceTree`` is what `COPY` and `ADD` read from; ``selectedPaths(for:excludes:)``
/// and ``contentDigest(for:excludes:)`` answer what a `COPY`'s sources select, the
/// latter for cache keys.
public struct BuildContext: Sendable {
    /// The context directory.
    public let directory: String
    /// The ignore rules in force (empty when there is no ignore file).
    public let ignore: DockerIgnore
    /// The ignore file they came from, nil when there is none.
    public let ignoreFile: String?
    private let cache: ContentDigestCache

    /// A stage's root filesystem (mounted at `directory`) as the source of a `COPY --from`:
    /// nothing is ignored, and digests are remembered for this one use only.
    init(rootFilesystem directory: String) {
        self.directory = directory
        // An empty file has no pattern that could be rejected.
        ignore = try! DockerIgnore(contents: "")
        ignoreFile = nil
        cache = ContentDigestCache()
    }

    /// The context at `directory`; `dockerfile` is the Dockerfile's path, for its own
    /// ignore file. Content digests are remembered in `digestCache`.
    init(directory: String, dockerfile: String? = nil, digestCache: ContentDigestCache) throws(BuildContextError) {
        cache = digestCache
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw .unreadableDirectory(directory, SystemError(operation: "stat", code: errno == 0 ? ENOTDIR : errno))
        }
        self.directory = directory
        let candidates = [dockerfile.map { $0 + ".dockerignore" }, directory + "/.dockerignore"].compactMap { $0 }
        for candidate in candidates {
            guard let text = try Self.readIfPresent(candidate) else { continue }
            do throws(DockerIgnoreError) {
                ignore = try DockerIgnore(contents: text, file: candidate)
            } catch {
                throw .invalidIgnoreFile(error)
            }
            ignoreFile = candidate
            return
        }
        // An empty file has no pattern that could be rejected.
        ignore = try! DockerIgnore(contents: "")
        ignoreFile = nil
    }

    /// The context at `directory`, with digests remembered for this process only.
    public init(directory: String, dockerfile: String? = nil) throws(BuildContextError) {
        try self.init(directory: directory, dockerfile: dockerfile, digestCache: ContentDigestCache())
    }

    /// The context as a copy's source tree: ignored files absent, files owned by 0:0.
    public var sourceTree: SourceTree {
        SourceTree(directory: directory, ignore: ignore, preservesOwnership: false)
    }

    /// The context-relative paths of every file and directory the source `patterns`
    /// select (after `.dockerignore` and `excludes`), in walk order: what a `COPY` of
    /// them reads. A selected symlink is followed, so its target's path is listed.
    public func selectedPaths(for patterns: [String], excludes: [String] = []) throws(CopyError) -> [String] {
        do throws(CopyError.Problem) {
            var paths: [String] = []
            for node in try selection(for: patterns, excludes: excludes) {
                node.visit { paths.append($0.path) }
            }
            return paths
        } catch {
            throw CopyError(.copy, error)
        }
    }

    /// The trees the patterns select, as ``FileCopier`` would walk them.
    func selection(for patterns: [String], excludes: [String]) throws(CopyError.Problem) -> [SourceNode] {
        let root = try RootDirectory.opening(directory)
        let selector = SourceSelector(root: root, ignore: ignore)
        let walker = SourceWalker(root: root, ignore: ignore, excludes: try FileCopier.excludeRules(excludes))
        var nodes: [SourceNode] = []
        for pattern in patterns {
            for selected in try selector.select(pattern) {
                guard let node = try walker.tree(of: selected) else {
                    throw .sourceNotFound(root.display(selected.lexicalPath), ignoreFileApplies: true)
                }
                nodes.append(node)
            }
        }
        return nodes
    }

    /// The digest cache, shared by copies of this context.
    var digestCache: ContentDigestCache { cache }

    private static func readIfPresent(_ path: String) throws(BuildContextError) -> String? {
        let descriptorFile = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .unreadableIgnoreFile(path, SystemError(operation: "open", code: errno))
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = retryingOnInterrupt { buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) } }
            if count < 0 {
                throw .unreadableIgnoreFile(path, SystemError(operation: "read", code: errno))
            }
            if count == 0 { return FileName.decode(bytes) }  // patterns name files as their bytes
            bytes += buffer[..<count]
        }
    }
}
