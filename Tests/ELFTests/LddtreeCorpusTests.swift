import Foundation
import Testing

@testable import ELF

/// Resolves every dynamic executable of the machine's `/usr/bin` and `/usr/sbin` with `/` as
/// the image root and compares the whole dependency tree with pax-utils' `lddtree`.
///
/// Both are compared by the file each library name leads to (symbolic links resolved on the
/// host), since they may spell the same directory differently (`/lib/x86_64-linux-gnu` from
/// the cache, `/usr/lib/x86_64-linux-gnu` from `ld.so.conf`).
@Suite("Corpus: /usr/bin and /usr/sbin resolved like lddtree")
struct LddtreeCorpusTests {
    /// The dynamic executables (a `PT_INTERP`, not a library) among the regular files of
    /// `/usr/bin` and `/usr/sbin`, by path.
    static func executables() -> [String] {
        CorpusTests.candidates().filter { $0.hasPrefix("/usr/bin/") || $0.hasPrefix("/usr/sbin/") }.filter { path in
            guard let file = try? ELFFile(path: path) else { return false }
            return file.interpreter != nil && ELFKind(file) == .dynamicExecutable
        }
    }

    /// The host file `path` leads to, links resolved (the path itself when it does not exist).
    static func real(_ path: String?) -> String? {
        guard let path else { return nil }
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The resolver's tree as lddtree prints it: every library name, once, with its path.
    /// The interpreter's own name (libc's `DT_NEEDED` `ld-linux-x86-64.so.2`) is listed only
    /// when the executable itself needs it: elsewhere lddtree counts it as already shown by its
    /// `(interpreter => ...)` header.
    static func tree(_ resolution: Resolution) -> Lddtree.Tree {
        var tree = Lddtree.Tree(interpreter: resolution.interpreter)
        let interpreterName = resolution.interpreter.map { String($0.split(separator: "/").last ?? "") }
        func add(_ dependencies: [ResolvedDependency], direct: Bool) {
            for dependency in dependencies {
                if dependency.name == interpreterName {
                    #expect(
                        dependency.path == resolution.interpreter && dependency.method == .interpreter,
                        "\(resolution.path): \(dependency)")
                }
                if dependency.name != interpreterName || direct {
                    tree.libraries[dependency.name] = .some(dependency.path)
                }
                add(dependency.dependencies, direct: false)
            }
        }
        add(resolution.dependencies, direct: true)
        return tree
    }

    /// `tree` with every path replaced by the host file it leads to.
    static func real(_ tree: Lddtree.Tree) -> Lddtree.Tree {
        Lddtree.Tree(interpreter: real(tree.interpreter), libraries: tree.libraries.mapValues { real($0) })
    }

    /// The one exclusion: a tree with a `DT_NEEDED` path holding a dynamic string token
    /// (`$ORIGIN/../lib/libpython3.12.so.1.0`). glibc expands it (`ldd` shows the library) and
    /// so does the resolver; lddtree looks the name up as written and finds nothing, nor the
    /// libraries below it. The resolver's side of this is checked against `ldd` by
    /// `ResolutionTests.originInANeededPathIsExpanded`.
    static func needsTokenPath(_ tree: Lddtree.Tree) -> Bool {
        tree.libraries.keys.contains { $0.contains("/") && $0.contains("$") }
    }

    @Test func resolvedPathsAgreeWithLddtree() throws {
        let command = try #require(
            Lddtree.command(), "lddtree is missing: run scripts/install-dependencies (pax-utils, python3-pyelftools)")
        let clock = ContinuousClock()
        let began = clock.now
        let paths = Self.executables()
        #expect(paths.count > 100)
        let reference = try Lddtree.trees(paths, command: command)
        let resolver = DependencyResolver(root: ImageRoot("/"))
        var disagreements: [String] = []
        var unclean: [String] = []
        var libraries = 0
        var excluded: [String] = []
        for path in paths {
            let resolution = try resolver.resolve(path)
            guard let expected = reference[path] else {
                disagreements.append("\(path): lddtree printed no tree")
                continue
            }
            // The machine's own programs start: a finding is a false alarm unless lddtree
            // misses a library too (a broken installation).
            if !resolution.isClean && !expected.libraries.values.contains(nil) {
                unclean.append("\(path): \(resolution.findings)")
            }
            let resolved = Self.tree(resolution)
            if Self.needsTokenPath(resolved) {
                excluded.append(path)
                continue
            }
            let actual = Self.real(resolved)
            let wanted = Self.real(expected)
            libraries += actual.libraries.count
            if actual != wanted {
                let names = Set(actual.libraries.keys).union(wanted.libraries.keys).sorted()
                let differing = names.filter { actual.libraries[$0] != wanted.libraries[$0] }.map { name in
                    "\(name): resolver \((actual.libraries[name] ?? nil) ?? "-"), lddtree \((wanted.libraries[name] ?? nil) ?? "-")"
                }
                disagreements.append("\(path): interpreter \(actual.interpreter ?? "-") / \(wanted.interpreter ?? "-"); \(differing)")
            }
        }
        #expect(unclean.count == 0, "\(unclean.prefix(10))")
        #expect(excluded.count < paths.count / 20, "\(excluded)")
        #expect(
            disagreements.count == 0,
            "\(disagreements.count) of \(paths.count - excluded.count) differ:\n\(disagreements.prefix(10).joined(separator: "\n"))")
        let compared = paths.count - excluded.count
        print(
            "lddtree corpus: \(paths.count) dynamic executables, \(excluded.count) excluded \(excluded), \(libraries) resolved names; "
                + "\(compared - disagreements.count) of \(compared) agree with lddtree; \(clock.now - began)")
    }
}
