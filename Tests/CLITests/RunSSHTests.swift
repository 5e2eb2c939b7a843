import Foundation
import Glibc
import Testing

/// `RUN --mount=type=ssh` on a busybox base against an `ssh-agent` the test starts with a
/// key it generates: a static agent client in the step lists the key exactly as the host's
/// `ssh-add -L` does, through a socket with the mount's mode and owner at the target that
/// `SSH_AUTH_SOCK` names. Afterwards nothing is at the target in the image, the host
/// socket's path is in no file of the store and no output, the key doesn't change the step's
/// key, and the private agent of `--ssh ID=KEYFILE` is gone with its directory.
@Suite("RUN --mount=type=ssh", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct RunSSHTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }
    /// The test's agent (outside the store and the context) and its socket.
    let agent: Process
    let agentSocket: String
    /// The generated key (`key`, `key.pub`) and its comment, unique to this run.
    let key: URL
    let comment: String

    init() throws {
        let workspace = try BuildWorkspace(busybox: true)
        self.workspace = workspace
        let agentDirectory = workspace.work.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: agentDirectory, withIntermediateDirectories: true)
        agentSocket = agentDirectory.appendingPathComponent("agent.sock").path
        key = agentDirectory.appendingPathComponent("key")
        let comment = "swiftbuild-ssh-test-\(UUID().uuidString)"
        self.comment = comment
        try ExternalTool.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", key.path])
        // In the foreground, a child of the test; it is ready once its socket accepts.
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        agent.arguments = ["ssh-agent", "-D", "-a", agentSocket]
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        agent.standardInput = FileHandle.nullDevice
        try agent.run()
        self.agent = agent
        do {
            // `ssh-add -l` exits 1 for an agent without keys, 2 when it cannot connect.
            while agent.isRunning, try ExternalTool.status(["env", "SSH_AUTH_SOCK=\(agentSocket)", "ssh-add", "-l"]).status != 1 {
                usleep(20_000)
            }
            try ExternalTool.run(["env", "SSH_AUTH_SOCK=\(agentSocket)", "ssh-add", "-q", key.path])
            // The step's client, in the context for COPY.
            let source = repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures/ssh-agent-list.c").path
            try ExternalTool.run(["gcc", "-static", "-O2", "-o", workspace.context.appendingPathComponent("ssh-agent-list").path, source])
        } catch {
            finish()
            throw error
        }
    }

    func finish() {
        // SIGKILL: a signal mask blocking SIGTERM may be inherited from the test's thread.
        kill(agent.processIdentifier, SIGKILL)
        agent.waitUntilExit()
        workspace.remove()
    }

    func build(_ dockerfile: String, _ flags: [String], environment: [String: String] = [:]) throws -> SwiftBuildProcess.Result {
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain", "-t", "ssh:latest"] + flags + [context.path],
            environment: ["SSH_AUTH_SOCK": agentSocket].merging(environment) { $1 })
    }

    /// What the host's own `ssh-add -L` says the test agent holds.
    func hostListing() throws -> String {
        try ExternalTool.run(["env", "SSH_AUTH_SOCK=\(agentSocket)", "ssh-add", "-L"])
    }

    /// Processes whose command line mentions `text`.
    func processes(mentioning text: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            return line.contains(text) ? "\(pid): \(line)" : nil
        }
    }

    /// The default mount and one with a target, mode and owner: the key is listed as the
    /// host lists it, by root and by a user the socket belongs to; another user is refused
    /// by the socket's mode; nothing is left at either target or in the environment.
    @Test func theStepListsTheAgentsKeys() throws {
        defer { finish() }
        let dockerfile = """
            FROM busybox
            COPY ssh-agent-list /usr/bin/
            RUN --mount=type=ssh ssh-agent-list > /listed && echo "$SSH_AUTH_SOCK" > /sock && \\
                stat -c '%a %u %g %F' "$SSH_AUTH_SOCK" > /modes
            RUN --mount=type=ssh,id=second,target=/home/agent.sock,mode=0660,uid=65534,gid=65534 \\
                stat -c '%a %u %g %F' /home/agent.sock > /modes2 && echo "$SSH_AUTH_SOCK" > /sock2
            USER nobody
            RUN --mount=type=ssh,id=second,target=/tmp/a,uid=65534 ssh-agent-list > /tmp/listed-by-nobody
            RUN --mount=type=ssh,target=/tmp/b ssh-agent-list /tmp/b > /tmp/refused 2>&1; echo "$?" >> /tmp/refused
            USER root
            RUN env > /later-env
            """
        let iid = work.appendingPathComponent("iid")
        let result = try build(dockerfile, ["--ssh", "default", "--ssh", "second=\(agentSocket)", "--iidfile", iid.path])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("ssh:latest")
        let listing = try hostListing()
        #expect(listing.contains(comment))
        #expect(try text("listed", in: root) == listing)
        #expect(try text("tmp/listed-by-nobody", in: root) == listing)
        #expect(try text("sock", in: root) == "/run/buildkit/ssh_agent.0\n")
        #expect(try text("sock2", in: root) == "/home/agent.sock\n")
        #expect(try text("modes", in: root) == "600 0 0 socket\n")
        #expect(try text("modes2", in: root) == "660 65534 65534 socket\n")
        #expect(try text("tmp/refused", in: root) == "connect: Permission denied\n3\n")
        #expect(!(try text("later-env", in: root)).contains("SSH_AUTH_SOCK"))
        for target in ["run", "home", "tmp/a", "tmp/b"] { #expect(!exists(target, in: root), "\(target)") }
        // The host's socket is nowhere: no blob, record or snapshot of the store, no output.
        #expect(try files(under: store, containing: agentSocket) == [])
        #expect(try files(under: root, containing: agentSocket) == [])
        #expect(!result.standardOutput.contains(agentSocket) && !result.standardError.contains(agentSocket))
        #expect(try files(under: work.appendingPathComponent("agent"), containing: comment) != [], "the search finds what is there")
        // Nothing of this build is left: no work directory, no mount.
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(work.path))

        // The agent is not in the key: the same steps through another socket (a private
        // agent holding the same key) hit the cache; another mode does not.
        let firstID = try String(contentsOf: iid, encoding: .utf8)
        let again = try build(dockerfile, ["--ssh", "default=\(key.path)", "--ssh", "second=\(key.path)", "--iidfile", iid.path])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try String(contentsOf: iid, encoding: .utf8) == firstID)
        let changed = try build(
            dockerfile.replacingOccurrences(of: "mode=0660", with: "mode=0666"), ["--ssh", "default", "--ssh", "second"])
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(try text("modes2", in: try workspace.unpack("ssh:latest")) == "666 65534 65534 socket\n")
    }

    /// `--ssh ID=KEYFILE`: a private agent holds the key for the build (the step lists it
    /// as the public key file says) and is gone afterwards with its directory, after a
    /// failed build too; a key with a passphrase is refused naming the file.
    @Test func keyFilesGetAPrivateAgentForTheBuild() throws {
        defer { finish() }
        let temporary = work.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let environment = ["TMPDIR": temporary.path, "SSH_AUTH_SOCK": ""]
        let result = try build(
            "FROM busybox\nCOPY ssh-agent-list /usr/bin/\nRUN --mount=type=ssh,id=deploy,required ssh-agent-list > /listed\n",
            ["--ssh", "deploy=\(key.path)"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let publicKey = try String(contentsOfFile: key.path + ".pub", encoding: .utf8)
        #expect(try text("listed", in: try workspace.unpack("ssh:latest")) == publicKey)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
        #expect(processes(mentioning: temporary.path) == [])
        #expect(try files(under: store, containing: key.path) == [])

        let failed = try build(
            "FROM busybox\nRUN --mount=type=ssh,id=deploy false\n", ["--ssh", "deploy=\(key.path)"], environment: environment)
        #expect(failed.status != 0)
        #expect(failed.standardError.contains("Dockerfile:2"), "\(failed.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
        #expect(processes(mentioning: temporary.path) == [])

        let locked = work.appendingPathComponent("locked")
        try ExternalTool.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", locked.path])
        let refused = try build("FROM busybox\nRUN --mount=type=ssh true\n", ["--ssh", "default=\(locked.path)"], environment: environment)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("cannot load the key \(locked.path)"), "\(refused.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path) == [])
        #expect(processes(mentioning: temporary.path) == [])
    }

    /// A missing required agent is a located error naming it; a missing optional one
    /// mounts nothing; a `--ssh` path that is not there is an error naming the path.
    @Test func missingAgents() throws {
        defer { finish() }
        let required = try build("FROM busybox\nRUN --mount=type=ssh,id=deploy,required true\n", ["--ssh", "default"])
        #expect(required.status != 0)
        #expect(required.standardError.contains("Dockerfile:2"), "\(required.standardError)")
        #expect(required.standardError.contains("'deploy'"), "\(required.standardError)")
        let optional = try build(
            """
            FROM busybox
            RUN --mount=type=ssh,id=deploy if [ -e /run/buildkit/ssh_agent.0 ]; then echo present; else echo absent; fi > /seen
            """, [])
        #expect(optional.status == 0, "\(optional.standardError)")
        let root = try workspace.unpack("ssh:latest")
        #expect(try text("seen", in: root) == "absent\n")
        #expect(!exists("run", in: root))
        let missing = work.appendingPathComponent("no-such-agent").path
        let named = try build("FROM busybox\nRUN --mount=type=ssh true\n", ["--ssh", "default=\(missing)"])
        #expect(named.status != 0)
        #expect(named.standardError.contains(missing), "\(named.standardError)")
        let unset = try build("FROM busybox\nRUN --mount=type=ssh true\n", ["--ssh", "default"], environment: ["SSH_AUTH_SOCK": ""])
        #expect(unset.status != 0)
        #expect(unset.standardError.contains("SSH_AUTH_SOCK is not set"), "\(unset.standardError)")
    }
}
