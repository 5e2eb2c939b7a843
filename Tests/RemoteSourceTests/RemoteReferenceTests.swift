import Foundation
import RemoteSource
import Testing

/// Which `ADD` sources are fetched and how, as BuildKit's Dockerfile frontend classifies
/// them; the names downloads get; HTTP dates.
struct RemoteReferenceTests {
    @Test func urlsAreFilesUnlessTheirPathEndsInDotGit() throws {
        #expect(
            try RemoteReference.classify("https://example.com/a/b.tar.gz")
                == .http(url: "https://example.com/a/b.tar.gz", fileName: "b.tar.gz"))
        #expect(try RemoteReference.classify("HTTP://example.com/x?y=1") == .http(url: "HTTP://example.com/x?y=1", fileName: "x"))
        guard case .git(let git)? = try RemoteReference.classify("https://example.com/org/repo.git#v1.0:docs/../src") else {
            Issue.record("not a git source")
            return
        }
        #expect(git.remote == "https://example.com/org/repo.git")
        #expect(git.ref == "v1.0")
        #expect(git.subdirectory == "src")
    }

    @Test func gitAndSSHAddressesAreRepositories() throws {
        guard case .git(let scp)? = try RemoteReference.classify("git@github.com:moby/buildkit.git#main") else {
            Issue.record("not a git source")
            return
        }
        #expect(scp.remote == "git@github.com:moby/buildkit.git")
        #expect(scp.ref == "main")
        #expect(scp.subdirectory == nil)
        guard case .git(let plain)? = try RemoteReference.classify("git://127.0.0.1:9418/repo.git?keep-git-dir=1&subdir=a/b") else {
            Issue.record("not a git source")
            return
        }
        #expect(plain.keepGitDirectory == true)
        #expect(plain.subdirectory == "a/b")
        #expect(plain.ref == nil)
        guard case .git(let ssh)? = try RemoteReference.classify("ssh://git@host/repo#:../../sub") else {
            Issue.record("not a git source")
            return
        }
        #expect(ssh.ref == nil)
        #expect(ssh.subdirectory == "sub", "`..` stops at the repository's root")
    }

    @Test func localPathsAreNotRemote() throws {
        #expect(try RemoteReference.classify("src/") == nil)
        #expect(try RemoteReference.classify("a@b") == nil)
        #expect(try RemoteReference.classify("/abs/path:x") == nil)
        #expect(try RemoteReference.classify("with space@host:x") == nil)
    }

    @Test func otherSchemesAndBadQueriesAreRefused() {
        #expect(throws: RemoteSourceError.self) { try RemoteReference.classify("ftp://example.com/file") }
        #expect(throws: RemoteSourceError.self) { try RemoteReference.classify("https://example.com/r.git?unknown=1") }
        #expect(throws: RemoteSourceError.self) { try RemoteReference.classify("https://example.com/r.git?ref=a#b") }
        #expect(throws: RemoteSourceError.self) { try RemoteReference.classify("https://") }
    }

    @Test func fileNamesAreTheLastDecodedComponentAndNeverLeaveADirectory() {
        #expect(RemoteReference.fileName(ofURLPath: "/a/b/file.txt") == "file.txt")
        #expect(RemoteReference.fileName(ofURLPath: "/a/b/") == "b")
        #expect(RemoteReference.fileName(ofURLPath: "/") == "__unnamed__")
        #expect(RemoteReference.fileName(ofURLPath: "") == "__unnamed__")
        #expect(RemoteReference.fileName(ofURLPath: "/..") == "download")
        #expect(RemoteReference.fileName(ofURLPath: "/a/b\u{1}c") == "download")
        // URL(string:).path decodes %2F, so an encoded slash separates components.
        let decoded = URL(string: "http://h/x%2F..%2F..%2Fetc%2Fpasswd")!.path
        #expect(RemoteReference.fileName(ofURLPath: decoded) == "passwd")
    }

    @Test func httpDatesInTheirThreeForms() {
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDownloader.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDownloader.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDownloader.parseHTTPDate("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDownloader.parseHTTPDate("yesterday") == nil)
    }
}
