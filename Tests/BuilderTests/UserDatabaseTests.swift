import Glibc
import Testing

@testable import Builder

/// USER and `--chown` resolution from file contents, as BuildKit and runc resolve them.
@Suite("Users and groups")
struct UserDatabaseTests {
    static let passwd = """
        root:x:0:0:root:/root:/bin/sh
        app:x:1000:1001::/home/app:/bin/sh
        """
    static let group = "root:x:0:root\napp:x:1001:\nstaff:x:50:app,other\nwheel:x:10:root,app\n"

    /// An image without /etc/passwd or /etc/group (scratch, static busybox alone, ...).
    let bare = UserDatabase(passwd: nil, group: nil)
    let listed = UserDatabase(passwd: Self.passwd, group: Self.group)

    @Test func runWithoutPasswdNeedsNoFileForNoUserOrNumbers() throws {
        #expect(try bare.runUser("") == ResolvedUser(uid: 0, gid: 0))
        #expect(try bare.runUser("1000") == ResolvedUser(uid: 1000, gid: 0))
        #expect(try bare.runUser("1000:1000") == ResolvedUser(uid: 1000, gid: 1000))
        #expect(try bare.runUser("root:root") == ResolvedUser(uid: 0, gid: 0))
        #expect(try bare.runUser("65534:root") == ResolvedUser(uid: 65534, gid: 0))
        #expect(try bare.runUser("4294967295:1") == ResolvedUser(uid: 4_294_967_295, gid: 1))
        #expect(try bare.runUser("0:") == ResolvedUser(uid: 0, gid: 0))
    }

    @Test func runWithoutPasswdRejectsNamesWithRuncsWords() {
        func message(_ spec: String) -> String? {
            do {
                _ = try bare.runUser(spec)
                return nil
            } catch {
                return error.description
            }
        }
        // `root` alone is a name for runc: only `root:group` takes BuildKit's fast path.
        #expect(message("root") == "unable to find user root: no matching entries in passwd file")
        #expect(message("nobody") == "unable to find user nobody: no matching entries in passwd file")
        #expect(message("nobody:0") == "unable to find user nobody: no matching entries in passwd file")
        #expect(message("1000:staff") == "unable to find group staff: no matching entries in group file")
        #expect(message("-1") == "uids and gids must be in range 0-2147483647")
        #expect(message("2147483648") == "uids and gids must be in range 0-2147483647")
        #expect(message("1:99999999999999999999") == "uids and gids must be in range 0-2147483647")
        // Refused before any lookup: the error names no database file.
        #expect(throws: UserLookupError(value: "-1", file: nil, reason: .outOfRange)) { try bare.runUser("-1") }
    }

    @Test func runWithPasswdAndGroup() throws {
        #expect(try listed.runUser("") == ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [0, 10]))
        #expect(try listed.runUser("app") == ResolvedUser(uid: 1000, gid: 1001, supplementaryGroups: [50, 10]))
        #expect(try listed.runUser("1000") == ResolvedUser(uid: 1000, gid: 1001, supplementaryGroups: [50, 10]))
        #expect(try listed.runUser("+1000") == ResolvedUser(uid: 1000, gid: 1001, supplementaryGroups: [50, 10]))
        #expect(try listed.runUser("app:staff") == ResolvedUser(uid: 1000, gid: 50))
        #expect(try listed.runUser("app:7") == ResolvedUser(uid: 1000, gid: 7))
        #expect(try listed.runUser("2000") == ResolvedUser(uid: 2000, gid: 0))
        #expect(try listed.runUser("1000:1000") == ResolvedUser(uid: 1000, gid: 1000))
        #expect(throws: UserLookupError(value: "nobody", file: "/etc/passwd", reason: .unknownName)) { try listed.runUser("nobody") }
        #expect(throws: UserLookupError(value: "users", file: "/etc/group", reason: .unknownName)) { try listed.runUser("app:users") }
    }

    @Test func processGroupsPutThePrimaryGroupFirstUnlessListed() throws {
        #expect(try listed.runUser("").processGroups == [0, 10])
        #expect(try listed.runUser("app").processGroups == [1001, 50, 10])
        #expect(listed.processGroups(of: try listed.runUser("1000:1000")) == [1000])
        #expect(listed.processGroups(of: try listed.runUser("")) == [0, 10])
    }

    /// BuildKit's process has no supplementary groups in an image without /etc/group
    /// (`id`: `uid=0 gid=0`), whatever the user.
    @Test func noProcessGroupsWithoutGroupFile() throws {
        #expect(bare.processGroups(of: try bare.runUser("")) == [])
        #expect(bare.processGroups(of: try bare.runUser("5:6")) == [])
        let passwdOnly = UserDatabase(passwd: Self.passwd, group: nil)
        #expect(passwdOnly.processGroups(of: try passwdOnly.runUser("app")) == [])
        #expect(ResolvedUser(uid: 1, gid: 2, supplementaryGroups: [3, 2]).processGroups == [3, 2])
    }

    @Test func homeIsTheFirstEntryOfTheUidElseTheRoot() {
        #expect(listed.home(uid: 0) == "/root")
        #expect(listed.home(uid: 1000) == "/home/app")
        #expect(listed.home(uid: 2000) == "/")
        #expect(bare.home(uid: 0) == "/")
        #expect(UserDatabase(passwd: "a:x:7:7::/first:\nb:x:7:7::/second:\n", group: nil).home(uid: 7) == "/first")
    }

