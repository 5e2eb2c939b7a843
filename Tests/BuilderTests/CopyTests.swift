import Builder
import Foundation
import Glibc
import Testing

/// A source tree and a target root in a fresh temporary directory, removed afterwards.
final class CopyFixture {
    let base: String
    var source: String { base + "/src" }
    var target: String { base + "/root" }

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("copytest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base + "/src", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/root", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: base)
    }

    /// Writes `content` at `path` (relative to `in`, default the source), creating parents.
    func file(_ path: String, _ content: String = "x", mode: mode_t = 0o644, in root: String? = nil) throws {
        let full = (root ?? source) + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: full))
        chmod(full, mode)
    }

    func directory(_ path: String, in root: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: (root ?? source) + "/" + path, withIntermediateDirectories: true)
    }

    func symlink(_ path: String, to target: String, in root: String? = nil) throws {
        try FileManager.default.createSymbolicLink(atPath: (root ?? source) + "/" + path, withDestinationPath: target)
    }

    /// Copies with a request built from the arguments, from the source as a context.
    func copy(
        _ sources: [String],
        _ destination: String,
        instruction: CopyInstruction = .copy,
        workdir: String = "/",
        configure: (inout CopyRequest) -> Void = { _ in },
        tree: SourceTree? = nil
    ) throws {
        var request = CopyRequest(instruction, sources: sources.map(CopySource.path), destination: destination, workingDirectory: workdir)
        configure(&request)
        try FileCopier.perform(request, from: tree ?? SourceTree(directory: source, ignore: nil, preservesOwnership: false), into: target)
    }

    func content(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: target + "/" + path))).map { String(decoding: $0, as: UTF8.self) }
    }

    func lstat(_ path: String) -> stat? {
        var status = stat()
        return Glibc.lstat(target + "/" + path, &status) == 0 ? status : nil
    }

    func linkTarget(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: target + "/" + path)
    }

    func exists(_ path: String) -> Bool { lstat(path) != nil }
}

/// The copy error's problem, or nil when `body` succeeds.
func copyProblem(_ body: () throws -> Void) -> CopyError.Problem? {
    do {
        try body()
        return nil
    } catch let error as CopyError {
        return error.problem
    } catch {
        return nil
    }
}

