import Foundation
import Glibc
import Testing

/// `RUN --mount` on a busybox base: what the step sees, what the layer keeps (nothing of
/// a mount, no mount point the image lacked), what the key is made of, and that a bind's
/// source stays inside its root.
@Suite("RUN --mount", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct RunMountTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }
    /// A directory outside the store and the context holding `victim` (`victim\n`).
    let sentinel: URL

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        sentinel = workspace.work.appendingPathComponent("sentinel")
        try FileManager.default.createDirectory(at: sentinel, withIntermediateDirectories: true)
        try Data("victim\n".utf8).write(to: sentinel.appendingPathComponent("victim"))
    }

    func write(_ text: String, to path: String) throws {
        let file = context.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
    }

    func build(_ dockerfile: String, tag: String = "mounts:latest", _ flags: [String] = []) throws -> SwiftBuildProcess.Result {
        try write(dockerfile, to: "Dockerfile")
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", "-t", tag] + flags + [context.path])
    }

    /// The image's root filesystem, unpacked by umoci.
    func unpack(_ tag: String = "mounts:latest") throws -> URL {
        try workspace.unpack(tag)
    }

    func expectSentinelIntact() throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel.path) == ["victim"])
        #expect(try String(contentsOf: sentinel.appendingPathComponent("victim"), encoding: .utf8) == "victim\n")
    }

    /// A bind from the context (the default type) is read-only, a missing target is the
    /// WORKDIR and a relative one is under it; neither the mount's files nor its mount
    /// point reach the layer.
    @Test func aContextBindIsReadOnlyAndLeavesNothingInTheLayer() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try write("alpha\n", to: "data/a.txt")
        // A symlink that stays inside the context is followed there.
        try FileManager.default.createSymbolicLink(atPath: context.appendingPathComponent("alias").path, withDestinationPath: "/data")
        let result = try build(
            """
            FROM busybox
            WORKDIR /w
            RUN --mount=source=alias,target=/al cat /al/a.txt > /via-link
            RUN --mount=source=data,target=d --mount=ro,target=/ctx \\
                cat d/a.txt /ctx/data/a.txt > /seen && \\
                if touch d/new 2>/dev/null; then echo writable > /seen; fi && \\
                grep -q ' /w/d .*ro,' /proc/mounts && echo ok >> /seen
            RUN --mount=source=data cat a.txt > /seen-workdir
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("seen", in: root) == "alpha\nalpha\nok\n")
        #expect(try text("seen-workdir", in: root) == "alpha\n")
        #expect(try text("via-link", in: root) == "alpha\n")
        #expect(!exists("al", in: root))
        #expect(!exists("w/d", in: root))
        #expect(!exists("ctx", in: root))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("w").path).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: context.appendingPathComponent("data").path) == ["a.txt"])
    }

    /// `rw`: the step may write, and the writes vanish with it (the context is untouched).
    @Test func aReadWriteBindKeepsNoWrite() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try write("alpha\n", to: "data/a.txt")
        let result = try build(
            """
            FROM busybox
            RUN --mount=source=data,target=/m,rw echo changed > /m/a.txt && touch /m/new && cat /m/a.txt > /seen
            RUN --mount=source=data,target=/m cat /m/a.txt >> /seen && ls /m >> /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("seen", in: root) == "changed\nalpha\na.txt\n")
        #expect(!exists("m", in: root))
        #expect(try String(contentsOf: context.appendingPathComponent("data/a.txt"), encoding: .utf8) == "alpha\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: context.appendingPathComponent("data").path) == ["a.txt"])
    }

    /// `from=` a stage and `from=` an image (the store's busybox).
    @Test func aBindFromAStageOrAnImage() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox AS build
            RUN mkdir /out && echo built > /out/f
            FROM busybox
            RUN --mount=from=build,source=/out,target=/in --mount=from=busybox,source=/bin/busybox,target=/bb \\
                cat /in/f > /got && test -x /bb && echo image >> /got
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("got", in: root) == "built\nimage\n")
        #expect(!exists("in", in: root))
        #expect(!exists("bb", in: root))
    }

    /// A tmpfs of the asked size, gone with the step.
    @Test func aTmpfsHasItsSizeAndLeavesNothing() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=tmpfs,target=/scratch/t,size=1m \\
                grep -q '^tmpfs /scratch/t tmpfs' /proc/mounts && echo data > /scratch/t/f && \\
                if dd if=/dev/zero of=/scratch/t/big bs=1024 count=2048 2>/dev/null; then echo unbounded; else echo bounded; fi > /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("seen", in: root) == "bounded\n")
        #expect(!exists("scratch", in: root))
    }

    /// A context bind is keyed by the content it selects: the same content hits, a changed
    /// file misses; a file outside the source does not matter.
    @Test func aContextBindIsKeyedByItsContent() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try write("one\n", to: "data/a.txt")
        try write("x\n", to: "other.txt")
        let dockerfile = "FROM busybox\nRUN --mount=source=data,target=/m cat /m/a.txt > /seen\n"
        #expect(try build(dockerfile).status == 0)
        try write("y\n", to: "other.txt")
        let again = try build(dockerfile)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("CACHED"), "\(again.standardError)")
        try write("two\n", to: "data/a.txt")
        let changed = try build(dockerfile)
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(!changed.standardError.contains("CACHED"), "\(changed.standardError)")
        #expect(try text("seen", in: try unpack()) == "two\n")
    }

    /// A symlink in the context (absolute or climbing with `..`) resolves inside the
    /// context, never to the host's files, read-only or `rw`.
    @Test(arguments: ["absolute", "climbing"])
    func aSymlinkInTheContextCannotReachOutside(_ form: String) throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let link = form == "absolute" ? sentinel.path : String(repeating: "../", count: 24) + sentinel.path.dropFirst()
        try FileManager.default.createSymbolicLink(
            atPath: context.appendingPathComponent("esc").path, withDestinationPath: link)
        for options in ["", ",rw"] {
            let result = try build(
                """
                FROM busybox
                RUN --mount=source=esc,target=/m\(options) cat /m/victim > /got; echo pwned > /m/victim; true
                """)
            #expect(result.status != 0 || !result.standardError.contains("victim\n"), "\(result.standardError)")
            if result.status != 0 {
                #expect(result.standardError.contains("Dockerfile:2"), "\(result.standardError)")
                #expect(result.standardError.contains("open the mount source /esc"), "\(result.standardError)")
            } else {
                #expect(try text("got", in: try unpack()).isEmpty)
            }
            try expectSentinelIntact()
        }
    }

    /// A symlink a stage made (to the host path of the sentinel) resolves inside the
    /// stage's root.
    @Test func aSymlinkInAStageCannotReachOutside() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox AS s
            RUN ln -s \(sentinel.path) /esc && mkdir -p /x && ln -s ../../../../../../../../\(sentinel.path.dropFirst()) /x/up
            FROM busybox
            RUN --mount=from=s,source=/esc,target=/m,rw cat /m/victim > /got; echo pwned > /m/victim; true
            RUN --mount=from=s,source=/x/up,target=/n,rw cat /n/victim >> /got; echo pwned > /n/victim; true
            """)
        if result.status == 0 {
            #expect(try text("got", in: try unpack()).isEmpty)
        } else {
            #expect(result.standardError.contains("Dockerfile:4"), "\(result.standardError)")
        }
        try expectSentinelIntact()
    }

    /// A target through the image's own symlink naming the sentinel's host path is made,
    /// mounted on and removed inside the step's root, never on the host; through a
    /// dangling one, it is a located error (nothing is made through it).
    @Test func aTargetThroughAnImageSymlinkStaysInTheRoot() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN mkdir -p \(sentinel.path) && ln -s \(sentinel.path) /esc
            RUN --mount=type=tmpfs,target=/esc/t --mount=type=cache,id=e,target=/esc/c --mount=source=.,target=/esc/b \\
                touch /esc/t/pwned /esc/c/pwned && ls /esc > /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("seen", in: root) == "b\nc\nt\n")
        // The mount points made in the image's own directory are gone again.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(String(sentinel.path.dropFirst())).path).isEmpty
        )
        try expectSentinelIntact()
        let dangling = try build(
            """
            FROM busybox
            RUN ln -s \(sentinel.path) /esc
            RUN --mount=type=tmpfs,target=/esc/t touch /esc/t/pwned
            """)
        #expect(dangling.status == 1, "\(dangling.standardError)")
        #expect(dangling.standardError.contains("Dockerfile:3:"), "\(dangling.standardError)")
        try expectSentinelIntact()
    }

    /// Bad mount options are located errors naming the option.
    @Test func badOptionsAreLocatedErrors() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        for (line, option) in [("--mount=type=tmpfs,target=/t,size=huge", "size=huge"), ("--mount=target=/", "'/'")] {
            let result = try build("FROM busybox\nRUN \(line) true\n")
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("Dockerfile:2"), "\(result.standardError)")
            #expect(result.standardError.contains(option), "\(result.standardError)")
        }
    }

    /// The files of the image (unpacked by umoci) whose contents hold `needle`: "never in
    /// a layer".
    func imageFiles(containing needle: String, tag: String = "mounts:latest") throws -> [String] {
        let root = try unpack(tag)
        var found: [String] = []
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let path = walker?.nextObject() as? String {
            var status = stat()
            guard lstat(root.appendingPathComponent(path).path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            if data.range(of: Data(needle.utf8)) != nil { found.append(path) }
        }
        return found
    }

    /// A cache mount survives builds and `--no-cache`; a changed RUN sees what an earlier
    /// build left; the image never holds it; `prune --build-cache` removes it.
    @Test func aCacheMountOutlivesTheBuildAndStaysOutOfTheLayers() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let first = try build(
            """
            FROM busybox
            RUN --mount=type=cache,target=/root/.cache/tool echo cached-bytes-1 > /root/.cache/tool/f && echo one > /done
            """)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(try imageFiles(containing: "cached-bytes-1").isEmpty)
        #expect(!exists("root/.cache", in: try unpack()))
        let second = try build(
            """
            FROM busybox
            RUN --mount=type=cache,target=/root/.cache/tool cat /root/.cache/tool/f > /seen
            """)
        #expect(second.status == 0, "\(second.standardError)")
        #expect(try text("seen", in: try unpack()) == "cached-bytes-1\n")
        let uncached = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=/root/.cache/tool,target=/elsewhere cat /elsewhere/f > /seen
            """, ["--no-cache"])
        #expect(uncached.status == 0, "\(uncached.standardError)")
        #expect(try text("seen", in: try unpack()) == "cached-bytes-1\n")
        let prune = try SwiftBuildProcess.run(["prune", "--build-cache", "--root", store.path])
        #expect(prune.status == 0, "\(prune.standardError)")
        #expect(prune.standardOutput.contains("1 cache mounts"), "\(prune.standardOutput)")
        let afterPrune = try build(
            """
            FROM busybox
            RUN --mount=type=cache,target=/root/.cache/tool ls -A /root/.cache/tool | wc -l > /seen
            """)
        #expect(afterPrune.status == 0, "\(afterPrune.standardError)")
        #expect(try text("seen", in: try unpack()).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// `mode`, `uid`, `gid` make a new cache directory so; `ro` mounts it read-only.
    @Test func aCacheMountsOwnerModeAndReadOnly() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=owned,target=/c,mode=0710,uid=1000,gid=50 stat -c '%a %u %g' /c > /seen
            RUN --mount=type=cache,id=owned,target=/c,ro if touch /c/x 2>/dev/null; then echo writable; else echo read-only; fi >> /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try text("seen", in: try unpack()) == "710 1000 50\nread-only\n")
    }

    /// `sharing=locked` serialises the steps of two stages that run at once: neither sees
    /// the other's marker.
    @Test func aLockedCacheIsUsedByOneStepAtATime() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        // Two different commands, so that neither stage can hit the other's cache record.
        func step(_ name: String) -> String {
            "RUN --mount=type=cache,id=lk,target=/c,sharing=locked if [ -e /c/busy ]; then echo overlap; else echo alone; fi > /seen && touch /c/busy && sleep 1 && rm /c/busy && echo \(name)"
        }
        let result = try build(
            """
            FROM busybox AS a
            \(step("a"))
            FROM busybox AS b
            \(step("b"))
            FROM busybox
            COPY --from=a /seen /a
            COPY --from=b /seen /b
            """, ["--jobs", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("a", in: root) == "alone\n")
        #expect(try text("b", in: root) == "alone\n")
    }

    /// A context bind shows what COPY would: files `.dockerignore` excludes are absent
    /// (read-only, `rw`, a directory or a file source), and the context is unchanged.
    @Test func aContextBindHonoursDockerignore() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try write("alpha\n", to: "data/a.txt")
        try write("hidden\n", to: "data/secret.txt")
        try write("data/secret.txt\n", to: ".dockerignore")
        let result = try build(
            """
            FROM busybox
            RUN --mount=source=data,target=/m ls /m > /seen && if touch /m/x 2>/dev/null; then echo writable >> /seen; fi
            RUN --mount=source=data,target=/m,rw touch /m/new && ls /m >> /seen
            RUN --mount=source=data/a.txt,target=/f cat /f >> /seen
            RUN --mount=target=/ctx ls -A /ctx /ctx/data >> /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(
            try text("seen", in: try unpack())
                == "a.txt\na.txt\nnew\nalpha\n/ctx:\n.dockerignore\nDockerfile\ndata\n\n/ctx/data:\na.txt\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: context.appendingPathComponent("data").path).sorted() == [
                "a.txt", "secret.txt"
            ])
    }

    /// `sharing=private` while another holder has the cache (here the test, holding its
    /// lock file): the step gets a fresh, empty directory and does not wait; once the
    /// lock is free it gets the cache again.
    @Test func aPrivateCacheHeldElsewhereIsAFreshDirectory() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let seed = try build("FROM busybox\nRUN --mount=type=cache,id=p,target=/c touch /c/seed\n")
        #expect(seed.status == 0, "\(seed.standardError)")
        let hex = try ExternalTool.run(["sh", "-c", "printf %s p | sha256sum"]).prefix(64)
        let lock = open(store.appendingPathComponent("cache-mounts/\(hex)/lock").path, O_RDWR | O_CLOEXEC)
        #expect(lock >= 0)
        #expect(flock(lock, LOCK_EX) == 0)
        let held = try build("FROM busybox\nRUN --mount=type=cache,id=p,target=/c,sharing=private ls -A /c > /seen; touch /c/mine\n")
        close(lock)
        #expect(held.status == 0, "\(held.standardError)")
        #expect(try text("seen", in: try unpack()).isEmpty)
        let free = try build("FROM busybox\nRUN --mount=type=cache,id=p,target=/c,sharing=private ls -A /c > /seen\n")
        #expect(free.status == 0, "\(free.standardError)")
        #expect(try text("seen", in: try unpack()) == "seed\n")
    }

    /// `from=` a stage, an image or a named directory context seeds a new cache with a copy
    /// of `source` there (owners, modes and symlinks as they are); a later step with the
    /// same seed gets that cache as it was left (never seeded again); the id's plain
    /// cache is another one.
    @Test func aNewCacheIsSeededFromAStageAnImageOrANamedContext() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let extra = work.appendingPathComponent("extra")
        try FileManager.default.createDirectory(at: extra.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data("from-context\n".utf8).write(to: extra.appendingPathComponent("data/f"))
        let result = try build(
            """
            FROM busybox AS deps
            RUN mkdir -p /deps/sub && echo from-stage > /deps/sub/f && ln -s /deps/sub/f /deps/link && \\
                chown -R 1000:50 /deps && chmod 0750 /deps
            FROM busybox
            RUN --mount=type=cache,id=s,target=/c,from=deps,source=/deps \\
                cat /c/sub/f > /seen && stat -c '%a %u %g' /c /c/sub/f >> /seen && readlink /c/link >> /seen && echo seeded-cache-note-41 > /c/new
            RUN --mount=type=cache,id=s,target=/c,from=deps,source=deps ls /c >> /seen
            RUN --mount=type=cache,id=s,target=/c ls -A /c | wc -l >> /seen
            RUN --mount=type=cache,id=i,target=/i,from=busybox,source=/bin test -x /i/busybox && echo image >> /seen
            RUN --mount=type=cache,id=x,target=/x,from=extra,source=/data cat /x/f >> /seen
            """, ["--build-context", "extra=\(extra.path)"])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(
            try text("seen", in: root)
                == "from-stage\n750 1000 50\n644 1000 50\n/deps/sub/f\nlink\nnew\nsub\n0\nimage\nfrom-context\n")
        #expect(!exists("c", in: root) && !exists("i", in: root) && !exists("x", in: root))
        #expect(try imageFiles(containing: "seeded-cache-note-41").isEmpty)
    }

    /// The seed is copied only when the cache is new: a step whose key is unchanged hits,
    /// whatever the cache holds now; with `--no-cache` it reruns on the cache as the last
    /// step left it. A changed seed changes the key (as BuildKit keys a cache mount's
    /// input by content) and starts a new cache from the new seed.
    @Test func aSeedIsCopiedOnceAndAChangedSeedIsANewCache() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        func dockerfile(_ version: String) -> String {
            """
            FROM busybox AS deps
            RUN mkdir /d && echo \(version) > /d/f
            FROM busybox
            RUN --mount=type=cache,id=v,target=/c,from=deps,source=/d cat /c/f > /seen && echo ran >> /c/f
            """
        }
        let first = try build(dockerfile("v1"))
        #expect(first.status == 0, "\(first.standardError)")
        #expect(try text("seen", in: try unpack()) == "v1\n")
        // A hit: the step did not run again (it would have seen the line it added).
        let again = try build(dockerfile("v1"))
        #expect(again.status == 0, "\(again.standardError)")
        #expect(try text("seen", in: try unpack()) == "v1\n")
        let uncached = try build(dockerfile("v1"), ["--no-cache"])
        #expect(uncached.status == 0, "\(uncached.standardError)")
        #expect(try text("seen", in: try unpack()) == "v1\nran\n")
        let changed = try build(dockerfile("v2"))
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(!changed.standardError.contains("CACHED"), "\(changed.standardError)")
        #expect(try text("seen", in: try unpack()) == "v2\n")
    }

    /// A seed's source resolves inside its stage: a symlink there to the sentinel's host
    /// path (absolute, or climbing with `..`) reaches nothing outside it; a symlink inside
    /// the seed is copied as a symlink, never followed. Without `from=`, `source=` names a
    /// directory of the cache, resolved inside the cache (a symlink a step left there
    /// cannot lead out).
    @Test func aSeedOrACacheSourceCannotReachOutsideItsRoot() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let climbing = "../../../../../../../../" + sentinel.path.dropFirst()
        let result = try build(
            """
            FROM busybox AS s
            RUN ln -s \(sentinel.path) /abs && ln -s \(climbing) /up && mkdir /d && ln -s \(sentinel.path)/victim /d/v
            FROM busybox
            RUN --mount=type=cache,id=a,target=/c,from=s,source=/abs cat /c/victim > /got; echo pwned > /c/victim; true
            """)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("Dockerfile:4"), "\(result.standardError)")
        #expect(result.standardError.contains("cannot open the cache seed /abs in stage s"), "\(result.standardError)")
        let climbed = try build(
            """
            FROM busybox AS s
            RUN ln -s \(climbing) /up
            FROM busybox
            RUN --mount=type=cache,id=u,target=/c,from=s,source=/up cat /c/victim > /got; echo pwned > /c/victim; true
            """)
        #expect(climbed.status == 1, "\(climbed.standardError)")
        #expect(climbed.standardError.contains("Dockerfile:4"), "\(climbed.standardError)")
        let inner = try build(
            """
            FROM busybox AS s
            RUN mkdir /d && ln -s \(sentinel.path)/victim /d/v
            FROM busybox
            RUN --mount=type=cache,id=in,target=/c,from=s,source=/d readlink /c/v > /got; cat /c/v >> /got; echo pwned > /c/v; true
            """)
        #expect(inner.status == 0, "\(inner.standardError)")
        #expect(try text("got", in: try unpack()) == sentinel.path + "/victim\n")
        let planted = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=p,target=/c ln -s \(sentinel.path) /c/link
            RUN --mount=type=cache,id=p,target=/c,source=/link cat /c/victim > /got; echo pwned > /c/victim; true
            """)
        #expect(planted.status == 1, "\(planted.standardError)")
        #expect(planted.standardError.contains("Dockerfile:3"), "\(planted.standardError)")
        #expect(planted.standardError.contains("the cache mount 'p' has no directory /link"), "\(planted.standardError)")
        try expectSentinelIntact()
    }

    /// Without `from=`, `source=` mounts a directory of the id's cache.
    @Test func aCacheSourceWithoutFromIsADirectoryOfTheCache() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=sub,target=/c mkdir -p /c/pkg && echo inside > /c/pkg/f
            RUN --mount=type=cache,id=sub,target=/p,source=pkg cat /p/f > /seen && echo more > /p/g
            RUN --mount=type=cache,id=sub,target=/c cat /c/pkg/g >> /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try text("seen", in: try unpack()) == "inside\nmore\n")
    }

    /// A seed that is missing or not a directory is a located error naming it.
    @Test func aBadSeedIsALocatedError() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        for (source, message) in [
            ("/missing", "cannot open the cache seed /missing in stage s"), ("/f", "the cache seed /f in stage s is not a directory")
        ] {
            let result = try build(
                """
                FROM busybox AS s
                RUN echo x > /f
                FROM busybox
                RUN --mount=type=cache,target=/c,from=s,source=\(source) true
                """)
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("Dockerfile:4"), "\(result.standardError)")
            #expect(result.standardError.contains(message), "\(result.standardError)")
        }
        // No cache was made.
        let mounts = store.appendingPathComponent("cache-mounts")
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: mounts.path)) ?? [] {
            let names = try FileManager.default.contentsOfDirectory(atPath: mounts.appendingPathComponent(entry).path)
            #expect(!names.contains { $0.hasPrefix("fs") }, "\(entry): \(names)")
        }
    }

    /// One id is one cache for the stages of a build: what one stage leaves, a later one
    /// sees; the mount point made for it is gone from both images.
    @Test func aCacheIsSharedBetweenStages() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox AS a
            RUN --mount=type=cache,id=between,target=/var/cache/x echo from-a > /var/cache/x/f && echo a > /done
            FROM busybox
            COPY --from=a /done /done
            RUN --mount=type=cache,id=between,target=/other cat /other/f > /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("seen", in: root) == "from-a\n")
        #expect(!exists("other", in: root) && !exists("var/cache/x", in: root))
    }

    /// As in BuildKit, `mode`/`uid`/`gid` written on a cache make it another cache than
    /// the id's plain one: each gets its own owner.
    @Test func writtenOwnershipIsAnotherCacheOfTheId() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=own,target=/c,uid=1000 stat -c %u /c > /seen && touch /c/by-1000
            RUN --mount=type=cache,id=own,target=/c stat -c %u /c >> /seen && ls -A /c | wc -l >> /seen
            RUN --mount=type=cache,id=own,target=/c,uid=1000,mode=0755 ls /c >> /seen
            """)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try text("seen", in: try unpack()) == "1000\n0\n0\nby-1000\n")
    }

    /// `prune` says what the cache mounts and the build cache hold (kept without
    /// `--build-cache`); `prune --build-cache` removes them and says how much each freed.
    /// What a step left in a cache (a symlink to the sentinel, a name that is not UTF-8, an
    /// unreadable directory) is removed without following anything out of the store.
    @Test func pruneReportsAndRemovesCacheMounts() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=cache,id=big,target=/c dd if=/dev/urandom of=/c/blob bs=1024 count=2048 2>/dev/null && \\
                ln -s \(sentinel.path) /c/link && ln -s \(sentinel.path)/victim /c/file-link && touch "$(printf '/c/\\377name')" && \\
                mkdir -p /c/locked/inner && touch /c/locked/inner/f && chmod 000 /c/locked && echo built > /done
            """)
        #expect(result.status == 0, "\(result.standardError)")
        let kept = try SwiftBuildProcess.run(["prune", "--root", store.path])
        #expect(kept.status == 0, "\(kept.standardError)")
        #expect(kept.standardOutput.contains(" 0 cache mounts, "), "\(kept.standardOutput)")
        // The 2 MiB blob and the rest, in 1 cache mount; the step's record and snapshot.
        let keptLine = kept.standardOutput.split(separator: "\n").first { $0.hasPrefix("Kept") }.map(String.init) ?? ""
        #expect(keptLine.contains("(1 records and the snapshots only they keep), 1 cache mounts 2.1 MB"), "\(kept.standardOutput)")
        let pruned = try SwiftBuildProcess.run(["prune", "--build-cache", "--root", store.path])
        #expect(pruned.status == 0, "\(pruned.standardError)")
        #expect(pruned.standardOutput.contains(" 1 cache records, 1 cache mounts, "), "\(pruned.standardOutput)")
        #expect(pruned.standardOutput.contains("\n  cache mounts: 2.1 MB\n"), "\(pruned.standardOutput)")
        #expect(!pruned.standardOutput.contains("Kept"), "\(pruned.standardOutput)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("cache-mounts").path).isEmpty)
        try expectSentinelIntact()
    }
}