    @Test func filesAreReadAsRuncReadsThem() throws {
        // Whitespace around lines, CRLF, blank lines; `#` comments in /etc/group.
        let database = UserDatabase(
            passwd: "  root:x:0:0::/root:/bin/sh  \r\n\r\n\tapp:x:1000:1000::/srv:/bin/sh\r\n",
            group: "# app:x:1:app\nstaff:x:50:app\n")
        #expect(try database.runUser("app") == ResolvedUser(uid: 1000, gid: 1000, supplementaryGroups: [50]))
        #expect(database.home(uid: 1000) == "/srv")
        // A number that does not parse is 0; missing fields are empty.
        let odd = UserDatabase(passwd: "odd:x:abc:5\n", group: nil)
        #expect(try odd.runUser("odd") == ResolvedUser(uid: 0, gid: 5))
        #expect(odd.home(uid: 0) == "")
    }

    @Test func workdirOwnerFollowsBuildKitsFileOperations() {
        #expect(bare.fileOwner("") == .root)
        #expect(bare.fileOwner("nobody") == .root)
        #expect(bare.fileOwner("1000") == FileOwner(uid: 1000, gid: 1000))
        #expect(bare.fileOwner("1000:50") == FileOwner(uid: 1000, gid: 50))
        #expect(bare.fileOwner("app:staff") == .root)
        #expect(listed.fileOwner("app") == FileOwner(uid: 1000, gid: 1001))
        #expect(listed.fileOwner("app:staff") == FileOwner(uid: 1000, gid: 50))
        #expect(listed.fileOwner("app:users") == FileOwner(uid: 1000, gid: 1001))
        #expect(listed.fileOwner("42:staff") == FileOwner(uid: 42, gid: 50))
        #expect(listed.fileOwner("app:") == FileOwner(uid: 1000, gid: 0))
    }

    @Test func chownNeedsNoFileForNumbersButRefusesUnknownNames() throws {
        #expect(try bare.owner(for: "1000") == FileOwner(uid: 1000, gid: 1000))
        #expect(try bare.owner(for: "1000:7") == FileOwner(uid: 1000, gid: 7))
        #expect(try bare.owner(for: "root") == .root)
        #expect(try bare.owner(for: "root:root") == .root)
        #expect(throws: UserLookupError(value: "nobody", file: "/etc/passwd", reason: .missingFile)) { try bare.owner(for: "nobody") }
        #expect(
            UserLookupError(value: "nobody", file: "/etc/passwd", reason: .missingFile).description
                == "unable to find user nobody: no matching entries in passwd file (the image has no /etc/passwd)")
        #expect(throws: UserLookupError(value: "staff", file: "/etc/group", reason: .missingFile)) { try bare.owner(for: "1:staff") }
        #expect(throws: UserLookupError(value: "app:", file: "/etc/passwd", reason: .malformed)) { try listed.owner(for: "app:") }
        #expect(throws: UserLookupError(value: "users", file: "/etc/group", reason: .unknownName)) { try listed.owner(for: "app:users") }
    }
}

@Suite("A RUN step's environment")
struct ProcessEnvironmentTests {
    @Test func homeIsAddedWhenMissingOrEmpty() {
        #expect(ProcessEnvironment.prepared(["PATH=/bin"], home: "/") == ["PATH=/bin", "HOME=/"])
        #expect(ProcessEnvironment.prepared(["HOME=", "PATH=/bin"], home: "/root") == ["PATH=/bin", "HOME=/root"])
        #expect(ProcessEnvironment.prepared(["HOME=/srv", "PATH=/bin"], home: "/root") == ["HOME=/srv", "PATH=/bin"])
    }

    @Test func duplicatesKeepTheLastValueInItsPlace() {
        #expect(
            ProcessEnvironment.prepared(["A=1", "PATH=/bin", "A=2", "B=3"], home: "/")
                == ["PATH=/bin", "A=2", "B=3", "HOME=/"])
    }
}

/// The files as an image may hold them: not regular, or too big.
@Suite("User database files")
struct UserDatabaseFileTests {
    @Test func aFIFOIsNoFileAndDoesNotBlock() throws {
        let f = try CopyFixture()
        try f.directory("etc", in: f.target)
        #expect(mkfifo(f.target + "/etc/passwd", 0o644) == 0)
        try f.file("etc/group", "staff:x:50:\n", in: f.target)
        let database = try UserDatabase(root: f.target)
        #expect(try database.runUser("") == ResolvedUser(uid: 0, gid: 0))
        #expect(try database.runUser("0:staff") == ResolvedUser(uid: 0, gid: 50))
        #expect(try database.runUser("1:staff") == ResolvedUser(uid: 1, gid: 50))
        #expect(throws: UserLookupError(value: "app", file: "/etc/passwd", reason: .unknownName)) { try database.runUser("app") }
    }

    @Test func aFileOverTenMebibytesIsRefused() throws {
        let f = try CopyFixture()
        try f.file("etc/passwd", String(repeating: "#", count: UserDatabase.maximumFileSize) + "\n", in: f.target)
        #expect(throws: CopyError.Problem.self) { try UserDatabase(root: f.target) }
    }
}
