import Synchronization

/// The paths of an image root whose state a result was read from, each as the lookup
/// found it. A layer added on top of the root (or taken away) can change the result only if
/// it holds an entry at one of them (or in a listed directory): the rule that lets a build
/// keep an ELF check result across rebuilds (the builder's `ELFCheckRecord`).
///
/// Every component a lookup walks is here, not only the path asked for: resolving
/// `/lib64/ld-linux-x86-64.so.2` records `/lib64`, the link there, the directories of its
/// target and the target itself, so a layer that replaces the loader behind the link is seen.
public struct ReadSet: Sendable, Equatable, Codable {
    /// Paths a lookup passed through as directories.
    public var directories: Set<String> = []
    /// Paths a lookup found as something else (a file, a symbolic link, a device) or found
    /// missing (where the lookup stopped).
    public var others: Set<String> = []
    /// Directories whose entries were listed.
    public var listings: Set<String> = []

    public init() {}

    public mutating func formUnion(_ other: ReadSet) {
        directories.formUnion(other.directories)
        others.formUnion(other.others)
        listings.formUnion(other.listings)
    }
}

/// One entry of a layer in overlayfs form: what a layer can change of a ``ReadSet``.
public struct LayerEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A directory that merges with the one below (no opaque or redirect mark).
        case plainDirectory
        /// A directory that hides or replaces the one below (opaque, or redirected).
        case replacingDirectory
        /// A file, symbolic link, whiteout or device.
        case other
    }

    /// Absolute inside the image: `/usr/bin/gcc`.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// The directory holding it: `/usr/bin`, `/` for a top-level entry.
    public var parent: String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

/// Collects what an ``ImageRoot`` reads while it is attached to it, in nested scopes: a
/// scope's reads are added to the scope around it when it ends, so a memo (a parsed
/// library, glibc's search configuration) can keep the reads that made it and add them
/// again wherever it is used. One reader at a time: the scopes are a stack.
public final class ReadLog: Sendable {
    private struct State {
        var scopes: [ReadSet] = [ReadSet()]
        /// Walks already made (the root does not change while it is read), by path and
        /// whether the last link was followed.
        var walks: [WalkKey: Walk] = [:]
        /// What each path a walk looked at was, so a directory many walks pass is looked
        /// at once.
        var components: [String: ImageRoot.Component] = [:]
    }

    struct WalkKey: Hashable {
        var path: String
        var followsLast: Bool
    }

    /// One lookup's reads and where it ended (nil when it did not resolve).
    struct Walk {
        var reads: ReadSet
        var resolved: String?
    }

    private let state = Mutex(State())

    public init() {}

    /// Starts a scope: what is read from now until ``end()`` is returned by it.
    public func begin() {
        state.withLock { $0.scopes.append(ReadSet()) }
    }

    /// Ends the innermost scope: its reads, which the scope around it also gets.
    @discardableResult
    public func end() -> ReadSet {
        state.withLock { state in
            let ended = state.scopes.count > 1 ? state.scopes.removeLast() : state.scopes[0]
            state.scopes[state.scopes.count - 1].formUnion(ended)
            return ended
        }
    }

    /// `reads` (a memo's) count as read in the current scope.
    public func note(_ reads: ReadSet) {
        state.withLock { $0.scopes[$0.scopes.count - 1].formUnion(reads) }
    }

    /// The reads of `body` in a scope of their own, and its result.
    public func recording<T>(_ body: () throws -> T) rethrows -> (T, ReadSet) {
        begin()
        do {
            let value = try body()
            return (value, end())
        } catch {
            end()
            throw error
        }
    }

    func knownWalk(_ key: WalkKey) -> Walk? {
        state.withLock { $0.walks[key] }
    }

    func remember(_ walk: Walk, for key: WalkKey) {
        state.withLock { $0.walks[key] = walk }
    }

    func knownComponent(_ path: String) -> ImageRoot.Component? {
        state.withLock { $0.components[path] }
    }

    func remember(_ component: ImageRoot.Component, at path: String) {
        state.withLock { $0.components[path] = component }
    }
}
