import Foundation
import Glibc
import Testing

/// `--network private` end to end through `swiftbuild build`, with the real `ip` and
/// `iptables`: a step's address and default route, an HTTP server in a network namespace
/// the test makes reached through the NAT (the server sees the host's masqueraded
/// address), a server on the host's 127.0.0.1 out of reach, parallel stages with distinct
/// addresses, `none` and `host` as before, and nothing of swiftbuild's left on the host
/// (veth, bridge, chain, namespace name) after a normal end, a failed step, or SIGKILL
/// followed by the next build. Test traffic stays on loopback and in namespaces the test
/// creates; the host's own interfaces and rules are only read.
@Suite(
    "Private network of RUN steps", .serialized, .enabled(if: ExternalTool.isRoot, "RUN needs root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/iptables"), "needs iptables"))
struct PrivateNetworkTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    struct Build {
        var status: Int32
        var output: String
    }

    func startBuild(_ dockerfile: String, _ arguments: [String]) throws -> (Process, Pipe) {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "--root", store.path, "--progress", "plain", "--no-cache"] + arguments + [context.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Builds to the end, then checks that nothing of swiftbuild's network remains.
    func build(_ dockerfile: String, _ arguments: [String] = ["--network", "private"]) throws -> Build {
        let (process, output) = try startBuild(dockerfile, arguments)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let build = Build(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
        let left = try Self.leftovers()
        #expect(left.isEmpty, "left behind: \(left)")
        return build
    }

    /// swiftbuild's interfaces, iptables chains and rules, and namespace names on the host.
    static func leftovers() throws -> [String] {
        var found: [String] = []
        for line in try ExternalTool.run(["ip", "-o", "link", "show"]).split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count > 1 else { continue }
            let name = words[1].split(separator: ":")[0].split(separator: "@")[0]
            if name == "swiftbuild0" || name.hasPrefix("sbv") { found.append("link \(name)") }
        }
        for table in ["filter", "nat"] {
            for line in try ExternalTool.run(["iptables", "-t", table, "-S"]).split(separator: "\n") where line.contains("SWIFTBUILD") {
                found.append("\(table): \(line)")
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        found += names.filter { $0.hasPrefix("swiftbuild-") }.map { "netns \($0)" }
        return found
    }

    // MARK: - A network namespace and servers the test owns

    /// A network namespace made by the test, joined to the host by a veth pair on a /30 of
    /// its own (10.214.N.0/30, which the host does not route): the host end is `.1`, the
    /// namespace's `.2`. Removed by ``remove()``.
    struct ServerNamespace {
        let name: String
        let hostLink: String
        let hostAddress: String
        let address: String

        init() throws {
            let tag = String(UInt32.random(in: 0..<0xFFFF), radix: 16)
            let octet = Int.random(in: 1...250)
            name = "sbtest-\(tag)"
            hostLink = "sbtest\(tag)"
            hostAddress = "10.214.\(octet).1"
            address = "10.214.\(octet).2"
            try ExternalTool.run(["ip", "netns", "add", name])
            do {
                try ExternalTool.run(["ip", "link", "add", hostLink, "type", "veth", "peer", "name", "eth0", "netns", name])
                try ExternalTool.run(["ip", "addr", "add", "\(hostAddress)/30", "dev", hostLink])
                try ExternalTool.run(["ip", "link", "set", hostLink, "up"])
                try ExternalTool.run(["ip", "-n", name, "addr", "add", "\(address)/30", "dev", "eth0"])
                try ExternalTool.run(["ip", "-n", name, "link", "set", "eth0", "up"])
                try ExternalTool.run(["ip", "-n", name, "link", "set", "lo", "up"])
            } catch {
                remove()
                throw error
            }
        }

        func remove() {
            _ = try? ExternalTool.status(["ip", "link", "delete", hostLink])
            _ = try? ExternalTool.status(["ip", "netns", "delete", name])
        }
    }

    /// A one-reply-per-connection HTTP server on `address` (in the network namespace at
    /// `namespacePath`, or the test's own), which records each client's address.
    final class Server: @unchecked Sendable {
        let port: UInt16
        private let socket: Int32
        private let lock = NSLock()
        private var clientsSeen: [String] = []
        private let done = DispatchSemaphore(value: 0)

        var clients: [String] { lock.withLock { clientsSeen } }

        init(address: String, namespacePath: String? = nil, body: String) throws {
            final class Made: @unchecked Sendable { var result: Result<(Int32, UInt16), Error>? }
            let made = Made()
            let started = DispatchSemaphore(value: 0)
            // setns changes only the calling thread's namespace: the socket is made on a
            // thread of its own, and keeps that namespace for its whole life.
            Thread {
                made.result = Result { try Self.listen(address: address, namespacePath: namespacePath) }
                started.signal()
            }.start()
            started.wait()
            (socket, port) = try made.result!.get()
            let response = "HTTP/1.0 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            Thread { [self] in
                serve(response)
                done.signal()
            }.start()
        }

        private static func listen(address: String, namespacePath: String?) throws -> (Int32, UInt16) {
            if let namespacePath {
                let fd = open(namespacePath, O_RDONLY | O_CLOEXEC)
                // setns(2) with CLONE_NEWNET; Glibc's module does not export it.
                typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
                guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "setns") else { throw POSIXError(.ENOSYS) }
                let setns = unsafeBitCast(symbol, to: SetNamespace.self)
                guard fd >= 0, setns(fd, 0x4000_0000) == 0 else { throw POSIXError(.init(rawValue: errno)!) }
                close(fd)
            }
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.init(rawValue: errno)!) }
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, address, &socketAddress.sin_addr)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && Glibc.listen(fd, 16) == 0 }
            }
            guard bound else { throw POSIXError(.init(rawValue: errno)!) }
            _ = withUnsafeMutablePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return (fd, UInt16(bigEndian: socketAddress.sin_port))
        }

        private func serve(_ response: String) {
            while true {
                var client = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let connection = withUnsafeMutablePointer(to: &client) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(socket, $0, &length) }
                }
                if connection < 0 {
                    if errno == EINTR { continue }
                    return
                }
                var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                inet_ntop(AF_INET, &client.sin_addr, &text, socklen_t(INET_ADDRSTRLEN))
                let seen = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                lock.withLock { clientsSeen.append(seen) }
                var request = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &request, request.count)
                _ = response.withCString { write(connection, $0, strlen($0)) }
                close(connection)
            }
        }

        /// Stops accepting (shutdown wakes the blocked accept) and waits for the loop to end.
        func stop() {
            shutdown(socket, Int32(SHUT_RDWR))
            done.wait()
            close(socket)
        }
    }

    // MARK: - Tests

    @Test func stepHasAnAddressARouteAndReachesAServerThroughTheNAT() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let namespace = try ServerNamespace()
        defer { namespace.remove() }
        let server = try Server(address: namespace.address, namespacePath: "/run/netns/\(namespace.name)", body: "hello-from-netns")
        defer { server.stop() }
        let url = "http://\(namespace.address):\(server.port)/"
        let result = try build(
            """
            FROM busybox
            RUN ip -4 -o addr show eth0 && ip route && ls /sys/class/net && wget -q -O - \(url) && echo && cat /etc/resolv.conf
            RUN --network=default echo default-mode: $(ip -4 -o addr show eth0 | awk '{print $4}')
            """)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("inet 10.213."), "\(result.output)")
        #expect(result.output.contains("default via 10.213.0.1 dev eth0"), "\(result.output)")
        #expect(result.output.contains("hello-from-netns"), "\(result.output)")
        #expect(result.output.contains("default-mode: 10.213."), "RUN --network=default is the build's private mode: \(result.output)")
        // The NAT: the server saw the host's address on the test's veth, not the step's.
        #expect(server.clients == [namespace.hostAddress], "\(server.clients)")
        // The step's resolv.conf names no loopback resolver.
        #expect(!result.output.contains("nameserver 127."), "\(result.output)")
    }

    @Test func subnetOptionChoosesTheRangeAndBadOnesAreRefused() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            "FROM busybox\nRUN ip -4 -o addr show eth0 && ip route",
            ["--network", "private", "--network-subnet", "10.215.8.0/24"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("inet 10.215.8.2/24"), "\(result.output)")
        #expect(result.output.contains("default via 10.215.8.1"), "\(result.output)")
        let bad = try build("FROM busybox\nRUN true", ["--network", "private", "--network-subnet", "10.215.8.1/24"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("--network-subnet 10.215.8.1/24"), "\(bad.output)")
    }

    @Test func subnetOverlappingAHostRouteIsRefused() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // The test's own veth gives the host a route to 10.214.N.0/30.
        let namespace = try ServerNamespace()
        defer { namespace.remove() }
        let result = try build("FROM busybox\nRUN true", ["--network", "private", "--network-subnet", "10.214.0.0/16"])
        #expect(result.status != 0)
        #expect(result.output.contains("Dockerfile:2"), "\(result.output)")
        #expect(result.output.contains("overlaps the host's route"), "\(result.output)")
        #expect(result.output.contains("dev \(namespace.hostLink)"), "\(result.output)")
    }

    @Test func hostLoopbackIsOutOfReach() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let server = try Server(address: "127.0.0.1", body: "hello-from-loopback")
        defer { server.stop() }
        // busybox's wget without -T (which crashes Debian's static 1.35): both addresses
        // answer at once (a reset), from the step's own loopback and the bridge's address.
        func probe(_ urls: [String]) -> String {
            """
            FROM busybox
            RUN for url in \(urls.joined(separator: " ")); do \
            if wget -q -O - $url; then echo; echo REACH$((1))ED $url; else echo refused $url; fi; done
            """
        }
        let loopback = "http://127.0.0.1:\(server.port)/"
        let result = try build(probe([loopback, "http://10.213.0.1:\(server.port)/"]))
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("REACH1ED "), "\(result.output)")
        #expect(!result.output.contains("hello-from-loopback"), "\(result.output)")
        #expect(server.clients.isEmpty, "\(server.clients)")
        // The same probe on the host's network reaches it: the server works.
        let host = try build(probe([loopback]), ["--network", "host"])
        #expect(host.output.contains("hello-from-loopback"), "\(host.output)")
        #expect(server.clients == ["127.0.0.1"], "\(server.clients)")
    }

    @Test func parallelStagesGetDifferentAddresses() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // Each stage waits (bounded) in a shared cache mount for the other, so both steps
        // hold their address at the same time.
        func stage(_ name: String, other: String) -> String {
            """
            FROM busybox AS \(name)
            RUN --mount=type=cache,id=netpar,target=/c touch /c/\(name) && i=0; \
            while [ ! -e /c/\(other) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; \
            echo stage-\(name): $(ip -4 -o addr show eth0 | awk '{print $4}') saw-\(other): $([ -e /c/\(other) ] && echo yes); \
            rm -f /c/\(other); echo \(name) > /\(name)
            """
        }
        let dockerfile =
            stage("one", other: "two") + "\n" + stage("two", other: "one") + """

                FROM busybox
                COPY --from=one /one /one
                COPY --from=two /two /two
                """
        let result = try build(dockerfile)
        #expect(result.status == 0, "\(result.output)")
        func address(_ name: String) -> String? {
            guard let line = result.output.split(separator: "\n").first(where: { $0.contains("stage-\(name): ") }) else { return nil }
            return line.components(separatedBy: "stage-\(name): ")[1].split(separator: " ").first.map(String.init)
        }
        let one = try #require(address("one"), "\(result.output)")
        let two = try #require(address("two"), "\(result.output)")
        #expect(one.hasPrefix("10.213.") && two.hasPrefix("10.213."))
        #expect(one != two)
        #expect(result.output.contains("saw-two: yes") && result.output.contains("saw-one: yes"), "the steps overlapped: \(result.output)")
    }

    @Test func concurrentBuildsGetDifferentAddresses() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // Two swiftbuild processes on one store; their steps meet in a shared cache mount,
        // so both leases are held at the same time.
        func dockerfile(_ name: String, other: String) -> String {
            """
            FROM busybox
            RUN --mount=type=cache,id=netbuilds,target=/c touch /c/\(name) && i=0; \
            while [ ! -e /c/\(other) ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; \
            echo build-\(name): $(ip -4 -o addr show eth0 | awk '{print $4}') saw-\(other): $([ -e /c/\(other) ] && echo yes)
            """
        }
        let first = try startBuild(dockerfile("one", other: "two"), ["--network", "private"])
        let second = try startBuild(dockerfile("two", other: "one"), ["--network", "private"])
        var outputs: [String] = []
        for (process, output) in [first, second] {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            outputs.append(String(decoding: data, as: UTF8.self))
            #expect(process.terminationStatus == 0, "\(outputs.last!)")
        }
        func address(_ name: String, in output: String) -> String? {
            guard let line = output.split(separator: "\n").first(where: { $0.contains("build-\(name): ") }) else { return nil }
            return line.components(separatedBy: "build-\(name): ")[1].split(separator: " ").first.map(String.init)
        }
        let one = try #require(address("one", in: outputs[0]), "\(outputs[0])")
        let two = try #require(address("two", in: outputs[1]), "\(outputs[1])")
        #expect(one.hasPrefix("10.213.") && two.hasPrefix("10.213.") && one != two, "\(one) \(two)")
        #expect(outputs[0].contains("saw-two: yes") && outputs[1].contains("saw-one: yes"), "the builds overlapped")
        let left = try Self.leftovers()
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func failedStepLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM busybox\nRUN ip -4 -o addr show eth0; exit 3")
        #expect(result.status != 0)
        #expect(result.output.contains("inet 10.213."), "\(result.output)")
        #expect(result.output.contains("exited with status 3"), "\(result.output)")
    }

    @Test func interruptedBuildLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (process, output) = try startBuild("FROM busybox\nRUN echo int-$((1 + 1))-ready; sleep 1002", ["--network", "private"])
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("int-2-ready") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(try Self.leftovers().contains("link swiftbuild0"), "the step runs behind the bridge")
        kill(process.processIdentifier, SIGINT)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let left = try Self.leftovers()
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func sigkillLeavesWhatTheNextBuildRemoves() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (process, output) = try startBuild("FROM busybox\nRUN echo net-$((1 + 1))-ready; sleep 1001", ["--network", "private"])
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("net-2-ready") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The step dies with swiftbuild's thread; wait for it as the next build finds it.
        while try !CgroupLimitTests.processes(withArguments: ["sleep", "1001"]).isEmpty { usleep(10_000) }
        let left = try Self.leftovers()
        #expect(left.contains("link swiftbuild0"), "a SIGKILLed swiftbuild cannot remove its bridge: \(left)")
        #expect(left.contains { $0.contains("SWIFTBUILD-POSTROUTING") }, "\(left)")
        let next = try build("FROM busybox\nRUN ip -4 -o addr show eth0")
        #expect(next.status == 0, "\(next.output)")
        #expect(next.output.contains("inet 10.213.0.2/16"), "the dead lease was dropped: \(next.output)")
    }

    @Test func noneAndHostAreUnchanged() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let none = try build("FROM busybox\nRUN echo links: $(ls /sys/class/net)", ["--network", "none"])
        #expect(none.output.contains("links: lo\n"), "\(none.output)")
        let hostLinks = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").sorted().joined(separator: " ")
        let host = try build("FROM busybox\nRUN echo links: $(ls /sys/class/net)", [])
        #expect(host.output.contains("links: \(hostLinks)\n"), "\(host.output)")
        // Under the private default, RUN --network=host and none keep their own modes.
        let mixed = try build(
            "FROM busybox\nRUN --network=host echo host-links: $(ls /sys/class/net)\nRUN --network=none echo none-links: $(ls /sys/class/net)"
        )
        #expect(mixed.output.contains("host-links: \(hostLinks)\n"), "\(mixed.output)")
        #expect(mixed.output.contains("none-links: lo\n"), "\(mixed.output)")
    }
}
