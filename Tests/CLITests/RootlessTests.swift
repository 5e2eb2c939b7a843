import Foundation
import Glibc
import Synchronization
import Testing

/// An unprivileged user the rootless tests run swiftbuild as: made by the test (`useradd`,
/// with the subordinate range given, or none) and removed with its home when the test ends.
final class RootlessUser {
    let name: String
    let home: URL
    /// A work directory of the test, owned by the user.
    let work: URL

    init(name: String, subordinateRange: String?) throws {
        self.name = name
        // A user left by a killed run is replaced.
        _ = try? ExternalTool.run(["userdel", "-r", "-f", name])
        // No automatic subordinate range: the test gives its own, or none.
        try ExternalTool.run(["useradd", "-m", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", "-s", "/bin/sh", name])
        if let subordinateRange {
            try ExternalTool.run(["usermod", "--add-subuids", subordinateRange, "--add-subgids", subordinateRange, name])
        }
        home = URL(fileURLWithPath: "/home/\(name)")
        work = try makeTemporaryDirectory()
        try ExternalTool.run(["chown", "\(name):\(name)", work.path])
        // The binary as built, or a copy the user can reach when the checkout is not
        // readable by other users (a CI clone under a private directory).
        let built = SwiftBuildProcess.binary.path
        let reachable = (try? ExternalTool.run(["runuser", "-u", name, "--", "test", "-x", built])) != nil
        if reachable {
            binary = built
        } else {
            binary = work.appendingPathComponent("swiftbuild").path
            try ExternalTool.run(["cp", built, binary])
            try ExternalTool.run(["chmod", "0755", binary])
        }
    }

    /// The swiftbuild binary the user runs.
    let binary: String

    deinit {
        // The store holds files of the user's subordinate IDs: root removes it all.
        try? FileManager.default.removeItem(at: work)
        _ = try? ExternalTool.run(["userdel", "-r", "-f", name])
    }

    /// Runs a command as the user (runuser: no setuid wrapper of our own), with `HOME` set.
    func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws -> SwiftBuildProcess.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        let assignments = (["HOME": home.path].merging(environment) { $1 }).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        process.arguments = ["-u", name, "--", "env"] + assignments + arguments
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errorData = Mutex<Data>(Data())
        let reader = Thread { errorData.withLock { $0 = error.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        return SwiftBuildProcess.Result(
            status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
            standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }

    /// Runs `swiftbuild arguments...` as the user.
    func swiftbuild(_ arguments: [String], environment: [String: String] = [:], in directory: URL? = nil) throws
        -> SwiftBuildProcess.Result
    {
        try run([binary] + arguments, environment: environment, in: directory)
    }

    /// The user's uid.
    var uid: UInt32 {
        get throws { try #require(UInt32(try ExternalTool.run(["id", "-u", name]).trimmingCharacters(in: .whitespacesAndNewlines))) }
    }
}

/// Rootless mode: swiftbuild run as an unprivileged user (made by each test, with the
/// subordinate range 200000-265535, or none) enters a user namespace of its own.
@Suite("Rootless builds", .enabled(if: ExternalTool.isRoot, "making the test user needs root"), .serialized)
final class RootlessTests {
    static let userName = "swiftbuild-rootless-test"
    static let subordinateStart: UInt32 = 200000
    let user: RootlessUser
    let store: URL
    /// busybox:latest as an OCI archive the user can read (saved by root from a store made
    /// with scripts/make-busybox-base).
    let busyboxArchive: URL

    init() throws {
        user = try RootlessUser(name: Self.userName, subordinateRange: "200000-265535")
        store = user.work.appendingPathComponent("store")
        let rootStore = user.work.appendingPathComponent("root-store")
        try SwiftBuildProcess.makeBusyboxStore(at: rootStore)
        busyboxArchive = user.work.appendingPathComponent("busybox.tar")
        let saved = try SwiftBuildProcess.run(["save", "busybox", "-o", busyboxArchive.path, "--root", rootStore.path])
        guard saved.status == 0 else {
            throw ExternalTool.Failure(command: "swiftbuild save", status: saved.status, output: saved.standardError)
        }
        try FileManager.default.removeItem(at: rootStore)
        try ExternalTool.run(["chmod", "0644", busyboxArchive.path])
    }

    /// Loads busybox into the test's store as the user.
    func loadBusybox() throws {
        let loaded = try user.swiftbuild(["load", "-i", busyboxArchive.path, "--root", store.path])
        try #require(loaded.status == 0, "\(loaded.standardError)")
    }

    /// A context directory (readable by the user) with a Dockerfile and files.
    func context(_ dockerfile: String, files: [String: String] = [:]) throws -> URL {
        let context = user.work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try dockerfile.write(to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        for (name, content) in files {
            try content.write(to: context.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try ExternalTool.run(["chmod", "-R", "a+rX", context.path])
        return context
    }

    /// Builds as the user; the result.
    func build(_ context: URL, _ arguments: [String]) throws -> SwiftBuildProcess.Result {
        try user.swiftbuild(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    /// The image's layers as `tar -tvv --numeric-owner` lines (root reads the user's store).
    func layerListings(_ image: String) throws -> [String] {
        let layout = user.work.appendingPathComponent("layout-\(UUID().uuidString.prefix(6))")
        let saved = try user.swiftbuild(["save", image, "-o", layout.path, "--format", "oci-dir", "--root", store.path])
        try #require(saved.status == 0, "\(saved.standardError)")
        let index = try json(String(contentsOf: layout.appendingPathComponent("index.json"), encoding: .utf8))
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        let manifestDigest = try #require(manifests.first?["digest"] as? String)
        let blobs = layout.appendingPathComponent("blobs/sha256")
        let manifest = try json(String(contentsOf: blobs.appendingPathComponent(String(manifestDigest.dropFirst(7))), encoding: .utf8))
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        return try layers.map { layer in
            let digest = try #require(layer["digest"] as? String)
            return try ExternalTool.run(["tar", "-tvzf", blobs.appendingPathComponent(String(digest.dropFirst(7))).path, "--numeric-owner"])
        }
    }

    /// Mounts in the host's mount namespace (PID 1's) that name the test's directory.
    func leftoverMounts() throws -> [String] {
        try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(user.work.path) || $0.contains(user.home.path) }.map(String.init)
    }

    @Test func loadImagesSaveAndTheDefaultStoreInTheUsersDataDirectory() throws {
        // No --root: the store is $XDG_DATA_HOME/swiftbuild, else ~/.local/share/swiftbuild.
        let loaded = try user.swiftbuild(["load", "-i", busyboxArchive.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(!loaded.standardError.contains("single-ID"), "a user with a range gets no warning")
        let defaultStore = user.home.appendingPathComponent(".local/share/swiftbuild")
        #expect(FileManager.default.fileExists(atPath: defaultStore.appendingPathComponent("index.json").path))
        let images = try user.swiftbuild(["images"])
        #expect(images.standardOutput.contains("busybox"), "\(images.standardError)")

        let dataHome = user.work.appendingPathComponent("data")
        let elsewhere = try user.swiftbuild(["load", "-i", busyboxArchive.path], environment: ["XDG_DATA_HOME": dataHome.path])
        #expect(elsewhere.status == 0, "\(elsewhere.standardError)")
        #expect(FileManager.default.fileExists(atPath: dataHome.appendingPathComponent("swiftbuild/oci-layout").path))

        // The store is the user's and an OCI layout umoci reads; saving works.
        var status = stat()
        let statted = stat(defaultStore.path, &status)
        let uid = try user.uid
        #expect(statted == 0 && status.st_uid == uid)
        let archive = user.work.appendingPathComponent("again.tar")
        let saved = try user.swiftbuild(["save", "busybox", "-o", archive.path])
        #expect(saved.status == 0, "\(saved.standardError)")
        let bundle = user.work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(defaultStore.path):busybox:latest", bundle.path])
        #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("rootfs/bin/busybox").path))
    }

    @Test func ownersSetuidHardLinksAndWhiteoutsInTheSavedImage() throws {
        try loadBusybox()
        let context = try context(
            """
            FROM busybox
            COPY --chown=10:20 data.txt /data.txt
            RUN mkdir -p /owned /opq/old && echo x > /owned/file && cp /bin/busybox /owned/setuid \\
             && chown -R 1000:1000 /owned && chmod 4755 /owned/setuid && ln /owned/file /owned/link
            RUN rm /bin/vi && rm -rf /opq && mkdir /opq && echo new > /opq/only
            RUN ls -ln /owned /data.txt && id
            """, files: ["data.txt": "data\n"])
        let result = try build(context, ["-t", "owners:latest"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("uid=0(root) gid=0(root)"))

        let layers = try layerListings("owners:latest")
        let added = layers.suffix(4).joined(separator: "\n")
        #expect(added.contains("-rw-r--r-- 10/20") && added.contains("data.txt"), "\(added)")
        let lines = added.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("-rw-r--r-- 1000/1000") && $0.hasSuffix("owned/file") }, "\(added)")
        #expect(lines.contains { $0.hasPrefix("-rwsr-xr-x 1000/1000") && $0.hasSuffix("owned/setuid") }, "\(added)")
        #expect(lines.contains { $0.contains("owned/link link to owned/file") || $0.contains("owned/file link to owned/link") }, "\(added)")
        #expect(lines.contains { $0.hasSuffix("bin/.wh.vi") }, "\(added)")
        #expect(lines.contains { $0.hasSuffix("opq/.wh..wh..opq") }, "\(added)")
        #expect(!added.contains("user.overlay"), "overlay's own attributes stay out")
        // Never a host subordinate ID.
        #expect(!added.contains("/\(Self.subordinateStart)") && !added.contains(" \(Self.subordinateStart)"), "\(added)")

        // umoci (as root) sees the same owners, and the whiteouts applied.
        let bundle = user.work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):owners:latest", bundle.path])
        let listing = try TreeListing.of(bundle.appendingPathComponent("rootfs"))
        #expect(listing["owned/file"]?.hasPrefix("f 0644 1000:1000") == true, "\(listing["owned/file"] ?? "")")
        #expect(listing["data.txt"]?.hasPrefix("f 0644 10:20") == true, "\(listing["data.txt"] ?? "")")
        #expect(listing["bin/vi"] == nil)
        #expect(listing["opq/old"] == nil && listing["opq/only"] != nil)
        #expect(try leftoverMounts().isEmpty)
    }

    @Test func seedExampleBuildsCachesAndRunsUnderPodman() throws {
        try loadBusybox()
        let context = user.work.appendingPathComponent("example")
        try ExternalTool.run(["cp", "-r", repositoryRoot.appendingPathComponent("Examples").path, context.path])
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", "hello-static", "hello.c"], in: context)
        try ExternalTool.run(["chmod", "-R", "a+rX", context.path])
        let first = try build(context, ["-t", "hello:latest", "--elf-check=error"])
        #expect(first.status == 0, "\(first.standardError)")
        let second = try build(context, ["-t", "hello:latest", "--elf-check=error"])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.contains("CACHED"), "the cache works rootless")
        #expect(first.standardOutput == second.standardOutput, "same image ID")

        let archive = user.work.appendingPathComponent("hello.tar")
        let saved = try user.swiftbuild(["save", "hello", "-o", archive.path, "--format", "docker-archive", "--root", store.path])
        #expect(saved.status == 0, "\(saved.standardError)")
        let podmanRoot = URL(fileURLWithPath: "/tmp/sbr-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: podmanRoot) }
        let podman = [
            "podman", "--root", podmanRoot.appendingPathComponent("root").path,
            "--runroot", podmanRoot.appendingPathComponent("run").path, "--storage-driver", "vfs"
        ]
        defer { _ = try? ExternalTool.run(podman + ["system", "reset", "--force"]) }
        try ExternalTool.run(podman + ["load", "-i", archive.path])
        let output = try ExternalTool.run(
            podman + [
                "--runtime", "runc", "run", "--rm", "--network", "none",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", "hello:latest"
            ])
        #expect(output == "Webserver start\n  -> listen on port:1111\n")
        #expect(try leftoverMounts().isEmpty)
    }

    @Test func networkModesAndTheStoreIsRemovableByTheUser() throws {
        try loadBusybox()
        let context = try context(
            """
            FROM busybox
            RUN mkdir /deep && touch /deep/f && chown -R 4000:4000 /deep && chmod 0500 /deep
            RUN --network=none ip link | grep -c LOOPBACK > /none.txt
            RUN --mount=type=cache,target=/cache touch /cache/x && chown 5000 /cache/x
            """)
        let result = try build(context, ["-t", "net:latest"])
        #expect(result.status == 0, "\(result.standardError)")
        let limited = try build(try self.context("FROM busybox\nRUN true\n"), ["--memory", "64m"])
        #expect(limited.status != 0)
        #expect(limited.standardError.contains("--memory needs a cgroup"), "\(limited.standardError)")

        // prune --all, then the user's own rm -rf removes the store.
        let pruned = try user.swiftbuild(["prune", "--all", "--root", store.path])
        #expect(pruned.status == 0, "\(pruned.standardError)")
        let removed = try user.run(["rm", "-rf", store.path])
        #expect(removed.status == 0, "\(removed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: store.path))
        #expect(try leftoverMounts().isEmpty)
    }

    @Test func runStepsWriteNothingOutsideTheStore() throws {
        try loadBusybox()
        // A sentinel of the user's, outside the store: no step may reach or chown it.
        let sentinel = user.home.appendingPathComponent("sentinel")
        try "keep\n".write(to: sentinel, atomically: true, encoding: .utf8)
        try ExternalTool.run(["chown", "\(user.name):\(user.name)", sentinel.path])
        let context = try context(
            """
            FROM busybox
            RUN for p in /home/\(user.name)/sentinel \(sentinel.path) /proc/1/root\(sentinel.path); do \\
                  (echo owned > $p; chown 1234 $p) 2>/dev/null; done; \\
                echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null; \\
                mount -t tmpfs none /mnt 2>/dev/null && echo MOUNTED; \\
                mknod /dev/sda b 8 0 2>/dev/null && echo MKNOD; \\
                cat /sys/kernel/uevent_seqnum >/dev/null; true
            """)
        let result = try build(context, ["-t", "probe:latest"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(!result.standardError.contains("MOUNTED") && !result.standardError.contains("MKNOD"))
        #expect(try String(contentsOf: sentinel, encoding: .utf8) == "keep\n")
        // Nothing outside the store belongs to a subordinate ID.
        let foreign = try ExternalTool.run([
            "find", user.home.path, user.work.path, "-path", store.path, "-prune", "-o",
            "(", "-uid", "+\(Self.subordinateStart - 1)", "-o", "-gid", "+\(Self.subordinateStart - 1)", ")", "-print"
        ])
        #expect(foreign.isEmpty, "\(foreign)")
    }

    /// Whether user-mode networking can work here: slirp4netns installed and a
    /// `/dev/net/tun` other users may open (Debian's default is 0666; some hosts make it 0600).
    static var userModeNetworking: Bool {
        var status = stat()
        return FileManager.default.isExecutableFile(atPath: "/usr/bin/slirp4netns") && stat("/dev/net/tun", &status) == 0
            && status.st_mode & 0o006 == 0o006
    }

    @Test func privateNetworkIsUserModeNetworking() throws {
        try loadBusybox()
        let context = try context("FROM busybox\nRUN ip -4 addr show tap0 > /addr && cat /etc/resolv.conf > /resolv\n")
        let result = try build(context, ["--network", "private", "-t", "private:latest"])
        guard Self.userModeNetworking else {
            // Where slirp4netns cannot open /dev/net/tun (or is missing), a clear error.
            #expect(result.status != 0)
            #expect(result.standardError.contains("slirp4netns"), "\(result.standardError)")
            return
        }
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = user.work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):private:latest", bundle.path])
        let rootfs = bundle.appendingPathComponent("rootfs")
        #expect(try String(contentsOf: rootfs.appendingPathComponent("addr"), encoding: .utf8).contains("inet 10.0.2.100/24"))
        #expect(try String(contentsOf: rootfs.appendingPathComponent("resolv"), encoding: .utf8) == "nameserver 10.0.2.3\n")
        // slirp4netns ended with the step (pgrep finds nothing: exit status 1).
        #expect((try? ExternalTool.run(["pgrep", "-u", user.name, "slirp4netns"])) == nil)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-registry")))
    func pushPullRunMountsAndTheELFCommand() throws {
        try loadBusybox()
        let registry = try LocalRegistry(in: user.work.appendingPathComponent("registry"))
        defer { registry.stop() }
        let reference = "\(registry.address)/rootless/busybox:1"
        let pushed = try user.swiftbuild(["push", "busybox", reference, "--root", store.path])
        #expect(pushed.status == 0, "\(pushed.standardError)")
        let fresh = user.work.appendingPathComponent("fresh")
        let pulled = try user.swiftbuild(["pull", reference, "--root", fresh.path])
        #expect(pulled.status == 0, "\(pulled.standardError)")
        #expect(pulled.standardOutput == pushed.standardOutput, "the same digest")

        // FROM the registry (pulled by the build into another store), bind and cache mounts.
        let context = try context(
            """
            FROM \(reference)
            RUN --mount=type=cache,target=/cache echo cached > /cache/f && chown 1000:1000 /cache/f && cp /cache/f /from-cache
            RUN --mount=type=bind,source=a.txt,target=/mnt/a.txt cat /mnt/a.txt > /from-bind
            RUN --mount=type=cache,target=/cache ls -ln /cache/f > /cache-owner
            """, files: ["a.txt": "bound\n"])
        let built = try user.swiftbuild([
            "build", "--root", user.work.appendingPathComponent("third").path, "-t", "mounts", "--progress", "plain", context.path
        ])
        #expect(built.status == 0, "\(built.standardError)")
        let bundle = user.work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(user.work.appendingPathComponent("third").path):mounts:latest", bundle.path])
        let rootfs = bundle.appendingPathComponent("rootfs")
        #expect(try String(contentsOf: rootfs.appendingPathComponent("from-cache"), encoding: .utf8) == "cached\n")
        #expect(try String(contentsOf: rootfs.appendingPathComponent("from-bind"), encoding: .utf8) == "bound\n")
        #expect(try String(contentsOf: rootfs.appendingPathComponent("cache-owner"), encoding: .utf8).contains(" 1000     1000 "))

        let elf = try user.swiftbuild(["elf", "--image", "busybox", "--store", store.path, "/bin/busybox"])
        #expect(elf.status == 0, "\(elf.standardError)")
        #expect(elf.standardOutput.contains("static"), "\(elf.standardOutput)")
    }

    @Test func aUserWithoutASubordinateRangeGetsASingleIDMappingAndOneWarning() throws {
        let single = try RootlessUser(name: "swiftbuild-rootless-single", subordinateRange: nil)
        let singleStore = single.work.appendingPathComponent("store")
        let loaded = try single.swiftbuild(["load", "-i", busyboxArchive.path, "--root", singleStore.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
        let warnings = loaded.standardError.components(separatedBy: "single-ID mapping").count - 1
        #expect(warnings == 1, "\(loaded.standardError)")
        #expect(loaded.standardError.contains("usermod --add-subuids"))

        let context = single.work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try "FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt && id -u\n".write(
            to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        try "alpha\n".write(to: context.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try ExternalTool.run(["chmod", "-R", "a+rX", context.path])
        let built = try single.swiftbuild(["build", "--root", singleStore.path, "--progress", "plain", "-t", "one:latest", context.path])
        #expect(built.status == 0, "\(built.standardError)")

        try "FROM busybox\nRUN touch /x && chown 1000 /x\n".write(
            to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        let chowned = try single.swiftbuild(["build", "--root", singleStore.path, "--progress", "plain", context.path])
        #expect(chowned.status != 0)
        #expect(chowned.standardError.contains("Dockerfile:2"), "\(chowned.standardError)")
    }
}

/// Debian's `docker-registry` on a free 127.0.0.1 port, storing under `directory`; killed by
/// ``stop()``.
final class LocalRegistry {
    let address: String
    private let process: Process
    private let directory: URL

    init(in directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try Self.freePort()
        let config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.path)/storage
            http:
              addr: 127.0.0.1:\(port)
            """
        let configPath = directory.appendingPathComponent("config.yml")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", configPath.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        address = "127.0.0.1:\(port)"
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            usleep(100_000)
        }
        stop()
        throw ExternalTool.Failure(command: "docker-registry", status: 1, output: "nothing listens on \(address)")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    private static func socketAddress(_ port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return address
    }

    private static func accepts(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = socketAddress(port)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = socketAddress(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw ExternalTool.Failure(command: "bind", status: 1, output: "cannot bind a port") }
        return UInt16(bigEndian: address.sin_port)
    }
}
