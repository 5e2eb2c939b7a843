import Builder
import Dockerfile
import Foundation
import Glibc
import Testing

/// `.dockerignore` rules for tests.
enum DockerIgnoreForTests {
    static func rules(_ text: String) throws -> DockerIgnore {
        try DockerIgnore(contents: text)
    }
}

@Suite("Build context")
struct BuildContextTests {
    @Test func dockerignoreSelectsAndKeepsParents() throws {
        let f = try CopyFixture()
        try f.file("docs/a.md")
        try f.file("docs/keep.md")
        try f.file("main.c")
        try f.file(".dockerignore", "docs\n!docs/keep.md\n")
        let context = try BuildContext(directory: f.source)
        #expect(context.ignoreFile == f.source + "/.dockerignore")
        let paths = try context.selectedPaths(for: ["."])
        #expect(paths.contains("docs") && paths.contains("docs/keep.md") && paths.contains("main.c"))
        #expect(!paths.contains("docs/a.md"))
    }

    @Test func perDockerfileIgnoreFileWins() throws {
        let f = try CopyFixture()
        try f.file("a.txt")
        try f.file("b.txt")
        try f.file(".dockerignore", "a.txt\n")
        try f.file("build/app.Dockerfile", "FROM scratch\n")
        try f.file("build/app.Dockerfile.dockerignore", "b.txt\n")
        let context = try BuildContext(directory: f.source, dockerfile: f.source + "/build/app.Dockerfile")
        let paths = try context.selectedPaths(for: ["*.txt"])
        #expect(paths == ["a.txt"])
    }

    @Test func symlinkOutOfContextIsCopiedAsLinkNotContent() throws {
        let f = try CopyFixture()
        try f.directory("dir")
        try f.symlink("dir/pw", to: "/etc/passwd")
        let context = try BuildContext(directory: f.source)
        try FileCopier.perform(CopyRequest(.copy, sources: [.path("dir")], destination: "/d/"), from: context.sourceTree, into: f.target)
        #expect(f.linkTarget("d/pw") == "/etc/passwd")
        // As a named source, the link resolves inside the context, where nothing is.
        #expect(throws: CopyError.self) { try context.selectedPaths(for: ["dir/pw"]) }
    }

    @Test func digestCoversContentAndMetadataButNotTime() throws {
        let f = try CopyFixture()
        try f.file("app/a", "one")
        try f.file("app/b", "two")
        let context = try BuildContext(directory: f.source)
        let first = try context.contentDigest(for: ["app"])
        var times = [timespec(tv_sec: 1, tv_nsec: 0), timespec(tv_sec: 1, tv_nsec: 0)]
        utimensat(AT_FDCWD, f.source + "/app/a", &times, 0)
        #expect(try context.contentDigest(for: ["app"]) == first)
        try f.file("app/a", "uno")
        let changed = try context.contentDigest(for: ["app"])
        #expect(changed != first)
        chmod(f.source + "/app/b", 0o755)
        #expect(try context.contentDigest(for: ["app"]) != changed)
        #expect(try context.contentDigest(for: ["app"], excludes: ["b"]) != context.contentDigest(for: ["app"]))
    }

    @Test func ignoredFilesDoNotChangeTheDigest() throws {
        let f = try CopyFixture()
        try f.file("a", "one")
        try f.file("junk.log", "1")
        try f.file(".dockerignore", "*.log\n")
        let context = try BuildContext(directory: f.source)
        let first = try context.contentDigest(for: ["."])
        try f.file("junk.log", "2")
        #expect(try context.contentDigest(for: ["."]) == first)
    }

    @Test func invalidIgnoreFileNamesItsLine() throws {
        let f = try CopyFixture()
        try f.file(".dockerignore", "ok\n!\n")
        #expect(throws: BuildContextError.self) { try BuildContext(directory: f.source) }
    }
}
