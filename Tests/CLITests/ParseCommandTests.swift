import Foundation
import Testing

/// The Dockerfiles in Tests/CLITests/Corpus, each with the plan `parse --format json` must print.
let corpusDirectory = repositoryRoot.appendingPathComponent("Tests/CLITests/Corpus")

func corpusNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path)
        .filter { $0.hasSuffix(".Dockerfile") }
        .map { String($0.dropLast(".Dockerfile".count)) }
        .sorted()
}

/// Parses JSON text into Foundation objects, for field-level assertions.
func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite("swiftbuild parse")
struct ParseCommandTests {
    /// Set SWIFTBUILD_UPDATE_GOLDEN=1 to rewrite the expected files after a deliberate change (then review the diff).
    @Test(arguments: try corpusNames())
    func corpusPlanMatchesGolden(_ name: String) throws {
        let result = try SwiftBuildProcess.run(["parse", "--format", "json", "-f", "\(name).Dockerfile"], in: corpusDirectory)
        #expect(result.status == 0, "\(result.standardError)")
        let golden = corpusDirectory.appendingPathComponent("\(name).json")
        if ProcessInfo.processInfo.environment["SWIFTBUILD_UPDATE_GOLDEN"] == "1" {
            try Data(result.standardOutput.utf8).write(to: golden)
        }
        let expected = try String(contentsOf: golden, encoding: .utf8)
        #expect(result.standardOutput == expected)
    }

    @Test func seedMultiStageJSON() throws {
        let result = try SwiftBuildProcess.run(["parse", "--format", "json", "-f", "seed.Dockerfile"], in: corpusDirectory)
        let plan = try json(result.standardOutput)
        let stages = try #require(plan["stages"] as? [[String: Any]])
        #expect(stages.count == 2)
        #expect(stages[0]["name"] as? String == "builder")
        #expect(stages[0]["base"] as? String == "golang:alpine")
        #expect(stages[1]["name"] is NSNull)
        #expect(stages[1]["dependsOn"] as? [Int] == [0])
        #expect(stages.allSatisfy { $0["skipped"] as? Bool == false })
        let instructions = try #require(plan["instructions"] as? [[String: Any]])
        let entrypoint = try #require(instructions.first { $0["keyword"] as? String == "ENTRYPOINT" })
        #expect(entrypoint["exec"] as? Bool == true)
        #expect(entrypoint["args"] as? [String] == ["/root/myhttpserver"])
        #expect(entrypoint["line"] as? Int == 10)
        #expect(entrypoint["stage"] as? Int == 1)
        let from = try #require(instructions.first { $0["line"] as? Int == 6 })
        #expect(from["keyword"] as? String == "FROM")
        #expect(from["exec"] == nil)
    }

    @Test func targetAndBuildArgs() throws {
        let result = try SwiftBuildProcess.run(
            [
                "parse", "--format", "json", "-f", "args.Dockerfile", "--target", "BUILD", "--build-arg", "GO_VERSION=1.21", "--platform",
                "linux/arm64"
            ],
            in: corpusDirectory)
        #expect(result.status == 0, "\(result.standardError)")
        let plan = try json(result.standardOutput)
        let stages = try #require(plan["stages"] as? [[String: Any]])
        #expect(stages[0]["base"] as? String == "golang:1.21-alpine")
        #expect(stages.map { $0["skipped"] as? Bool } == [false, true])
        #expect(plan["target"] as? Int == 0)
        #expect(plan["buildOrder"] as? [[Int]] == [[0]])
    }

    @Test func unusedBuildArgIsAWarningOnStandardError() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "seed.Dockerfile", "--build-arg", "NOPE=1"], in: corpusDirectory)
        #expect(result.status == 0)
        #expect(result.standardError == "warning: build-arg NOPE was not consumed: no ARG NOPE is declared in seed.Dockerfile\n")
    }

    @Test func readsStandardInput() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "-"], input: "FROM scratch\nCOPY a /a\n")
        #expect(result.status == 0)
        #expect(result.standardOutput == "stage 0 FROM scratch [target]\n  2: COPY a /a\nbuild order: [0]\n")
    }

    @Test func defaultFileIsDockerfileInTheCurrentDirectory() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("FROM busybox\n".utf8).write(to: directory.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(["parse", "--format", "json"], in: directory)
        #expect(try json(result.standardOutput)["file"] as? String == "Dockerfile")
    }

    @Test func syntaxErrorExitsNonZeroWithFileAndLine() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "-"], input: "FROM busybox\n\nCOPY --form=x a b\n")
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        #expect(
            result.standardError
                == "<stdin>:3: unknown flag: --form (COPY accepts --chmod, --chown, --exclude, --from, --link, --parents)\n")
    }

    @Test func planErrorExitsNonZeroWithFileAndLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("FROM busybox AS builder\nFROM busybox\nCOPY --from=buidler /a /a\n".utf8).write(
            to: directory.appendingPathComponent("app.Dockerfile"))
        let result = try SwiftBuildProcess.run(["parse", "-f", "app.Dockerfile"], in: directory)
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("app.Dockerfile:3: COPY --from=buidler: unknown stage 'buidler' (did you mean 'builder'?)"))
    }

    @Test func missingDockerfileNamesThePath() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "/nonexistent/Dockerfile"])
        #expect(result.status == 1)
        #expect(result.standardError == "/nonexistent/Dockerfile: cannot read the Dockerfile (no such file)\n")
    }

    @Test func unknownTargetIsAnError() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "seed.Dockerfile", "--target", "nope"], in: corpusDirectory)
        #expect(result.status == 1)
        #expect(result.standardError == "seed.Dockerfile: target stage 'nope' could not be found (stages: builder)\n")
    }
}

@Suite("swiftbuild command line")
struct CommandLineTests {
    @Test func version() throws {
        let result = try SwiftBuildProcess.run(["version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("swiftbuild "))
        let flag = try SwiftBuildProcess.run(["--version"])
        #expect(flag.standardOutput.hasPrefix(result.standardOutput.dropFirst("swiftbuild ".count).prefix(3)))
    }

    @Test func buildIsTheDefaultCommandAndReportsDockerfileErrors() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("FROM busybox\nRUNN true\n".utf8).write(to: directory.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(["-t", "app:latest", directory.path])
        #expect(result.status == 1)
        let message = "\(directory.path)/Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"
        #expect(result.standardError == message + "\nERROR: failed to solve: " + message + "\n")
    }

    @Test func buildNeedsADirectoryAsContext() throws {
        let result = try SwiftBuildProcess.run(["build", "/nonexistent-context"])
        #expect(result.status == 1)
        let message = "/nonexistent-context: the build context does not exist (a directory, a tar archive, `-` or a git URL)"
        #expect(result.standardError == message + "\nERROR: failed to solve: " + message + "\n")
    }

    @Test func badPlatformIsAUsageError() throws {
        let result = try SwiftBuildProcess.run(["parse", "-f", "seed.Dockerfile", "--platform", "amd64"], in: corpusDirectory)
        #expect(result.status == 64)
        #expect(result.standardError.contains("--platform amd64: expected os/arch[/variant], e.g. linux/amd64"))
    }
}
