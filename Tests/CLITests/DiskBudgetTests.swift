import Foundation
import Glibc
import Testing

@testable import swiftbuild

/// `system df`, `prune --keep-storage` / `--filter until=` and the automatic garbage
/// collection after a build, on stores made by real builds. Sizes are compared with
/// `du -s -B1` (allocated space, hard links once), the measure the store uses; last-use
/// times are set with `touch -d`, so nothing depends on timing.
@Suite("Disk budgets", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct DiskBudgetTests {
    let workspace: BuildWorkspace
    var store: URL { workspace.store }

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
    }

    /// `du -s -B1 PATH`: allocated bytes, each inode once.
    func du(_ path: URL) throws -> Int64 {
        let output = try ExternalTool.run(["du", "-s", "-B1", path.path])
        return Int64(output.split(separator: "\t").first ?? "") ?? -1
    }

    struct Usage: Decodable {
        struct Row: Decodable {
            var type: String
            var total: Int
            var active: Int
            var size: Int64
            var reclaimable: Int64
        }
        struct Entry: Decodable {
            var id: String
            var type: String
            var size: Int64
        }
        var rows: [Row]
        var size: Int64
        var buildCache: [Entry]
        func row(_ type: String) -> Row? { rows.first { $0.type == type } }
    }

    func usage() throws -> Usage {
        let result = try SwiftBuildProcess.run(["system", "df", "--root", store.path, "--format", "json"])
        #expect(result.status == 0, "\(result.standardError)")
        return try JSONDecoder().decode(Usage.self, from: Data(result.standardOutput.utf8))
    }

    /// The cache record files (`cache/<key>.json`), by name.
    func recordNames() throws -> Set<String> {
        let names = try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("cache").path)
        return Set(names.filter { $0.hasSuffix(".json") && $0 != "context-digests.json" })
    }

    /// The store's directory of the cache mount `id`.
    func cacheMount(_ id: String) throws -> URL {
        let hex = try ExternalTool.run(["sh", "-c", "printf %s \"$1\" | sha256sum", "sh", id]).prefix(64)
        return store.appendingPathComponent("cache-mounts/\(hex)")
    }

    func touch(_ files: [URL], _ when: String) throws {
        guard !files.isEmpty else { return }
        try ExternalTool.run(["touch", "-h", "-d", when] + files.map(\.path))
    }

    func verifyStore() throws {
        let output = try ExternalTool.run([repositoryRoot.appendingPathComponent("scripts/verify-store").path, store.path])
        #expect(!output.isEmpty)
    }

    /// The named image still saves and unpacks with umoci, with `path` holding `content`.
    func expectIntact(_ image: String, _ path: String, _ content: String) throws {
        let archive = workspace.work.appendingPathComponent("\(image)-\(UUID().uuidString.prefix(6)).tar")
        let saved = try SwiftBuildProcess.run(["save", "--root", store.path, "-o", archive.path, image])
        #expect(saved.status == 0, "\(saved.standardError)")
        let root = try workspace.unpack("\(image):latest")
        #expect(try text(path, in: root) == content)
    }

    /// Three images (one named busybox base, one named build, one unnamed build), their
    /// cache records and a cache mount: the rows add up to `du` of the whole store, and each
    /// row counts what it should.
    @Test func systemDfAddsUpToDuOfTheStore() throws {
        defer { workspace.remove() }
        let named = try workspace.build(
            "FROM busybox\nRUN --mount=type=cache,id=df-cache,target=/c head -c 300000 /dev/urandom > /c/data && echo named > /named\n",
            ["-t", "named"])
        #expect(named.status == 0, "\(named.standardError)")
        let unnamed = try workspace.build("FROM busybox\nRUN head -c 200000 /dev/urandom > /unnamed\n")
        #expect(unnamed.status == 0, "\(unnamed.standardError)")

        let usage = try usage()
        #expect(usage.size == usage.rows.map(\.size).reduce(0, +))
        #expect(usage.size == (try du(store)), "system df and du disagree")
        let images = try #require(usage.row("Images"))
        #expect(images.total == 3 && images.active == 2, "\(images)")
        // The unnamed image's own layer (200 kB of random bytes, as a blob and a snapshot).
        #expect(images.reclaimable >= 400_000, "\(images)")
        let cache = try #require(usage.row("Build Cache"))
        #expect(cache.total == (try recordNames().count), "\(cache)")
        let mounts = try #require(usage.row("Cache Mounts"))
        #expect(mounts.total == 1 && mounts.active == 0, "\(mounts)")
        #expect(mounts.size >= (try du(cacheMount("df-cache"))), "\(mounts)")
        #expect(mounts.reclaimable == (try du(cacheMount("df-cache"))), "\(mounts)")
        #expect(usage.buildCache.filter { $0.type == "exec.cachemount" }.count == 1)
        #expect(usage.buildCache.filter { $0.type == "regular" }.count == cache.total)

        let table = try SwiftBuildProcess.run(["system", "df", "--root", store.path, "-v"])
        #expect(table.status == 0, "\(table.standardError)")
        let lines = table.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("TYPE") == true && lines.first?.contains("RECLAIMABLE") == true, "\(table.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("Cache Mounts ") }, "\(table.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("named:latest ") }, "\(table.standardOutput)")
        #expect(lines.contains { $0.hasPrefix("<none> ") }, "\(table.standardOutput)")
        #expect(lines.contains { $0.contains(" exec.cachemount ") }, "\(table.standardOutput)")
    }

    /// `--keep-storage`: the store ends at or under the size, least recently used first;
    /// named images stay whole (they save and unpack), and the store checks out.
    @Test func pruneKeepStorageEndsUnderTheSizeAndKeepsNamedImages() throws {
        defer { workspace.remove() }
        #expect(try workspace.build("FROM busybox\nRUN echo kept > /kept\n", ["-t", "kept"]).status == 0)
        for number in 1...3 {
            let result = try workspace.build(
                "FROM busybox\nRUN --mount=type=cache,id=m\(number),target=/c head -c 400000 /dev/urandom > /c/data && head -c 300000 /dev/urandom > /layer\(number)\n"
            )
            #expect(result.status == 0, "\(result.standardError)")
        }
        let before = try du(store)
        let budget = before - 900_000
        let result = try SwiftBuildProcess.run(["prune", "--root", store.path, "--keep-storage", "\(budget)"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Removed least recently used first:"), "\(result.standardOutput)")
        let after = try du(store)
        #expect(after <= budget, "\(after) > \(budget)\n\(result.standardOutput)")
        // Not everything: the budget was met before the newest entries were reached.
        #expect(try usage().row("Cache Mounts")?.total ?? 0 >= 1)
        try expectIntact("kept", "kept", "kept\n")
        try verifyStore()

        // 0: all the build cache and every unnamed image go; the named ones stay whole.
        let all = try SwiftBuildProcess.run(["prune", "--root", store.path, "--keep-storage", "0"])
        #expect(all.status == 0, "\(all.standardError)")
        let usage = try usage()
        #expect(usage.row("Build Cache")?.total == 0 && usage.row("Cache Mounts")?.total == 0, "\(all.standardOutput)")
        #expect(usage.row("Images")?.total == 2 && usage.row("Images")?.active == 2)
        #expect(usage.rows.allSatisfy { $0.reclaimable == 0 }, "\(usage.rows)")
        #expect(all.standardOutput.contains("over --keep-storage"), "named images keep it over 0 B:\n\(all.standardOutput)")
        try expectIntact("kept", "kept", "kept\n")
        try verifyStore()
        // The build cache is gone: the step runs again.
        let rebuilt = try workspace.build("FROM busybox\nRUN echo kept > /kept\n", ["-t", "kept"])
        #expect(rebuilt.status == 0 && !rebuilt.standardError.contains("CACHED"), "\(rebuilt.standardError)")
    }

    /// `--filter until=24h` removes the entries last used more than a day ago, and only them.
    @Test func pruneFilterUntilRemovesOnlyOlderEntries() throws {
        defer { workspace.remove() }
        let old = "FROM busybox\nRUN --mount=type=cache,id=old-cache,target=/c echo old > /c/f && echo old > /old\n"
        let recent = "FROM busybox\nRUN --mount=type=cache,id=recent-cache,target=/c echo recent > /c/f && echo recent > /recent\n"
        #expect(try workspace.build(old, ["-t", "old"]).status == 0)
        let oldRecords = try recordNames()
        #expect(try workspace.build(recent, ["-t", "recent"]).status == 0)
        let recentRecords = try recordNames().subtracting(oldRecords)
        #expect(!oldRecords.isEmpty && !recentRecords.isEmpty)
        let cache = store.appendingPathComponent("cache")
        try touch(
            oldRecords.map { cache.appendingPathComponent($0) } + [try cacheMount("old-cache").appendingPathComponent("lock")], "3 days ago"
        )
        try touch(
            recentRecords.map { cache.appendingPathComponent($0) } + [try cacheMount("recent-cache").appendingPathComponent("lock")],
            "2 hours ago")

        let result = try SwiftBuildProcess.run(["prune", "--root", store.path, "--filter", "until=24h"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try recordNames() == recentRecords, "\(result.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: try cacheMount("old-cache").path))
        #expect(FileManager.default.fileExists(atPath: try cacheMount("recent-cache").appendingPathComponent("fs/f").path))
        // The named images stay; the recent build still hits the cache, the old one runs.
        try expectIntact("old", "old", "old\n")
        let again = try workspace.build(recent, ["-t", "recent"])
        #expect(again.standardError.contains("CACHED"), "\(again.standardError)")
        let rerun = try workspace.build(old, ["-t", "old"])
        #expect(!rerun.standardError.contains("CACHED"), "\(rerun.standardError)")
        try verifyStore()

        let bad = try SwiftBuildProcess.run(["prune", "--root", store.path, "--filter", "until=3d"])
        #expect(bad.status != 0 && bad.standardError.contains("until=3d"), "\(bad.standardError)")
    }

    /// `--gc-keep-storage`: after the build, the oldest entries go first (here an old
    /// build's records and two old cache mounts), the newest cache mount and the build's
    /// own records stay, and one line on stderr says what was freed.
    @Test func automaticCollectionRemovesTheOldestAndKeepsTheNewest() throws {
        defer { workspace.remove() }
        #expect(try workspace.build("FROM busybox\nRUN echo setup > /setup\n", ["-t", "setup"]).status == 0)
        let setupRecords = try recordNames()
        let mounts = """
            FROM busybox
            RUN --mount=type=cache,id=gc1,target=/c head -c 600000 /dev/urandom > /c/data
            RUN --mount=type=cache,id=gc2,target=/c head -c 600000 /dev/urandom > /c/data
            RUN --mount=type=cache,id=gc3,target=/c head -c 600000 /dev/urandom > /c/data
            """
        #expect(try workspace.build(mounts, ["-t", "mounts"]).status == 0)
        let cache = store.appendingPathComponent("cache")
        try touch(setupRecords.map { cache.appendingPathComponent($0) }, "4 hours ago")
        try touch([try cacheMount("gc1").appendingPathComponent("lock")], "3 hours ago")
        try touch([try cacheMount("gc2").appendingPathComponent("lock")], "2 hours ago")
        try touch([try cacheMount("gc3").appendingPathComponent("lock")], "1 hour ago")
        let mountRecords = try recordNames().subtracting(setupRecords)
        // Over by a little more than one cache mount: two must go.
        let budget = try du(store) - 800_000

        let result = try workspace.build("FROM busybox\nRUN echo new > /new\n", ["-t", "new", "--gc-keep-storage", "\(budget)"])
        #expect(result.status == 0, "\(result.standardError)")
        let gcLines = result.standardError.split(separator: "\n").filter { $0.hasPrefix("gc: ") }
        #expect(gcLines.count == 1 && gcLines[0].contains("removed") && gcLines[0].contains("freed"), "\(result.standardError)")
        #expect(try du(store) <= budget)
        #expect(!FileManager.default.fileExists(atPath: try cacheMount("gc1").path))
        #expect(!FileManager.default.fileExists(atPath: try cacheMount("gc2").path))
        #expect(FileManager.default.fileExists(atPath: try cacheMount("gc3").appendingPathComponent("fs/data").path))
        let left = try recordNames()
        #expect(left.isDisjoint(with: setupRecords), "the oldest records went first")
        #expect(mountRecords.isSubset(of: left), "newer records stay")
        try expectIntact("setup", "setup", "setup\n")
        try expectIntact("new", "new", "new\n")
        try verifyStore()

        // Within the budget: nothing is said, nothing removed.
        let quiet = try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain", "-t", "new", workspace.context.path],
            environment: ["SWIFTBUILD_GC_KEEP_STORAGE": "1TB"])
        #expect(quiet.status == 0 && !quiet.standardError.contains("gc:"), "\(quiet.standardError)")
        #expect(FileManager.default.fileExists(atPath: try cacheMount("gc3").path))
    }

    /// A cache mount a running build holds is never removed: the collection after another
    /// build does not take the store from under it (it says it skipped), and the cache is
    /// whole when the holder ends.
    @Test func aRunningBuildsCacheMountIsNotCollected() throws {
        defer { workspace.remove() }
        let mount = try cacheMount("held")
        let holder = try CacheMountConcurrencyTests.BackgroundBuild(
            """
            FROM busybox
            RUN --mount=type=cache,id=held,target=/c echo start > /c/log && \\
                i=0; while [ ! -e /c/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; echo end >> /c/log
            """, name: "holder", in: workspace)
        defer { holder.stop() }
        let log = mount.appendingPathComponent("fs/log")
        var started = false
        for _ in 0..<2400 where !started {
            started = (try? String(contentsOf: log, encoding: .utf8)) == "start\n"
            if !started { usleep(50_000) }
        }
        #expect(started, "\(holder.output)")
        #expect(try usage().row("Cache Mounts")?.active == 1)

        let other = try workspace.build("FROM busybox\nRUN echo other > /other\n", ["-t", "other", "--gc-keep-storage", "0"])
        #expect(other.status == 0, "\(other.standardError)")
        #expect(other.standardError.contains("gc: skipped"), "\(other.standardError)")
        #expect(FileManager.default.fileExists(atPath: log.path))

        FileManager.default.createFile(atPath: mount.appendingPathComponent("fs/go").path, contents: nil)
        #expect(holder.finish() == 0, "\(holder.output)")
        #expect((try? String(contentsOf: log, encoding: .utf8)) == "start\nend\n")
        try verifyStore()
    }

    /// A cache mount whose lock another process holds (here `flock(1)`, holding it as a
    /// step does, without the store's content lease) is left alone by a budgeted prune,
    /// which says so; once the lock is free, it goes.
    @Test func aHeldCacheMountIsKeptByPrune() throws {
        defer { workspace.remove() }
        let built = try workspace.build("FROM busybox\nRUN --mount=type=cache,id=locked-by-other,target=/c echo x > /c/f\n")
        #expect(built.status == 0, "\(built.standardError)")
        let mount = try cacheMount("locked-by-other")
        // A shell that holds the lock on its own descriptor and waits on a pipe: ending it
        // (or closing the pipe) drops the lock, and it leaves no process behind.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/sh")
        holder.arguments = ["-c", #"exec 9<"$1" && flock -s 9 && read line"#, "sh", mount.appendingPathComponent("lock").path]
        let input = Pipe()
        holder.standardInput = input
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        var held = false
        for _ in 0..<2400 where !held {
            held = (try usage().row("Cache Mounts")?.active) == 1
            if !held { usleep(50_000) }
        }
        #expect(held)
        let result = try SwiftBuildProcess.run(["prune", "--root", store.path, "--keep-storage", "0"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Kept 1 cache mounts a running build holds"), "\(result.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: mount.appendingPathComponent("fs/f").path))

        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        let again = try SwiftBuildProcess.run(["prune", "--root", store.path, "--keep-storage", "0"])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(!FileManager.default.fileExists(atPath: mount.path), "\(again.standardOutput)")
        try verifyStore()
    }

    // MARK: Parsing

    @Test func sizesAreReadAsBuildxReadsThem() throws {
        #expect(try StorageSize.bytes("10GB") == 10 << 30)
        #expect(try StorageSize.bytes("512MB") == 512 << 20)
        #expect(try StorageSize.bytes("1.5GiB") == 3 << 29)
        #expect(try StorageSize.bytes("512m") == 512 << 20)
        #expect(try StorageSize.bytes("2k") == 2048)
        #expect(try StorageSize.bytes("1000") == 1000)
        #expect(try StorageSize.bytes("0") == 0)
        for bad in ["", "GB", "-1GB", "1.2.3GB", "10XB", "1e3", "ten"] {
            #expect(throws: StorageSizeError.self, "\(bad)") { try StorageSize.bytes(bad) }
        }
    }

    @Test func durationsAreReadAsGoReadsThem() throws {
        #expect(try GoDuration.seconds("24h") == 86_400)
        #expect(try GoDuration.seconds("30m") == 1800)
        #expect(try GoDuration.seconds("1h30m") == 5400)
        #expect(try GoDuration.seconds("1.5h") == 5400)
        #expect(try GoDuration.seconds("90s") == 90)
        #expect(abs(try GoDuration.seconds("1500ms") - 1.5) < 1e-9)
        #expect(try GoDuration.seconds("0") == 0)
        for bad in ["", "3d", "24", "h", "-1h", "1h30", ".h", "1..5h"] {
            #expect(throws: GoDurationError.self, "\(bad)") { try GoDuration.seconds(bad) }
        }
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(try PruneFilter.usedBefore(["until=1h"], now: now) == Date(timeIntervalSince1970: 1_000_000 - 3600))
        #expect(throws: (any Error).self) { try PruneFilter.usedBefore(["type=regular"], now: now) }
    }
}
