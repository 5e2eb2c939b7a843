import Foundation
import Testing

/// `swiftbuild build` end to end, as root, on a static-busybox base made by
/// scripts/make-busybox-base.
@Suite("Building images", .enabled(if: ExternalTool.isRoot, "RUN needs root for namespaces and overlay mounts"))
struct BuildTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    func build(_ dockerfile: String, context files: [String: String] = [:], arguments: [String] = []) throws -> (
        SwiftBuildProcess.Result, URL
    ) {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        for (name, content) in files {
            try Data(content.utf8).write(to: context.appendingPathComponent(name))
        }
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
        return (result, context)
    }

    func unpackedListing(_ image: String) throws -> [String: String] {
        let bundle = work.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
        return try TreeListing.of(bundle.appendingPathComponent("rootfs"))
    }

    /// Mount entries that look like swiftbuild's in the host's mount namespace (PID 1's:
    /// this test process, like swiftbuild, runs in a private one of its own).
    func leftoverMounts() throws -> [String] {
        try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8).split(separator: "\n")
            .filter { $0.contains(work.path) || $0.contains("/snapshots/") || $0.contains("merged-") }.map(String.init)
    }

    @Test func multiStageExampleBuildsAndRuns() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = work.appendingPathComponent("example")
        try ExternalTool.run(["cp", "-r", repositoryRoot.appendingPathComponent("Examples").path, context.path])
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", "hello-static", "hello.c"], in: context)
        let iidfile = work.appendingPathComponent("iid")
        let result = try SwiftBuildProcess.run([
            "-f", context.appendingPathComponent("Dockerfile").path, "-t", "hello:latest",
            "--iidfile", iidfile.path, "--root", store.path, "--progress", "plain", context.path
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let imageID = try String(contentsOf: iidfile, encoding: .utf8)
        #expect(imageID.hasPrefix("sha256:"))
        #expect(result.standardOutput == imageID + "\n")
        #expect(result.standardError.contains("[builder 3/3] RUN mkdir -p out && cp hello-static out/myhttpserver"))

        // Only the copied binary is new: nothing of the builder stage, no mount points but
        // the /dev, /proc and /sys runc would have left (the base lacks them).
        let base = try unpackedListing("busybox:latest")
        let image = try unpackedListing("hello:latest")
        #expect(Set(image.keys).subtracting(base.keys) == ["root/myhttpserver", "dev", "proc", "sys"])
        #expect(image["root/myhttpserver"]?.hasPrefix("f 0755 0:0") == true)
        for (path, entry) in base { #expect(image[path] == entry, "\(path) changed") }

        let inspected = try json(try SwiftBuildProcess.run(["inspect", "hello", "--root", store.path]).standardOutput)
        let config = try #require((inspected["config"] as? [String: Any])?["config"] as? [String: Any])
        #expect(config["Entrypoint"] as? [String] == ["/root/myhttpserver"])
        #expect(config["WorkingDir"] as? String == "/root/")
        #expect(config["Cmd"] == nil)

        // It runs under podman with runc, printing the program's output.
        let archive = work.appendingPathComponent("hello.tar")
        let saved = try SwiftBuildProcess.run(["save", "hello", "-o", archive.path, "--format", "docker-archive", "--root", store.path])
        #expect(saved.status == 0, "\(saved.standardError)")
        let podmanRoot = URL(fileURLWithPath: "/tmp/sbb-\(UUID().uuidString.prefix(8))")
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

    @Test func failingRunNamesTheLineAndLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (result, _) = try build("FROM busybox\nRUN echo about to fail && exit 3\n", arguments: ["-t", "broken:latest"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("Dockerfile:2: RUN echo about to fail && exit 3: the command exited with status 3"))
        #expect(result.standardError.contains("    about to fail"))
        let images = try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput
        #expect(!images.contains("broken"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        #expect(try leftoverMounts().isEmpty)
    }

    /// A step's layer is moved out from under its overlay before the overlay is unmounted
    /// (in the background): the next step sees all of it, the image holds all of it, and a
    /// later failing step still leaves no mount and no work directory behind.
    @Test func aStepsLayerOutlivesItsOverlay() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let steps = """
            FROM busybox
            RUN mkdir -p /made/deep && echo hi > /made/deep/file && ln -s deep/file /made/link && rm /bin/true
            RUN test "$(cat /made/link)" = hi && test ! -e /bin/true && echo seen > /made/seen

            """
        let (built, _) = try build(steps, arguments: ["-t", "layered:latest"])
        #expect(built.status == 0, "\(built.standardError)")
        let files = try unpackedListing("layered:latest")
        #expect(files["made/deep/file"] != nil)
        #expect(files["made/link"] != nil)
        #expect(files["made/seen"] != nil)
        #expect(files["bin/true"] == nil)
        let (failed, _) = try build(steps + "RUN exit 4\n")
        #expect(failed.status == 1)
        #expect(failed.standardError.contains("the command exited with status 4"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        #expect(try leftoverMounts().isEmpty)
    }

    @Test func copyOfAMissingFileAndUnknownBaseAreLocatedErrors() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (missing, _) = try build("FROM busybox\nWORKDIR /app\nCOPY nope.txt .\n", arguments: ["-t", "x"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("Dockerfile:3: COPY nope.txt .: "))
        #expect(missing.standardError.contains("nope.txt"))
        // Not in the store, so its registry is asked (`.invalid` never resolves).
        let (unknown, _) = try build("FROM registry.invalid/alpine:3.20\nRUN true\n", arguments: ["-t", "x"])
        #expect(unknown.status == 1)
        #expect(
            unknown.standardError.contains(
                "Dockerfile:1: FROM registry.invalid/alpine:3.20: image 'registry.invalid/alpine:3.20' is not in the store, and pulling it failed: registry registry.invalid"
            ))
        #expect(!(try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput.contains("\nx:latest")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func metadataEndsUpInTheConfig() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (result, _) = try build(
            """
            FROM busybox
            ARG VERSION=1.0
            ENV APP_HOME=/srv/app GREETING="hello world"
            LABEL org.opencontainers.image.version=$VERSION maintainer=jane
            WORKDIR $APP_HOME
            USER 1000:1000
            EXPOSE 8080 53/udp
            VOLUME ["/data"]
            STOPSIGNAL SIGQUIT
            HEALTHCHECK --interval=30s --retries=3 CMD wget -q -O- localhost:8080
            SHELL ["/bin/sh", "-ec"]
            ONBUILD RUN echo child
            CMD echo $GREETING
            """, arguments: ["-t", "meta:latest"])
        #expect(result.status == 0, "\(result.standardError)")
        let inspected = try json(try SwiftBuildProcess.run(["inspect", "meta", "--root", store.path]).standardOutput)
        let image = try #require(inspected["config"] as? [String: Any])
        let config = try #require(image["config"] as? [String: Any])
        #expect((config["Env"] as? [String])?.contains("APP_HOME=/srv/app") == true)
        #expect((config["Env"] as? [String])?.contains("GREETING=hello world") == true)
        #expect((config["Env"] as? [String])?.contains { $0.hasPrefix("VERSION") } == false)
        #expect(config["Labels"] as? [String: String] == ["org.opencontainers.image.version": "1.0", "maintainer": "jane"])
        #expect(config["WorkingDir"] as? String == "/srv/app")
        #expect(config["User"] as? String == "1000:1000")
        #expect((config["ExposedPorts"] as? [String: Any]).map { Set($0.keys) } == ["8080/tcp", "53/udp"])
        #expect((config["Volumes"] as? [String: Any]).map { Set($0.keys) } == ["/data"])
        #expect(config["StopSignal"] as? String == "SIGQUIT")
        #expect((config["Healthcheck"] as? [String: Any])?["Test"] as? [String] == ["CMD-SHELL", "wget -q -O- localhost:8080"])
        #expect(config["Shell"] as? [String] == ["/bin/sh", "-ec"])
        #expect(config["OnBuild"] as? [String] == ["RUN echo child"])
        #expect(config["Cmd"] as? [String] == ["/bin/sh", "-ec", "echo $GREETING"])
        let history = try #require(image["history"] as? [[String: Any]])
        #expect(history.last?["created_by"] as? String == #"CMD ["/bin/sh" "-ec" "echo $GREETING"]"#)
        #expect(!history.contains { ($0["created_by"] as? String)?.hasPrefix("ONBUILD") == true })
        #expect(history.last?["empty_layer"] as? Bool == true)
    }

    @Test func sigtermStopsTheStepAndCleansUp() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let context = work.appendingPathComponent("interrupted")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data("FROM busybox\nRUN sleep 4321\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let process = Process()
        process.executableURL = SwiftBuildProcess.binary
        process.arguments = ["build", "-t", "interrupted", "--root", store.path, "--progress", "plain", context.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait (bounded) until the step is running, then interrupt swiftbuild.
        var running = false
        for _ in 0..<100 where !running {
            running = (try? ExternalTool.run(["pgrep", "-f", "sleep 4321"])) != nil
            if !running { usleep(100_000) }
        }
        #expect(running, "the RUN step never started")
        process.terminate()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 143, "\(stderr)")
        #expect(stderr.contains("build interrupted by SIGTERM"))
        #expect((try? ExternalTool.run(["pgrep", "-f", "sleep 4321"])) == nil, "the step's process survived")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        #expect(try leftoverMounts().isEmpty)
        #expect(!(try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput.contains("interrupted")))
    }

    @Test func everyOutputQuietModeAndAnArchiveBase() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let base = work.appendingPathComponent("busybox-oci.tar")
        #expect(try SwiftBuildProcess.run(["save", "busybox", "-o", base.path, "--root", store.path]).status == 0)
        let out = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let outputs = [
            "type=oci,dest=\(out.path)/image.tar", "type=oci,dest=\(out.path)/layout,tar=false",
            "type=docker,dest=\(out.path)/docker.tar", "type=local,dest=\(out.path)/rootfs",
            "type=tar,dest=\(out.path)/rootfs.tar"
        ]
        let (result, _) = try build(
            "FROM oci-archive:\(base.path):busybox:latest\nRUN echo built > /marker\n",
            arguments: ["-q", "-t", "outputs:latest"] + outputs.flatMap { ["--output", $0] })
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        #expect(result.standardOutput.hasPrefix("sha256:") && result.standardOutput.split(separator: "\n").count == 1)
        try ExternalTool.run(["skopeo", "inspect", "oci-archive:\(out.path)/image.tar:outputs:latest"])
        try ExternalTool.run(["skopeo", "inspect", "docker-archive:\(out.path)/docker.tar"])
        let bundle = work.appendingPathComponent("outputs-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(out.path)/layout:outputs:latest", bundle.path])
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/marker"), encoding: .utf8) == "built\n")
        #expect(try String(contentsOf: out.appendingPathComponent("rootfs/marker"), encoding: .utf8) == "built\n")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("rootfs/bin/busybox").path))
        let listing = try ExternalTool.run(["tar", "-tf", "\(out.path)/rootfs.tar"]).split(separator: "\n")
        #expect(listing.contains("marker") && listing.contains("bin/busybox"))
        // The archive base was imported without a name of its own.
        let images = try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput
        #expect(images.split(separator: "\n").count == 3)
    }

    @Test func onbuildTriggersRunInTheChild() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (parent, _) = try build(
            "FROM busybox\nONBUILD RUN echo triggered > /onbuild-ran\nONBUILD ENV FROM_PARENT=1\n",
            arguments: ["-t", "parent"])
        #expect(parent.status == 0, "\(parent.standardError)")
        let (child, _) = try build("FROM parent\nRUN cat /onbuild-ran > /seen\n", arguments: ["-t", "child"])
        #expect(child.status == 0, "\(child.standardError)")
        let files = try unpackedListing("child:latest")
        #expect(files["seen"] != nil && files["onbuild-ran"] != nil)
        let config = try json(try SwiftBuildProcess.run(["inspect", "child", "--root", store.path]).standardOutput)
        let container = try #require((config["config"] as? [String: Any])?["config"] as? [String: Any])
        #expect(container["OnBuild"] == nil)
        #expect((container["Env"] as? [String])?.contains("FROM_PARENT=1") == true)
    }

    /// BuildKit runs the triggers of a stage that a later stage is built FROM, in the later
    /// stage only: the parent stage keeps them in its config, the child does not.
    @Test func onbuildTriggersOfAStageRunInTheStagesBuiltFromIt() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox AS p
            ONBUILD RUN mkdir -p /triggered && echo ran > /triggered/run
            ONBUILD ENV TRIGGERED=yes
            ONBUILD WORKDIR /trig
            RUN echo parent > /parent
            FROM p AS child
            RUN echo "$TRIGGERED $(pwd)" > /after
            FROM child
            RUN echo grandchild > /grandchild
            """
        let (child, _) = try build(dockerfile, arguments: ["-t", "stage-child"])
        #expect(child.status == 0, "\(child.standardError)")
        let files = try unpackedListing("stage-child:latest")
        #expect(files["triggered/run"] != nil && files["trig"] != nil && files["grandchild"] != nil)
        let bundle = work.appendingPathComponent("stage-child-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):stage-child:latest", bundle.path])
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/after"), encoding: .utf8) == "yes /trig\n")
        let config = try json(try SwiftBuildProcess.run(["inspect", "stage-child", "--root", store.path]).standardOutput)
        let container = try #require((config["config"] as? [String: Any])?["config"] as? [String: Any])
        #expect(container["OnBuild"] == nil)
        #expect(container["WorkingDir"] as? String == "/trig")
        #expect((container["Env"] as? [String])?.contains("TRIGGERED=yes") == true)
        let (parent, _) = try build(dockerfile, arguments: ["-t", "stage-parent", "--target", "p"])
        #expect(parent.status == 0, "\(parent.standardError)")
        let parentFiles = try unpackedListing("stage-parent:latest")
        #expect(parentFiles["triggered/run"] == nil && parentFiles["parent"] != nil)
        let parentConfig = try json(try SwiftBuildProcess.run(["inspect", "stage-parent", "--root", store.path]).standardOutput)
        let parentContainer = try #require((parentConfig["config"] as? [String: Any])?["config"] as? [String: Any])
        #expect(
            parentContainer["OnBuild"] as? [String] == [
                "RUN mkdir -p /triggered && echo ran > /triggered/run", "ENV TRIGGERED=yes", "WORKDIR /trig"
            ])
    }

    @Test func networkModesPerBuildAndPerStep() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox
            RUN cat /proc/net/dev > /default-network
            RUN --network=none cat /proc/net/dev > /none-network
            RUN --network=host cat /proc/net/dev > /host-network
            RUN hostname > /hostname
            """
        let interfaces = { (image: String, file: String) throws -> [String] in
            let bundle = work.appendingPathComponent("net-\(UUID().uuidString.prefix(6))")
            try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(image)", bundle.path])
            let table = try String(contentsOf: bundle.appendingPathComponent("rootfs/\(file)"), encoding: .utf8)
            return table.split(separator: "\n").dropFirst(2).map {
                String($0.split(separator: ":")[0]).trimmingCharacters(in: .whitespaces)
            }
        }
        let (host, _) = try build(dockerfile, arguments: ["-t", "net-host"])
        #expect(host.status == 0, "\(host.standardError)")
        #expect(try interfaces("net-host:latest", "none-network") == ["lo"])
        #expect(try interfaces("net-host:latest", "default-network").count > 1)
        #expect(try interfaces("net-host:latest", "host-network").count > 1)
        let (none, _) = try build(dockerfile, arguments: ["-t", "net-none", "--network", "none"])
        #expect(none.status == 0, "\(none.standardError)")
        #expect(try interfaces("net-none:latest", "default-network") == ["lo"])
        #expect(try interfaces("net-none:latest", "host-network").count > 1)
        let bundle = work.appendingPathComponent("hostname-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):net-none:latest", bundle.path])
        #expect(try String(contentsOf: bundle.appendingPathComponent("rootfs/hostname"), encoding: .utf8) == "buildkitsandbox\n")
    }

    /// A RUN step runs as root in the image but must not be able to touch the host: it
    /// keeps only Docker's default capabilities (without mknod, and without net_raw on the
    /// host's network), and /proc/sys is read-only.
    @Test func stepsCannotReachTheHost() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (result, _) = try build(
            """
            FROM busybox
            RUN grep -E '^Cap(Bnd|Inh)' /proc/self/status > /caps
            RUN (mkdir -p /m && mount -t tmpfs none /m && echo mounted || echo mount-denied) > /attempts; \\
                (mknod /disk b 8 0 && echo mknod || echo mknod-denied) >> /attempts; \\
                (echo x > /proc/sys/kernel/core_pattern && echo wrote-proc || echo proc-denied) >> /attempts; \\
                (ip link add sbhostile0 type dummy && echo link || echo link-denied) >> /attempts; \\
                (touch /owned && chown 1:1 /owned && echo chown-ok) >> /attempts
            """, arguments: ["-t", "contained"])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("contained-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):contained:latest", bundle.path])
        let caps = try String(contentsOf: bundle.appendingPathComponent("rootfs/caps"), encoding: .utf8)
        #expect(caps == "CapInh:\t0000000000000000\nCapBnd:\t00000000a00405fb\n")
        let attempts = try String(contentsOf: bundle.appendingPathComponent("rootfs/attempts"), encoding: .utf8)
        #expect(attempts == "mount-denied\nmknod-denied\nproc-denied\nlink-denied\nchown-ok\n")
        #expect((try? ExternalTool.run(["ip", "link", "show", "sbhostile0"])) == nil)
    }

    /// History lines use BuildKit's formats (Go's %q and %v), which tools and people compare.
    @Test func historyReadsLikeBuildKit() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (result, _) = try build(
            """
            FROM busybox
            ARG FOO
            ARG BAR=bar
            ENV BAR=env-bar
            RUN echo $FOO $BAR > /x
            COPY --chmod=755 Dockerfile /df
            SHELL ["/bin/sh", "-c"]
            HEALTHCHECK --interval=1m30s --retries=3 CMD true
            ENTRYPOINT ["/bin/echo", "a \\"quoted\\" word"]
            """, arguments: ["-t", "history", "--build-arg", "FOO=secret"])
        #expect(result.status == 0, "\(result.standardError)")
        let inspected = try json(try SwiftBuildProcess.run(["inspect", "history", "--root", store.path]).standardOutput)
        let history = try #require((inspected["config"] as? [String: Any])?["history"] as? [[String: Any]])
        let lines = history.compactMap { $0["created_by"] as? String }.suffix(8)
        #expect(
            Array(lines) == [
                "ARG FOO=secret", "ARG BAR=bar", "ENV BAR=env-bar",
                "RUN |2 FOO=secret BAR=env-bar /bin/sh -c echo $FOO $BAR > /x # buildkit",
                "COPY --chmod=755 Dockerfile /df # buildkit",
                "SHELL [/bin/sh -c]",
                #"HEALTHCHECK &{["CMD-SHELL" "true"] "1m30s" "0s" "0s" "0s" '\x03'}"#,
                #"ENTRYPOINT ["/bin/echo" "a \"quoted\" word"]"#
            ])
        let (badSignal, _) = try build("FROM busybox\nSTOPSIGNAL SIGFOO\n", arguments: ["-t", "bad-signal"])
        #expect(badSignal.status == 1)
        #expect(badSignal.standardError.contains("Dockerfile:2: STOPSIGNAL SIGFOO: invalid signal: SIGFOO"))
    }

    /// An archive's own symlink (`esc -> /`) must not carry later entries out of ADD's
    /// destination: as Docker's chrooted extraction does, it resolves inside the destination.
    @Test func addArchiveStaysInItsDestination() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // This first build only lays out the context (it fails: escape.tar is not there yet).
        let (_, context) = try build("FROM busybox\nADD escape.tar /x/\n", arguments: ["-t", "contained-add"])
        try ExternalTool.run([
            "python3", "-c",
            """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1] + "/escape.tar", "w") as tar:
                link = tarfile.TarInfo("esc"); link.type = tarfile.SYMTYPE; link.linkname = "/"; tar.addfile(link)
                data = b"evil\\n"; entry = tarfile.TarInfo("esc/etc/passwd"); entry.size = len(data)
                tar.addfile(entry, io.BytesIO(data))
            """, context.path
        ])
        let rebuilt = try SwiftBuildProcess.run(["build", "-t", "contained-add", "--root", store.path, "--progress", "quiet", context.path])
        #expect(rebuilt.status == 0, "\(rebuilt.standardError)")
        let files = try unpackedListing("contained-add:latest")
        let base = try unpackedListing("busybox:latest")
        #expect(files["etc/passwd"] == base["etc/passwd"])
        #expect(files["x/etc/passwd"]?.hasPrefix("f ") == true)
        #expect(files["x/esc"]?.hasPrefix("l ") == true)
    }

    @Test func heredocsInRunAndCopy() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let (result, _) = try build(
            """
            FROM busybox
            ARG WHO=world
            RUN <<EOF
            #!/bin/awk -f
            BEGIN { print "from awk" > "/awk-out" }
            EOF
            RUN <<EOF
            echo "hello $WHO" > /sh-out
            EOF
            COPY <<greeting.txt <<'literal.txt' /notes/
            hi $WHO
            greeting.txt
            keep $WHO
            literal.txt
            """, arguments: ["-t", "heredocs"])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("heredoc-bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):heredocs:latest", bundle.path])
        let read = { (path: String) in try String(contentsOf: bundle.appendingPathComponent("rootfs/\(path)"), encoding: .utf8) }
        #expect(try read("awk-out") == "from awk\n")
        #expect(try read("sh-out") == "hello world\n")
        #expect(try read("notes/greeting.txt") == "hi world\n")
        #expect(try read("notes/literal.txt") == "keep $WHO\n")
        // The script went to the step's /dev/shm: the /dev left in the image (as runc
        // leaves it) is empty.
        #expect(try FileManager.default.contentsOfDirectory(atPath: bundle.appendingPathComponent("rootfs/dev").path).isEmpty)
    }
}
