import Foundation
import Testing

/// Independent stages build at the same time, bounded by `--jobs`, and one failing stage
/// stops the others.
@Suite("Parallel stages", .enabled(if: ExternalTool.isRoot, "RUN needs root"))
struct ParallelStageTests {
    let work: URL
    let store: URL

    init() throws {
        work = try makeTemporaryDirectory()
        store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
    }

    func build(_ dockerfile: String, arguments: [String]) throws -> SwiftBuildProcess.Result {
        let context = work.appendingPathComponent("context-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    /// The progress lines that start or finish a step, in the order they were printed.
    func stepEvents(_ standardError: String) -> [String] {
        standardError.split(separator: "\n").compactMap { line in
            if line.contains("] RUN ") { return "start" }
            // `#N DONE 1.02s`, with what a RUN step used in parentheses after it.
            if line.range(of: #"^#[0-9]+ DONE [0-9.]+s( \(.*\))?$"#, options: .regularExpression) != nil { return "done" }
            return nil
        }
    }

    static let fourStages = """
        FROM busybox AS a
        RUN sleep 1 && echo a > /a
        FROM busybox AS b
        RUN sleep 1 && echo b > /b
        FROM busybox AS c
        RUN sleep 1 && echo c > /c
        FROM busybox AS d
        RUN sleep 1 && echo d > /d
        FROM busybox
        COPY --from=a /a /
        COPY --from=b /b /
        COPY --from=c /c /
        COPY --from=d /d /
        RUN cat /a /b /c /d

        """

    @Test func independentStagesOverlapUpToTheJobLimit() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let parallel = try build(Self.fourStages, arguments: ["--jobs", "4", "--no-cache", "-t", "joined:latest"])
        #expect(parallel.status == 0, "\(parallel.standardError)")
        // All four RUN steps of the independent stages start before any of them ends;
        // the final stage's RUN comes after all of them.
        #expect(Array(stepEvents(parallel.standardError).prefix(4)) == ["start", "start", "start", "start"])
        let lines = parallel.standardError.split(separator: "\n").map(String.init)
        let catStep = try #require(lines.firstIndex { $0.contains("RUN cat /a /b /c /d") })
        let number = lines[catStep].split(separator: " ")[0]
        #expect(lines.contains("\(number) a"), "output lines carry their step's number")
        let sequential = try build(Self.fourStages, arguments: ["--jobs", "1", "--no-cache"])
        #expect(sequential.status == 0, "\(sequential.standardError)")
        #expect(Array(stepEvents(sequential.standardError).prefix(4)) == ["start", "done", "start", "done"])
    }

    @Test func aFailingStageCancelsTheOthers() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox AS slow
            RUN sleep 41
            FROM busybox AS broken
            RUN sleep 0.5 && exit 3
            FROM busybox
            COPY --from=slow / /slow
            COPY --from=broken / /broken

            """
        let result = try build(dockerfile, arguments: ["--jobs", "2", "-t", "never:latest"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("Dockerfile:4: RUN sleep 0.5 && exit 3: the command exited with status 3"))
        #expect(!result.standardError.contains("CancellationError"))
        let leftover = try ExternalTool.run(["sh", "-c", "pgrep -x -f 'sleep 41' || true"])
        #expect(leftover.isEmpty, "the other stage's step was killed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        let mounts = try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(work.path))
        #expect(!(try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput.contains("never")))
    }
}
