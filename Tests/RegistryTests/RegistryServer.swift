import Foundation

/// A real `docker-registry` (Debian's package) serving on a free 127.0.0.1 port from a
/// temporary storage directory, optionally behind htpasswd Basic auth or behind the
/// Bearer-token proxy of `Fixtures/token-proxy.py`. ``stop()`` kills what it started.
final class RegistryServer: @unchecked Sendable {
    enum Auth {
        case none
        /// htpasswd (bcrypt) with one user.
        case basic(user: String, password: String)
        /// The token proxy in front, with one user; anonymous tokens grant pull only.
        case bearer(user: String, password: String)
    }

    /// `127.0.0.1:PORT`, what references name.
    private(set) var address = ""
    let directory: URL
    private var processes: [Process] = []

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")
    }

    init(auth: Auth = .none) throws {
        directory = try makeTemporaryDirectory()
        let registryPort = try Self.freePort()
        var authSection = ""
        if case .basic(let user, let password) = auth {
            let htpasswd = try Processes.tool(["htpasswd", "-Bbn", user, password])
            try htpasswd.write(to: directory.appendingPathComponent("htpasswd"), atomically: true, encoding: .utf8)
            authSection = """
                auth:
                  htpasswd:
                    realm: test-registry
                    path: \(directory.path)/htpasswd

                """
        }
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(registryPort)
            \(authSection)
            """
        let configPath = directory.appendingPathComponent("config.yml")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        try start("/usr/bin/docker-registry", ["serve", configPath.path], log: "registry.log")
        try Self.waitUntilListening(registryPort)
        if case .bearer(let user, let password) = auth {
            let proxyPort = try Self.freePort()
            let script = repositoryRoot.appendingPathComponent("Tests/RegistryTests/Fixtures/token-proxy.py").path
            try start("/usr/bin/env", ["python3", script, String(proxyPort), String(registryPort), user, password], log: "proxy.log")
            try Self.waitUntilListening(proxyPort)
            address = "127.0.0.1:\(proxyPort)"
        } else {
            address = "127.0.0.1:\(registryPort)"
        }
    }

    /// Kills the registry (and proxy) and removes the storage.
    func stop() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes = []
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    private func start(_ executable: String, _ arguments: [String], log: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let logFile = directory.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
    }

    /// A port nothing listens on now: bind port 0, read what the kernel chose, close.
    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ServerFailure(reason: "cannot bind a port: \(String(cString: strerror(errno)))") }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Waits (up to about 20 s) until something accepts connections on the port.
    private static func waitUntilListening(_ port: UInt16) throws {
        for _ in 0..<200 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = port.bigEndian
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return }
            usleep(100_000)
        }
        throw ServerFailure(reason: "nothing listens on 127.0.0.1:\(port)")
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var reason: String
        var description: String { "registry server: \(reason)" }
    }
}
