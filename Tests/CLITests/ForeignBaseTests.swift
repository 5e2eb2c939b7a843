import Foundation
import Testing

/// Builds on bases without `/etc/passwd`, as real images are (`FROM scratch`, Debian's
/// static busybox alone, distroless-style images), checked against what BuildKit does
/// with them: what the steps see, the saved config, and the files left in the image.
@Suite("Bases without /etc/passwd", .enabled(if: ExternalTool.isRoot, "RUN needs root for namespaces and overlay mounts"))
struct ForeignBaseTests {
    let work: URL
    let store: URL

    /// A store holding `bare:latest`: `/bin/busybox` (from Debian's busybox-static) and a
    /// symlink per applet, nothing else: no /etc, no /proc, /sys or /dev, no /tmp.
    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        let layout = work.appendingPathComponent("bare-layout"), bundle = work.appendingPathComponent("bare-bundle")
        try ExternalTool.run(["umoci", "init", "--layout", layout.path])
        try ExternalTool.run(["umoci", "new", "--image", "\(layout.path):bare"])
        try ExternalTool.run(["umoci", "unpack", "--image", "\(layout.path):bare", bundle.path])
        try ExternalTool.run([
            "sh", "-c",
            """
            set -e
            cd '\(bundle.path)/rootfs'
            mkdir bin
            cp /bin/busybox bin/busybox
            for applet in $(bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "bin/$applet"; done
            """
        ])
        try ExternalTool.run(["umoci", "repack", "--image", "\(layout.path):bare", bundle.path])
        try ExternalTool.run(["umoci", "config", "--image", "\(layout.path):bare", "--config.env", "PATH=/bin"])
        try ExternalTool.run(["umoci", "tag", "--image", "\(layout.path):bare", "bare:latest"])
        let loaded = try SwiftBuildProcess.run(["load", "-i", layout.path, "--root", store.path])
        #expect(loaded.status == 0, "\(loaded.standardError)")
    }

    func build(
        _ dockerfile: String, tag: String, files: [String: String] = [:],
        arguments: [String] = []
    ) throws -> SwiftBuildProcess.Result {
        let context = work.appendingPathComponent("context-\(tag)")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        for (name, content) in files {
            try Data(content.utf8).write(to: context.appendingPathComponent(name))
        }
        return try SwiftBuildProcess.run(["build", "-t", tag, "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    /// The image's files as `umoci unpack` makes them: path → `type mode uid:gid link [sha256]`.
    func files(_ tag: String) throws -> [String: String] {
        let bundle = work.appendingPathComponent("bundle-\(tag)-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(tag):latest", bundle.path])
        return try TreeListing.of(bundle.appendingPathComponent("rootfs"))
    }

    /// One file's text from the unpacked image.
    func text(_ path: String, in tag: String) throws -> String {
        let bundle = work.appendingPathComponent("text-\(tag)-\(UUID().uuidString.prefix(6))")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):\(tag):latest", bundle.path])
        return try String(contentsOf: bundle.appendingPathComponent("rootfs/" + path), encoding: .utf8)
    }

    /// The image's container config, as skopeo reads it from the store's OCI layout.
    func config(_ tag: String) throws -> [String: Any] {
        let image = try json(try ExternalTool.run(["skopeo", "inspect", "--config", "oci:\(store.path):\(tag):latest"]))
        return try #require(image["config"] as? [String: Any])
    }

    func history(_ tag: String) throws -> [String] {
        let inspected = try json(try SwiftBuildProcess.run(["inspect", tag, "--root", store.path]).standardOutput)
        let entries = try #require((inspected["config"] as? [String: Any])?["history"] as? [[String: Any]])
        return entries.compactMap { $0["created_by"] as? String }
    }

    @Test func scratchTakesWorkdirCopyAndNumericOwners() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM scratch
            WORKDIR /app
            COPY --chown=1000:1000 a.txt .
            USER 1000
            WORKDIR data/
            COPY --chown=root b.txt .
            """, tag: "from-scratch", files: ["a.txt": "a\n", "b.txt": "b\n"])
        #expect(result.status == 0, "\(result.standardError)")
        let tree = try files("from-scratch")
        #expect(tree["app"]?.hasPrefix("d 0755 0:0") == true)
        #expect(tree["app/a.txt"]?.hasPrefix("f 0644 1000:1000") == true)
        // BuildKit's file operations give a bare uid its own number as group.
        #expect(tree["app/data"]?.hasPrefix("d 0755 1000:1000") == true)
        #expect(tree["app/data/b.txt"]?.hasPrefix("f 0644 0:0") == true)
        #expect(Set(tree.keys) == ["app", "app/a.txt", "app/data", "app/data/b.txt"])
        let config = try config("from-scratch")
        #expect(config["WorkingDir"] as? String == "/app/data")
        #expect(config["Env"] as? [String] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    }

    @Test func runAndWorkdirNeedNoPasswd() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM bare
            WORKDIR /work
            RUN echo "home=$HOME" > env.txt && env | sort >> env.txt && id > id.txt && pwd > pwd.txt \\
                && echo "hostname=$HOSTNAME" >> env.txt
            USER 1000:1000
            WORKDIR /work/user
            RUN id > id.txt && echo "home=$HOME" >> id.txt && touch mine
            """, tag: "bare-run")
        #expect(result.status == 0, "\(result.standardError)")
        let env = try text("work/env.txt", in: "bare-run")
        // HOME is `/` (no passwd); busybox sh sets HOSTNAME from the host name, but the
        // environment has none: neither runc nor BuildKit add one.
        #expect(env.hasPrefix("home=/\n"))
        #expect(env.contains("\nHOME=/\n"))
        #expect(env.hasSuffix("hostname=buildkitsandbox\n"))
        #expect(!env.contains("HOSTNAME="))
        // No /etc/group: no supplementary groups at all, as under BuildKit (busybox's id
        // then prints no groups=).
        #expect(try text("work/id.txt", in: "bare-run") == "uid=0 gid=0\n")
        #expect(try text("work/pwd.txt", in: "bare-run") == "/work\n")
        #expect(try text("work/user/id.txt", in: "bare-run") == "uid=1000 gid=1000\nhome=/\n")
        let tree = try files("bare-run")
        #expect(tree["work/user"]?.hasPrefix("d 0755 1000:1000") == true)
        #expect(tree["work/user/mine"]?.hasPrefix("f 0644 1000:1000") == true)
    }

    @Test func namesNeedPasswdAndFailWithBuildKitsMessage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let run = try build("FROM bare\nUSER nobody\nWORKDIR /w\nRUN true\n", tag: "no-user")
        #expect(run.status == 1)
        #expect(
            run.standardError.contains("Dockerfile:4: RUN true: unable to find user nobody: no matching entries in passwd file"),
            "\(run.standardError)")
        let group = try build("FROM bare\nUSER 1000:staff\nRUN true\n", tag: "no-group")
        #expect(group.status == 1)
        #expect(group.standardError.contains("Dockerfile:3: RUN true: unable to find group staff: no matching entries in group file"))
        let chown = try build("FROM bare\nCOPY --chown=nobody a.txt /\n", tag: "no-chown", files: ["a.txt": "a"])
        #expect(chown.status == 1)
        #expect(
            chown.standardError.contains(
                "Dockerfile:2: COPY --chown=nobody a.txt /: unable to find user nobody: no matching entries in passwd file (the image has no /etc/passwd)"
            ),
            "\(chown.standardError)")
        let images = try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput
        #expect(!images.contains("no-user") && !images.contains("no-group") && !images.contains("no-chown"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
    }

    @Test func namesResolveOnceTheImageHasPasswd() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM bare
            COPY passwd group /etc/
            USER app
            WORKDIR /srv/app
            RUN id > id.txt && echo "home=$HOME" >> id.txt
            """, tag: "named",
            files: [
                "passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
                "group": "root:x:0:\napp:x:1001:\nstaff:x:50:app\n"
            ])
        #expect(result.status == 0, "\(result.standardError)")
        let id = try text("srv/app/id.txt", in: "named")
        // The kernel keeps the groups sorted; getgroups returns them so.
        #expect(id == "uid=1000(app) gid=1001(app) groups=50(staff),1001(app)\nhome=/home/app\n", "\(id)")
        #expect(try files("named")["srv/app"]?.hasPrefix("d 0755 1000:1001") == true)
    }

    @Test func envKeepsItsOrderAndArgsCarryIntoChildStages() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM bare AS base
            ARG GREETING=hello
            ENV A=1 B=2 C=3
            ENV B=two
            FROM base
            RUN echo "$GREETING $B" > /greeting
            """, tag: "env-args")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try config("env-args")["Env"] as? [String] == ["PATH=/bin", "A=1", "B=two", "C=3"])
        #expect(try text("greeting", in: "env-args") == "hello two\n")
        #expect(try history("env-args").last == "RUN |1 GREETING=hello /bin/sh -c echo \"$GREETING $B\" > /greeting # buildkit")
    }

    @Test func workdirIsWrittenAsItWasWritten() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM bare
            WORKDIR /root/
            RUN pwd > /first
            WORKDIR /a/../b
            RUN pwd > /second
            WORKDIR c/d/
            """, tag: "workdirs")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try config("workdirs")["WorkingDir"] as? String == "/b/c/d")
        #expect(
            Array(try history("workdirs").suffix(5)) == [
                "WORKDIR /root/", "RUN /bin/sh -c pwd > /first # buildkit",
                "WORKDIR /a/../b", "RUN /bin/sh -c pwd > /second # buildkit", "WORKDIR /b/c/d"
            ])
        #expect(try text("first", in: "workdirs") == "/root\n")
        #expect(try text("second", in: "workdirs") == "/b\n")
        let tree = try files("workdirs")
        #expect(tree["b/c/d"]?.hasPrefix("d 0755 0:0") == true)
        #expect(tree["a"] == nil, "WORKDIR /a/../b made /a")
        let root = try build("FROM bare\nWORKDIR /root/\n", tag: "workdir-root")
        #expect(root.status == 0, "\(root.standardError)")
        #expect(try config("workdir-root")["WorkingDir"] as? String == "/root/")
    }

    @Test func runLeavesDevProcSysAndEtcAsRuncDoes() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build("FROM bare\nRUN true\n", tag: "mount-points")
        #expect(result.status == 0, "\(result.standardError)")
        let base = try files("bare")
        let tree = try files("mount-points")
        // The empty directories stay, /etc too (runc makes it for the /etc/hosts and
        // /etc/resolv.conf mounts; BuildKit removes the file stubs, not the directory).
        #expect(Set(tree.keys).subtracting(base.keys) == ["dev", "etc", "proc", "sys"])
        for directory in ["dev", "etc", "proc", "sys"] {
            #expect(tree[directory] == "d 0755 0:0 ", "\(directory): \(tree[directory] ?? "absent")")
        }
        // The layer holds exactly those four directories.
        let layerListing = try ExternalTool.run([
            "sh", "-c",
            """
            set -e
            cd '\(store.path)'
            manifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "mount-points:latest") | .digest' index.json)
            layer=$(jq -r '.layers[-1].digest' "blobs/sha256/${manifest#sha256:}")
            tar --numeric-owner -tvf "blobs/sha256/${layer#sha256:}" | awk '{print $1, $2, $6}'
            """
        ])
        #expect(layerListing == "drwxr-xr-x 0/0 dev/\ndrwxr-xr-x 0/0 etc/\ndrwxr-xr-x 0/0 proc/\ndrwxr-xr-x 0/0 sys/\n")
    }
}
