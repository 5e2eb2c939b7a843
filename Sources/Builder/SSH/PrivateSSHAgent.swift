import Foundation
import Glibc
import System

/// An `ssh-agent` of the build's own holding the key files of one `--ssh ID=KEYFILE...`
/// (BuildKit runs an agent in its own process; swiftbuild runs OpenSSH's). It listens in
/// a new 0700 directory under the temporary directory, runs in the foreground (`-D`) as a
/// child of swiftbuild, and `stop()` ends it and removes the directory, whether the build
/// succeeded or not. Keys with a passphrase are refused: nothing may prompt mid-build.
final class PrivateSSHAgent: @unchecked Sendable {
    /// The agent's socket.
    let socket: String
    private let directory: String
    /// The agent's pid, and its status once it was reaped.
    private let pid: pid_t
    private var ended: Int32?

    /// Starts an agent and adds `keys` to it; an error names the key that would not load.
    init(id: String, keys: [String]) throws {
        let agentTool = try Self.executable("ssh-agent")
        let addTool = try Self.executable("ssh-add")
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("swiftbuild-ssh-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw SSHSourceError("--ssh \(id): cannot create a directory for the agent: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        socket = directory + "/agent.sock"
        do {
            pid = try Subprocess.spawn(agentTool.path, ["-D", "-a", socket])
        } catch {
            _ = rmdir(directory)
            throw SSHSourceError("--ssh \(id): cannot start \(agentTool.path): \(error)")
        }
        do {
            // What it prints once it listens stays in its stdio buffer (a pipe is not a
            // terminal), so its socket is what says it is ready: it binds and listens
            // before it serves, and a connection that succeeds is one it will answer.
            var waited = 0
            while !Self.accepts(socket) {
                guard !Subprocess.hasEnded(pid, status: &ended) else {
                    throw SSHSourceError("--ssh \(id): \(agentTool.path) exited before it listened on its socket")
                }
                guard waited < 10_000 else {
                    throw SSHSourceError("--ssh \(id): \(agentTool.path) did not listen on its socket within 10 seconds")
                }
                usleep(10_000)
                waited += 10
            }
            try Self.add(keys, to: socket, with: addTool, id: id)
        } catch {
            stop()
            throw error
        }
    }

    /// Ends the agent (SIGTERM: it removes its socket and exits) and removes its directory.
    func stop() {
        if ended == nil {
            _ = kill(pid, SIGTERM)
            ended = Subprocess.wait(pid)
        }
        _ = unlink(socket)
        _ = rmdir(directory)
    }

    /// Loads each key with `ssh-add`, which reads no terminal and asks for no passphrase.
    private static func add(_ keys: [String], to socket: String, with tool: URL, id: String) throws {
        for key in keys {
            var environment = ProcessInfo.processInfo.environment
            environment["SSH_AUTH_SOCK"] = socket
            environment["SSH_ASKPASS_REQUIRE"] = "never"
            environment["DISPLAY"] = nil
            let added = try Subprocess.run(tool.path, ["-q", key], environment: environment)
            guard added.status == 0 else {
                let reason = String(decoding: added.standardError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw SSHSourceError(
                    "--ssh \(id): cannot load the key \(key) (a key with a passphrase must be in an agent: --ssh \(id)=SOCKET)\(reason.isEmpty ? "" : ": " + reason)"
                )
            }
        }
    }

    /// Whether something accepts connections on the Unix socket `path`.
    private static func accepts(_ path: String) -> Bool {
        let probe = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard probe >= 0 else { return false }
        defer { close(probe) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    /// `name` found in `$PATH` (openssh-client's tools).
    private static func executable(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return URL(fileURLWithPath: candidate) }
        }
        throw SSHSourceError("--ssh with key files needs \(name) (OpenSSH's client tools) in PATH")
    }
}

/// The private agents of one build, by id, and the build's `--ssh` sources with each set
/// of key files replaced by its agent's socket.
final class PrivateSSHAgents: @unchecked Sendable {
    private(set) var agents: [PrivateSSHAgent] = []
    let sources: [String: SSHSource]

    /// Starts an agent for each `.keys` source; stops those it started if one fails.
    init(_ sources: [String: SSHSource]) throws {
        var resolved: [String: SSHSource] = [:]
        var started: [PrivateSSHAgent] = []
        for (id, source) in sources.sorted(by: { $0.key < $1.key }) {
            switch source {
            case .socket:
                resolved[id] = source
            case .keys(let keys):
                do {
                    let agent = try PrivateSSHAgent(id: id, keys: keys)
                    started.append(agent)
                    resolved[id] = .socket(agent.socket)
                } catch {
                    for agent in started { agent.stop() }
                    throw error
                }
            }
        }
        agents = started
        self.sources = resolved
    }

    func stop() {
        for agent in agents { agent.stop() }
        agents = []
    }
}