@Suite("COPY and ADD")
struct CopyTests {
    // Compared with buildah 1.28 (`COPY *.txt /w/`): both files land in /w/.
    @Test func wildcardCopiesEveryMatchIntoDirectory() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "a")
        try f.file("b.txt", "b")
        try f.file("c.md")
        try f.copy(["*.txt"], "/dir/")
        #expect(f.content("dir/a.txt") == "a")
        #expect(f.content("dir/b.txt") == "b")
        #expect(!f.exists("dir/c.md"))
    }

    @Test func wildcardsWorkPerComponent() throws {
        let f = try CopyFixture()
        try f.file("d1/x.go", "1")
        try f.file("d2/x.go", "2")
        try f.file("d2/sub/x.go", "3")
        try f.file("e1/x.go")
        try f.copy(["d?/*.go"], "/o/")
        #expect(f.content("o/x.go") == "2")  // the later match overwrites
        #expect(!f.exists("o/sub"))
        try f.copy(["[d]1/x.go"], "/p")
        #expect(f.content("p") == "1")
    }

    /// BuildKit (AllowEmptyWildcard): a wildcard matching nothing adds nothing; the other
    /// sources are copied, and a step whose sources all match nothing copies nothing and
    /// makes no destination.
    @Test func wildcardWithoutMatchCopiesTheOtherSources() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "a")
        try f.file("b.txt", "b")
        try f.copy(["a.txt", "*.nomatch"], "/x/")
        #expect(f.content("x/a.txt") == "a")
        try f.copy(["*.nomatch"], "/y/")
        try f.copy(["no[m]atch", "none/*"], "/z")
        #expect(!f.exists("y") && !f.exists("z"))
        // One source left: a destination without `/` is its name, as with one source.
        try f.copy(["a.txt", "*.nomatch"], "/q")
        #expect(f.content("q") == "a")
        try f.copy(["*.nomatch", "b.txt"], "/r/", instruction: .add)
        #expect(f.content("r/b.txt") == "b")
        // A named source must still exist.
        #expect(copyProblem { try f.copy(["*.nomatch", "missing"], "/s/") } == .sourceNotFound("/missing", ignoreFileApplies: false))
        #expect(!f.exists("s"))
    }

    @Test func missingSourceIsAnError() throws {
        let f = try CopyFixture()
        #expect(copyProblem { try f.copy(["missing"], "/d/") } == .sourceNotFound("/missing", ignoreFileApplies: false))
    }

    @Test func directorySourceCopiesItsContents() throws {
        let f = try CopyFixture()
        try f.file("dir/a", "a")
        try f.file("dir/sub/b", "b")
        try f.copy(["dir"], "/dest")
        #expect(f.content("dest/a") == "a")
        #expect(f.content("dest/sub/b") == "b")
        #expect(!f.exists("dest/dir"))
    }

    // Buildah 1.28 accepts `COPY *.txt /w` and makes /w a directory; the Dockerfile
    // reference (and Docker's wording below) requires the trailing slash: we follow it.
    @Test func severalSourcesNeedTrailingSlash() throws {
        let f = try CopyFixture()
        try f.file("a.txt")
        try f.file("b.txt")
        let problem = copyProblem { try f.copy(["a.txt", "b.txt"], "/d") }
        #expect(problem == .destinationMustBeDirectory)
        #expect(
            CopyError(.add, problem!).description
                == "When using ADD with more than one source file, the destination must be a directory and end with a /")
        #expect(copyProblem { try f.copy(["*.txt"], "/d") } == .destinationMustBeDirectory)
        #expect(!f.exists("d"))
        // `.` counts as a directory, as BuildKit and buildah treat it.
        try f.copy(["a.txt", "b.txt"], ".", workdir: "/w")
        #expect(f.exists("w/a.txt") && f.exists("w/b.txt"))
    }

    @Test func fileGoesIntoSlashDestinationOrExistingDirectory() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "a")
        try f.directory("existing", in: f.target)
        try f.copy(["a.txt"], "/new/")
        try f.copy(["a.txt"], "/existing")
        try f.copy(["a.txt"], "renamed", workdir: "/app")
        #expect(f.content("new/a.txt") == "a")
        #expect(f.content("existing/a.txt") == "a")
        #expect(f.content("app/renamed") == "a")
    }

    // Compared with buildah 1.28: created parents are 0755 and belong to the --chown
    // owner (BuildKit's MkdirAll does the same); files keep their mode and mtime.
    @Test func ownershipModesAndTimes() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "a", mode: 0o600)
        var times = [timespec(tv_sec: 978_307_200, tv_nsec: 0), timespec(tv_sec: 978_307_200, tv_nsec: 0)]
        utimensat(AT_FDCWD, f.source + "/a.txt", &times, 0)
        chown(f.source + "/a.txt", 123, 456)
        try f.copy(["a.txt"], "/plain/")
        #expect(f.lstat("plain/a.txt")?.st_uid == 0)
        #expect(f.lstat("plain/a.txt")?.st_mode == S_IFREG | 0o600)
        #expect(f.lstat("plain/a.txt")?.st_mtim.tv_sec == 978_307_200)
        try f.copy(["a.txt"], "/p1/p2/") { $0.owner = FileOwner(uid: 1000, gid: 1001) }
        #expect(f.lstat("p1")?.st_uid == 1000 && f.lstat("p1")?.st_gid == 1001)
        #expect(f.lstat("p1")?.st_mode == S_IFDIR | 0o755)
        #expect(f.lstat("p1/p2/a.txt")?.st_uid == 1000)
        // From another stage's root, ownership is kept (BuildKit).
        try f.copy(["a.txt"], "/kept/", tree: .rootFilesystem(at: f.source))
        #expect(f.lstat("kept/a.txt")?.st_uid == 123 && f.lstat("kept/a.txt")?.st_gid == 456)
    }

    // Compared with buildah 1.28: --chmod=640 applies to files and subdirectories, not to
    // the destination directory the copy creates.
    @Test func chmodOctalAndSymbolic() throws {
        let f = try CopyFixture()
        try f.file("dir/sub/z", mode: 0o644)
        try f.copy(["dir"], "/c/") { $0.modeChange = try? FileModeChange(parsing: "640") }
        #expect(f.lstat("c")?.st_mode == S_IFDIR | 0o755)
        #expect(f.lstat("c/sub")?.st_mode == S_IFDIR | 0o640)
        #expect(f.lstat("c/sub/z")?.st_mode == S_IFREG | 0o640)
        try f.copy(["dir/sub/z"], "/s/") { $0.modeChange = try? FileModeChange(parsing: "u+x,g-r") }
        #expect(f.lstat("s/z")?.st_mode == S_IFREG | 0o704)
        let symbolic = try FileModeChange(parsing: "a=rX")
        #expect(symbolic.apply(to: 0o700, isDirectory: true) == 0o555)
        #expect(symbolic.apply(to: 0o600, isDirectory: false) == 0o444)
        #expect(throws: CopyError.Problem.invalidMode("u+q")) { try FileModeChange(parsing: "u+q") }
    }

    // Compared with buildah 1.28: symlinks inside a copied directory stay symlinks (also one
    // to /etc/passwd), a source that is a symlink is followed, hard links stay linked.
    @Test func symlinksAndHardLinks() throws {
        let f = try CopyFixture()
        try f.file("dir/f", "f")
        try f.symlink("dir/pw", to: "/etc/passwd")
        try f.symlink("dir/lnk", to: "f")
        link(f.source + "/dir/f", f.source + "/dir/hard")
        try f.file("a.txt", "a")
        try f.symlink("srclink", to: "a.txt")
        try f.symlink("dirlink", to: "dir")
        try f.copy(["dir"], "/d/")
        #expect(f.linkTarget("d/pw") == "/etc/passwd")
        #expect(f.linkTarget("d/lnk") == "f")
        #expect(f.lstat("d/f")?.st_ino == f.lstat("d/hard")?.st_ino)
        try f.copy(["srclink"], "/sl/")
        #expect(f.content("sl/srclink") == "a")
        #expect(f.lstat("sl/srclink")?.st_mode ?? 0 & S_IFMT == S_IFREG | 0o644)
        try f.copy(["dirlink"], "/dl/")
        #expect(f.content("dl/f") == "f")
    }

    @Test func sourcesNeverLeaveTheSourceRoot() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "inside")
        try Data("outside".utf8).write(to: URL(fileURLWithPath: f.base + "/a.txt"))
        try f.symlink("escape", to: "../../../../a.txt")
        try f.symlink("abs", to: "/a.txt")
        try f.copy(["../a.txt"], "/up/")
        try f.copy(["/a.txt"], "/abs/")
        try f.copy(["escape"], "/esc/")
        try f.copy(["abs"], "/abslink/")
        #expect(f.content("up/a.txt") == "inside")
        #expect(f.content("abs/a.txt") == "inside")
        #expect(f.content("esc/escape") == "inside")
        #expect(f.content("abslink/abs") == "inside")
    }

    // Compared with buildah 1.28: `COPY a.txt /bin/` with /bin -> usr/bin lands in /usr/bin.
    @Test func destinationFollowsTargetSymlinksInsideRoot() throws {
        let f = try CopyFixture()
        try f.file("a.txt", "a")
        try f.directory("usr/bin", in: f.target)
        try f.symlink("bin", to: "usr/bin", in: f.target)
        try f.symlink("evil", to: "/", in: f.target)
        try f.symlink("up", to: "../../../../..", in: f.target)
        try f.copy(["a.txt"], "/bin/")
        #expect(f.content("usr/bin/a.txt") == "a")
        try f.copy(["a.txt"], "/evil/etc/")
        #expect(f.content("etc/a.txt") == "a")
        try f.copy(["a.txt"], "/up/tmp/x")
        #expect(f.content("tmp/x") == "a")
        #expect(!FileManager.default.fileExists(atPath: f.base + "/tmp/x"))
    }

    @Test func existingDestinationTypesFollowBuildKit() throws {
        let f = try CopyFixture()
        try f.file("dir/sub", "file")
        try f.file("dir2/name/inner")
        try f.directory("d1/sub", in: f.target)
        try f.file("d2/name", in: f.target)
        #expect(copyProblem { try f.copy(["dir"], "/d1/") } == .cannotReplaceDirectory("/d1/sub"))
        #expect(copyProblem { try f.copy(["dir2"], "/d2/") } == .notADirectory("/d2/name"))
    }

    @Test func dockerignoreAndExcludes() throws {
        let f = try CopyFixture()
        try f.file("ign/keep", "k")
        try f.file("ign/drop")
        try f.file("logs/a.log")
        try f.file("logs/keep.log")
        try f.file("src/a.go")
        try f.file("src/a_test.go")
        let ignore = try DockerIgnoreForTests.rules("ign/drop\nlogs\n!logs/keep.log\n")
        let tree = SourceTree(directory: f.source, ignore: ignore, preservesOwnership: false)
        try f.copy(["."], "/all/", tree: tree)
        #expect(f.exists("all/ign/keep") && !f.exists("all/ign/drop"))
        #expect(f.exists("all/logs/keep.log") && !f.exists("all/logs/a.log"))
        #expect(copyProblem { try f.copy(["ign/drop"], "/x/", tree: tree) } == .sourceNotFound("/ign/drop", ignoreFileApplies: true))
        try f.copy(["src"], "/ex/") { $0.excludes = ["*_test.go"] }
        #expect(f.exists("ex/a.go") && !f.exists("ex/a_test.go"))
    }

    @Test func parentsKeepSourcePaths() throws {
        let f = try CopyFixture()
        try f.file("a/b/c.txt", "c")
        try f.file("x/y/z.txt", "z")
        try f.copy(["a/b/c.txt", "x/./y/z.txt"], "/p/") { $0.parents = true }
        #expect(f.content("p/a/b/c.txt") == "c")
        #expect(f.content("p/y/z.txt") == "z")
    }

    @Test func inlineSourcesAreWrittenLikeFiles() throws {
        let f = try CopyFixture()
        let request = CopyRequest(.copy, sources: [.inline(name: "EOF", content: Array("hello\n".utf8))], destination: "/etc/motd")
        try FileCopier.perform(request, from: SourceTree(directory: f.source, ignore: nil, preservesOwnership: false), into: f.target)
        #expect(f.content("etc/motd") == "hello\n")
        #expect(f.lstat("etc/motd")?.st_mode == S_IFREG | 0o644)
    }

    @Test func copyRefusesRemoteSources() throws {
        let f = try CopyFixture()
        #expect(
            copyProblem { try f.copy(["https://example.com/x.tgz"], "/", instruction: .copy) }
                == .remoteSourceNotSupported("https://example.com/x.tgz"))
        #expect(
            copyProblem { try f.copy(["git@github.com:a/b.git"], "/", instruction: .copy) }
                == .remoteSourceNotSupported("git@github.com:a/b.git"))
    }

    @Test(arguments: ["", "z", "j", "J", "--zstd"])
    func addExtractsArchivesDetectedByContent(compression: String) throws {
        let f = try CopyFixture()
        try f.file("staging/top/file.txt", "in archive", mode: 0o600)
        try f.symlink("staging/top/link", to: "file.txt")
        let flag = compression.isEmpty ? [] : [compression.hasPrefix("-") ? compression : "-" + compression]
        try run("/usr/bin/tar", ["-c"] + flag + ["-f", f.source + "/archive.bin", "-C", f.source + "/staging", "top"])
        try f.copy(["archive.bin"], "/opt", instruction: .add)
        #expect(f.content("opt/top/file.txt") == "in archive")
        #expect(f.lstat("opt/top/file.txt")?.st_mode == S_IFREG | 0o600)
        #expect(f.linkTarget("opt/top/link") == "file.txt")
        // COPY never extracts.
        try f.copy(["archive.bin"], "/copied", instruction: .copy)
        #expect(f.lstat("copied")?.st_mode ?? 0 & S_IFMT == S_IFREG | 0o644)
    }

    /// BuildKit keeps an archive entry's setuid, setgid and sticky bits; a chown after the
    /// chmod would clear the first two (the entries here belong to 1000:1000, so it happens).
    @Test func addKeepsSpecialBitsOfArchiveEntries() throws {
        let f = try CopyFixture()
        try f.file("staging/d/suid", "s", mode: 0o4755)
        try f.file("staging/d/sgid", "g", mode: 0o2711)
        try f.directory("staging/d/sticky")
        chmod(f.source + "/staging/d/sticky", 0o1777)
        try run("/usr/bin/mkfifo", ["-m", "640", f.source + "/staging/d/fifo"])
        chmod(f.source + "/staging/d/fifo", 0o2640)
        try run(
            "/usr/bin/tar",
            ["-c", "--owner=1000", "--group=1000", "--numeric-owner", "-f", f.source + "/a.tar", "-C", f.source + "/staging", "d"])
        try f.copy(["a.tar"], "/", instruction: .add)
        #expect(f.lstat("d/suid")?.st_mode == S_IFREG | 0o4755)
        #expect(f.lstat("d/suid")?.st_uid == 1000)
        #expect(f.lstat("d/sgid")?.st_mode == S_IFREG | 0o2711)
        #expect(f.lstat("d/sticky")?.st_mode == S_IFDIR | 0o1777)
        #expect(f.lstat("d/fifo")?.st_mode == S_IFIFO | 0o2640)
        #expect(f.lstat("d/fifo")?.st_gid == 1000)
    }

    @Test func addCopiesCompressedNonArchives() throws {
        let f = try CopyFixture()
        try f.file("plain.txt", "text")
        try run("/usr/bin/gzip", ["-k", f.source + "/plain.txt"])
        try f.copy(["plain.txt.gz"], "/g/", instruction: .add)
        #expect(f.lstat("g/plain.txt.gz")?.st_mode == S_IFREG | 0o644)
    }

    @Test func addRefusesArchiveEntriesLeavingTheDestination() throws {
        let f = try CopyFixture()
        try f.file("evil.txt", "evil")
        try run("/usr/bin/tar", ["-c", "-P", "-f", f.source + "/evil.tar", "--transform", "s,^,../../,", "-C", f.source, "evil.txt"])
        let problem = copyProblem { try f.copy(["evil.tar"], "/x/", instruction: .add) }
        guard case .unsafeArchiveEntry(_, let entry, _) = problem else {
            Issue.record("expected an unsafe entry, got \(String(describing: problem))")
            return
        }
        #expect(entry == "../../evil.txt")
        #expect(
            !FileManager.default.fileExists(atPath: f.base + "/evil.txt")
                || (try? String(contentsOfFile: f.base + "/evil.txt", encoding: .utf8)) == nil)
    }

    @Test func userDatabaseResolvesChown() throws {
        let f = try CopyFixture()
        try f.file("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n", in: f.target)
        try f.file("etc/group", "root:x:0:\napp:x:1001:\nstaff:x:50:app\n", in: f.target)
        let database = try UserDatabase(root: f.target)
        #expect(try database.owner(for: "app") == FileOwner(uid: 1000, gid: 1001))
        #expect(try database.owner(for: "app:staff") == FileOwner(uid: 1000, gid: 50))
        #expect(try database.owner(for: "42") == FileOwner(uid: 42, gid: 42))
        #expect(try database.owner(for: "42:staff") == FileOwner(uid: 42, gid: 50))
        #expect(throws: UserLookupError(value: "nobody", file: "/etc/passwd", reason: .unknownName)) { try database.owner(for: "nobody") }
        #expect(throws: UserLookupError(value: "wheel", file: "/etc/group", reason: .unknownName)) { try database.owner(for: "app:wheel") }
        #expect(try database.runUser("app") == ResolvedUser(uid: 1000, gid: 1001, supplementaryGroups: [50]))
    }

    @Test func userDatabaseStaysInsideRoot() throws {
        let f = try CopyFixture()
        try f.directory("etc", in: f.target)
        try f.symlink("etc/passwd", to: "../../../../../../../etc/image-passwd", in: f.target)
        try f.file("etc/image-passwd", "daemon:x:7:7::/root:/bin/sh\n", in: f.target)
        let database = try UserDatabase(root: f.target)
        // The link climbs out lexically, but resolves inside the image: not the host's file.
        #expect(try database.owner(for: "daemon") == FileOwner(uid: 7, gid: 7))
        #expect(throws: UserLookupError(value: "staff", file: "/etc/group", reason: .missingFile)) {
            try database.owner(for: "daemon:staff")
        }
        #expect(try database.owner(for: "0:0") == FileOwner.root)
    }
}

/// Runs a tool, failing the test when it fails.
func run(_ tool: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(tool) \(arguments)")
}
