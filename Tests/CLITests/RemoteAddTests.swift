import Foundation
import Glibc
import Testing

/// A server the test runs on 127.0.0.1 (an ephemeral port), stopped by ``stop()``.
final class LocalServer {
    let process: Process
    let port: Int

    /// Starts `arguments` (a program that prints its port on its first line and serves).
    init(_ arguments: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            kill(process.processIdentifier, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(process.processIdentifier, &status, 0)
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
    }

    /// Kills it (SIGKILL: the test runner's children may inherit a blocked SIGTERM).
    /// Reaped with waitpid: Foundation's waitUntilExit can miss the exit of a child
    /// while other tests start and reap processes.
    func stop() {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}

/// `ADD` from URLs and git repositories, against an HTTP server (python) and a git daemon
/// the test runs on 127.0.0.1 with files and a repository it makes: names, bytes, modes,
/// times (`Last-Modified`, else the epoch), `--chown`/`--chmod`, archives copied as they
/// are, `--checksum`, git refs and subdirectories, `--keep-git-dir`, the cache, located
/// errors that leave nothing behind, and hostile names that stay in the destination.
@Suite("ADD from URLs and git", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct RemoteAddTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    /// What the HTTP server serves: a request is answered with the file named by the last
    /// component of its decoded path (`..` is served from `dotdot`).
    let served: URL
    /// A file outside the store and the context that no build may touch.
    let sentinel: URL
    /// 2001-09-09 01:46:40 UTC: the Last-Modified of served files.
    let modified: time_t = 1_000_000_000

    static let serverScript = #"""
        import email.utils, http.server, os, sys, urllib.parse
        root = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass
            def do_GET(self):
                path = urllib.parse.unquote(self.path.split('?')[0])
                if path.startswith('/redirect/'):
                    self.send_response(302)
                    self.send_header('Location', path[len('/redirect'):])
                    self.end_headers()
                    return
                name = path.rstrip('/').split('/')[-1]
                name = 'dotdot' if name == '..' else name
                file = os.path.join(root, name)
                if not name or not os.path.isfile(file):
                    self.send_error(404)
                    return
                data = open(file, 'rb').read()
                self.send_response(200)
                self.send_header('Content-Type', 'application/octet-stream')
                self.send_header('Content-Length', str(len(data)))
                if not path.startswith('/nolm/'):
                    self.send_header('Last-Modified', email.utils.formatdate(os.stat(file).st_mtime, usegmt=True))
                self.end_headers()
                self.wfile.write(data)
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        served = workspace.work.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        sentinel = workspace.work.appendingPathComponent("sentinel")
        try Data("untouched\n".utf8).write(to: sentinel)
        try Data(Self.serverScript.utf8).write(to: workspace.work.appendingPathComponent("server.py"))
    }

    func serve(_ name: String, _ content: String) throws {
        let file = served.appendingPathComponent(name)
        try Data(content.utf8).write(to: file)
        var times = [timespec(tv_sec: modified, tv_nsec: 0), timespec(tv_sec: modified, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, file.path, &times, 0) == 0)
    }

    func startHTTP() throws -> LocalServer {
        try LocalServer(["python3", work.appendingPathComponent("server.py").path, served.path])
    }

    func build(_ dockerfile: String, tag: String = "remote:latest", _ flags: [String] = []) throws -> SwiftBuildProcess.Result {
        try workspace.build(dockerfile, ["-t", tag, "--jobs", "1"] + flags)
    }

    /// Whether each filesystem step of `result` was CACHED, in order.
    func cachedSteps(_ result: SwiftBuildProcess.Result) -> [Bool] {
        result.standardError.split(separator: "\n").compactMap { line in
            line.hasSuffix(" CACHED") ? true : line.contains(" DONE ") ? false : nil
        }
    }

    func status(_ path: String, in root: URL) -> stat? {
        var result = stat()
        return lstat(root.appendingPathComponent(path).path, &result) == 0 ? result : nil
    }

    func text(_ path: String, in root: URL) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Nothing of a build stays in the store's work area.
    func expectNothingLeftBehind() throws {
        let tmp = store.appendingPathComponent("tmp")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        #expect(left.isEmpty, "left in tmp/: \(left)")
        #expect(text("sentinel", in: work) == "untouched\n")
    }

    @Test func urlsAreDownloadedWithBuildKitsNamesModesAndTimes() throws {
        defer { workspace.remove() }
        try serve("hello.txt", "hello over http\n")
        // A gzip'd tar: ADD extracts local archives, never downloaded ones.
        try ExternalTool.run([
            "sh", "-c", "cd \"$1\" && echo inside > member && tar czf archive.tar.gz member && rm member", "sh", served.path
        ])
        try Data("from the context\n".utf8).write(to: workspace.context.appendingPathComponent("local.txt"))
        let server = try startHTTP()
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let result = try build(
            """
            FROM busybox
            ADD \(base)/files/hello.txt /dir/
            ADD \(base)/nolm/archive.tar.gz /dir/
            ADD --chown=7:8 --chmod=640 \(base)/files/hello.txt /renamed.txt
            ADD \(base)/redirect/files/hello.txt /followed/
            ADD local.txt \(base)/files/hello.txt /mixed/
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("remote:latest")
        #expect(text("dir/hello.txt", in: root) == "hello over http\n")
        let hello = status("dir/hello.txt", in: root)
        #expect(hello.map { $0.st_mode & 0o7777 } == 0o600)
        #expect(hello.map { ($0.st_uid, $0.st_gid) } ?? (1, 1) == (0, 0))
        #expect(hello?.st_mtim.tv_sec == modified)
        let archive = status("dir/archive.tar.gz", in: root)
        #expect(archive.map { $0.st_mode & S_IFMT } == S_IFREG)
        #expect(
            try Data(contentsOf: root.appendingPathComponent("dir/archive.tar.gz"))
                == Data(contentsOf: served.appendingPathComponent("archive.tar.gz")))
        #expect(archive?.st_mtim.tv_sec == 0, "without Last-Modified the time is the epoch")
        #expect(status("dir/member", in: root) == nil)
        let renamed = status("renamed.txt", in: root)
        #expect(renamed.map { $0.st_mode & 0o7777 } == 0o640)
        #expect(renamed.map { ($0.st_uid, $0.st_gid) } ?? (0, 0) == (7, 8))
        #expect(text("followed/hello.txt", in: root) == "hello over http\n")
        #expect(text("mixed/local.txt", in: root) == "from the context\n")
        #expect(text("mixed/hello.txt", in: root) == "hello over http\n")
        try expectNothingLeftBehind()
    }

    @Test func checksumsAreVerifiedAndKeyTheCache() throws {
        defer { workspace.remove() }
        try serve("pinned.txt", "pinned content\n")
        let digest = try ExternalTool.run(["sha256sum", served.appendingPathComponent("pinned.txt").path]).prefix(64)
        let server = try startHTTP()
        let url = "http://127.0.0.1:\(server.port)/pinned.txt"
        let pinned = """
            FROM busybox
            ADD --checksum=sha256:\(digest) \(url) /pinned.txt
            """
        let first = try build(pinned)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(try text("pinned.txt", in: workspace.unpack("remote:latest")) == "pinned content\n")
        // The key is the checksum: with the server gone, the step is still a hit.
        server.stop()
        let again = try build(pinned)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(cachedSteps(again) == [true])

        let restarted = try startHTTP()
        defer { restarted.stop() }
        let wrong = String(repeating: "0", count: 64)
        let mismatch = try build(
            """
            FROM busybox
            ADD --checksum=sha256:\(wrong) http://127.0.0.1:\(restarted.port)/pinned.txt /pinned.txt
            """, tag: "mismatch:latest")
        #expect(mismatch.status != 0)
        #expect(mismatch.standardError.contains("Dockerfile:2"), "\(mismatch.standardError)")
        #expect(mismatch.standardError.contains("http://127.0.0.1:\(restarted.port)/pinned.txt"))
        #expect(mismatch.standardError.contains("checksum mismatch"))
        #expect(mismatch.standardError.contains("sha256:\(digest)"))
        #expect(!(try ExternalTool.run(["sh", "-c", "cat \"$1\"/index.json", "sh", store.path])).contains("mismatch:latest"))
        try expectNothingLeftBehind()
    }

    @Test func missingFilesAndUnreachableHostsAreLocatedErrors() throws {
        defer { workspace.remove() }
        let server = try startHTTP()
        defer { server.stop() }
        let missing = try build(
            """
            FROM busybox
            RUN true
            ADD http://127.0.0.1:\(server.port)/absent.txt /
            """)
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("Dockerfile:3"), "\(missing.standardError)")
        #expect(missing.standardError.contains("http://127.0.0.1:\(server.port)/absent.txt"))
        #expect(missing.standardError.contains("404"))
        // Port 1 on the loopback: nothing listens there.
        let unreachable = try build(
            """
            FROM busybox
            ADD http://127.0.0.1:1/file.txt /
            """)
        #expect(unreachable.status != 0)
        #expect(unreachable.standardError.contains("Dockerfile:2"), "\(unreachable.standardError)")
        #expect(unreachable.standardError.contains("http://127.0.0.1:1/file.txt"))
        // --checksum needs one URL or repository, and a sha256 digest for a URL.
        try Data("local\n".utf8).write(to: workspace.context.appendingPathComponent("local.txt"))
        let localChecksum = try build(
            """
            FROM busybox
            ADD --checksum=sha256:\(String(repeating: "0", count: 64)) local.txt /
            """)
        #expect(localChecksum.status != 0)
        #expect(localChecksum.standardError.contains("Dockerfile:2"), "\(localChecksum.standardError)")
        #expect(localChecksum.standardError.contains("--checksum requires an HTTP(S) or git source"))
        let badChecksum = try build(
            """
            FROM busybox
            ADD --checksum=md5:abc http://127.0.0.1:\(server.port)/file.txt /
            """)
        #expect(badChecksum.status != 0)
        #expect(badChecksum.standardError.contains("Dockerfile:2"), "\(badChecksum.standardError)")
        #expect(badChecksum.standardError.contains("invalid --checksum \"md5:abc\""))
        try expectNothingLeftBehind()
    }

    @Test func theCacheHitsWhenTheContentIsUnchangedAndMissesWhenItChanges() throws {
        defer { workspace.remove() }
        try serve("data.txt", "version 1\n")
        let server = try startHTTP()
        defer { server.stop() }
        let dockerfile = """
            FROM busybox
            ADD http://127.0.0.1:\(server.port)/data.txt /data.txt
            RUN cat /data.txt > /copy.txt
            """
        #expect(cachedSteps(try build(dockerfile)) == [false, false])
        #expect(cachedSteps(try build(dockerfile)) == [true, true])
        try serve("data.txt", "version 2\n")
        let changed = try build(dockerfile)
        #expect(cachedSteps(changed) == [false, false])
        #expect(try text("copy.txt", in: workspace.unpack("remote:latest")) == "version 2\n")
    }

    /// Names from URLs are file names: `..` and encoded slashes never leave the
    /// destination, and the sentinel next to the store stays as it was.
    @Test func hostileURLNamesStayInTheDestination() throws {
        defer { workspace.remove() }
        try serve("sentinel", "from the server\n")
        try serve("dotdot", "dot dot\n")
        let server = try startHTTP()
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let result = try build(
            """
            FROM busybox
            ADD \(base)/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2F\(work.path.dropFirst())%2Fsentinel /dest/
            ADD \(base)/a/.. /dest/
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("remote:latest")
        #expect(text("dest/sentinel", in: root) == "from the server\n")
        #expect(text("dest/download", in: root) == "dot dot\n")
        #expect(text("sentinel", in: work) == "untouched\n")
        try expectNothingLeftBehind()
    }

    // MARK: git

    /// A repository with a branch, a tag, a subdirectory, an executable, a symlink that
    /// points out of it, and a second commit on main; served by `git daemon`.
    func makeRepository() throws -> (server: LocalServer, tagCommit: String) {
        let repositories = work.appendingPathComponent("git")
        let source = work.appendingPathComponent("repo-source")
        let script = #"""
            set -e
            export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t HOME="$1"
            git init -q -b main "$2"
            cd "$2"
            mkdir -p sub/deeper
            echo one > sub/file.txt
            echo deep > sub/deeper/d.txt
            printf '#!/bin/sh\necho run\n' > tool.sh && chmod 755 tool.sh
            ln -s ../../../../../../.. escape
            git add -A && git commit -q -m one && git tag v1
            echo two > sub/file.txt
            git commit -q -am two
            git clone -q --bare "$2" "$3/repo.git"
            git rev-parse v1
            """#
        let output = try ExternalTool.run(["sh", "-c", script, "sh", work.path, source.path, repositories.path])
        let tagCommit = String(output.split(separator: "\n").last ?? "")
        let daemonScript = #"""
            import os, signal, socket, subprocess, sys
            # The test runner's children may inherit ignored or blocked signals; the
            # daemon needs SIGCHLD to reap its upload-pack children.
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(number, signal.SIG_DFL)
            s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()
            exec_path = subprocess.check_output(['git', '--exec-path'], text=True).strip()
            daemon = exec_path + '/git-daemon'
            # It runs each connection as git-daemon again, found through PATH.
            os.environ['PATH'] = exec_path + ':' + os.environ.get('PATH', '/usr/bin:/bin')
            print(port, flush=True)
            # git-daemon takes this process's place, so killing it stops the daemon.
            os.execv(daemon, ['git-daemon', '--reuseaddr', '--export-all', '--listen=127.0.0.1', '--port=%d' % port,
                              '--base-path=' + sys.argv[1], sys.argv[1]])
            """#
        try Data(daemonScript.utf8).write(to: work.appendingPathComponent("daemon.py"))
        let server = try LocalServer(["python3", work.appendingPathComponent("daemon.py").path, repositories.path])
        // git daemon listens a moment after the port is printed.
        for _ in 0..<100 {
            if (try? ExternalTool.run(["git", "ls-remote", "git://127.0.0.1:\(server.port)/repo.git"])) != nil { break }
            usleep(100_000)
        }
        return (server, tagCommit)
    }

    @Test func gitSourcesCheckOutRefsAndSubdirectories() throws {
        defer { workspace.remove() }
        let (server, tagCommit) = try makeRepository()
        defer { server.stop() }
        let repository = "git://127.0.0.1:\(server.port)/repo.git"
        let result = try build(
            """
            FROM busybox
            ADD \(repository) /main/
            ADD \(repository)#v1:sub /tagged/
            ADD --keep-git-dir=true \(repository)#main /kept/
            ADD --chown=5:6 \(repository)#\(tagCommit):sub/deeper /commit/
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("remote:latest")
        #expect(text("main/sub/file.txt", in: root) == "two\n")
        #expect(status("main/tool.sh", in: root).map { $0.st_mode & 0o7777 } == 0o755)
        #expect(status("main/sub/file.txt", in: root).map { $0.st_mode & 0o7777 } == 0o644)
        #expect(status("main/escape", in: root).map { $0.st_mode & S_IFMT } == S_IFLNK)
        #expect(status("main/.git", in: root) == nil)
        #expect(text("tagged/file.txt", in: root) == "one\n")
        #expect(text("tagged/deeper/d.txt", in: root) == "deep\n")
        #expect(status("tagged/tool.sh", in: root) == nil)
        #expect(status("kept/.git", in: root).map { $0.st_mode & S_IFMT } == S_IFDIR)
        #expect(text("kept/sub/file.txt", in: root) == "two\n")
        #expect(text("commit/d.txt", in: root) == "deep\n")
        #expect(status("commit/d.txt", in: root).map { ($0.st_uid, $0.st_gid) } ?? (0, 0) == (5, 6))
        #expect(text("sentinel", in: work) == "untouched\n")
        try expectNothingLeftBehind()
    }

    /// The key is the commit: a rebuild hits while the branch stays, and runs again once
    /// the branch has a new commit.
    @Test func gitSourcesHitTheCacheUntilTheBranchMoves() throws {
        defer { workspace.remove() }
        let (server, _) = try makeRepository()
        defer { server.stop() }
        let dockerfile = """
            FROM busybox
            ADD git://127.0.0.1:\(server.port)/repo.git#main:sub /src/
            """
        #expect(cachedSteps(try build(dockerfile)) == [false])
        #expect(cachedSteps(try build(dockerfile)) == [true])
        let script = #"""
            set -e
            export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t HOME="$1"
            cd "$2" && echo three > sub/file.txt && git commit -q -am three && git push -q "$3" main
            """#
        try ExternalTool.run([
            "sh", "-c", script, "sh", work.path, work.appendingPathComponent("repo-source").path,
            work.appendingPathComponent("git/repo.git").path
        ])
        #expect(cachedSteps(try build(dockerfile)) == [false])
        #expect(try text("src/file.txt", in: workspace.unpack("remote:latest")) == "three\n")
    }

    /// `http://host/…/repo.git#ref:subdir`: a URL whose path ends in `.git` is a repository,
    /// fetched with git's smart HTTP protocol (`git http-backend` behind python's CGI server).
    @Test func gitRepositoriesOverHTTP() throws {
        defer { workspace.remove() }
        let (daemon, _) = try makeRepository()
        daemon.stop()
        let cgi = work.appendingPathComponent("cgi/cgi-bin")
        try FileManager.default.createDirectory(at: cgi, withIntermediateDirectories: true)
        try Data("#!/bin/sh\nexec git http-backend\n".utf8).write(to: cgi.appendingPathComponent("git"))
        chmod(cgi.appendingPathComponent("git").path, 0o755)
        let serverScript = #"""
            import http.server, os, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
                signal.signal(number, signal.SIG_DFL)
            os.environ['GIT_PROJECT_ROOT'] = sys.argv[1]
            os.environ['GIT_HTTP_EXPORT_ALL'] = '1'
            os.chdir(sys.argv[2])
            # As root, the CGI server would run the backend as nobody, who cannot read the
            # test's private directory.
            http.server.nobody_uid = os.getuid
            class Handler(http.server.CGIHTTPRequestHandler):
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """#
        try Data(serverScript.utf8).write(to: work.appendingPathComponent("cgi.py"))
        let server = try LocalServer([
            "python3", "-W", "ignore", work.appendingPathComponent("cgi.py").path, work.appendingPathComponent("git").path,
            work.appendingPathComponent("cgi").path
        ])
        defer { server.stop() }
        let result = try build(
            """
            FROM busybox
            ADD http://127.0.0.1:\(server.port)/cgi-bin/git/repo.git#v1:sub /over-http/
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("remote:latest")
        #expect(text("over-http/file.txt", in: root) == "one\n")
        #expect(text("over-http/deeper/d.txt", in: root) == "deep\n")
        try expectNothingLeftBehind()
    }

    @Test func badGitSourcesAreLocatedErrors() throws {
        defer { workspace.remove() }
        let (server, _) = try makeRepository()
        defer { server.stop() }
        let repository = "git://127.0.0.1:\(server.port)/repo.git"
        // The subdirectory may not be reached through a symlink (it would lead out).
        let throughLink = try build(
            """
            FROM busybox
            ADD \(repository)#main:escape /x/
            """)
        #expect(throughLink.status != 0)
        #expect(throughLink.standardError.contains("Dockerfile:2"), "\(throughLink.standardError)")
        #expect(throughLink.standardError.contains("escape"))
        let missingRef = try build(
            """
            FROM busybox
            ADD \(repository)#no-such-branch /x/
            """)
        #expect(missingRef.status != 0)
        #expect(missingRef.standardError.contains("Dockerfile:2"), "\(missingRef.standardError)")
        #expect(missingRef.standardError.contains(repository))
        let wrongCommit = try build(
            """
            FROM busybox
            ADD --checksum=\(String(repeating: "a", count: 40)) \(repository)#main /x/
            """)
        #expect(wrongCommit.status != 0)
        #expect(wrongCommit.standardError.contains("checksum mismatch"), "\(wrongCommit.standardError)")
        try expectNothingLeftBehind()
    }
}
