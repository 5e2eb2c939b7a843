import Foundation
import Testing

/// `build --check` and the build checks of a normal build, as docker build reports them.
@Suite("build --check", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct BuildCheckTests {
    let workspace: BuildWorkspace
    var context: URL { workspace.context }
    var dockerfilePath: String { context.appendingPathComponent("Dockerfile").path }

    init() throws {
        workspace = try BuildWorkspace(busybox: false)
        try Data("x\n".utf8).write(to: context.appendingPathComponent("file"))
    }

    func check(_ dockerfile: String, _ arguments: [String] = []) throws -> SwiftBuildProcess.Result {
        try workspace.build(dockerfile, ["--check"] + arguments)
    }

    func storedImages() throws -> String {
        try SwiftBuildProcess.run(["images", "--root", workspace.store.path]).standardOutput
    }

    @Test func checkReportsEachWarningAndFails() throws {
        defer { workspace.remove() }
        let result = try check("FROM scratch as base\nCOPY file /file\nCMD run\n", ["-t", "checked:latest"])
        #expect(result.status == 1, "\(result.standardError)")
        let expected = [
            "Check complete, 2 warnings have been found!",
            "",
            "WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
            "'as' and 'FROM' keywords' casing do not match",
            "\(dockerfilePath):1",
            "--------------------",
            "   1 | >>> FROM scratch as base",
            "   2 |     COPY file /file",
            "   3 |     CMD run",
            "--------------------",
            "",
            "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
            "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals",
            "\(dockerfilePath):3",
            "--------------------",
            "   1 |     FROM scratch as base",
            "   2 |     COPY file /file",
            "   3 | >>> CMD run",
            "   4 |     ",
            "--------------------",
            ""
        ].joined(separator: "\n")
        #expect(result.standardOutput == expected)
        // Nothing was built or tagged.
        #expect(try !storedImages().contains("checked"))
        #expect(!result.standardError.contains("COPY file"))
    }

    @Test func checkPassesWithoutWarnings() throws {
        defer { workspace.remove() }
        let result = try check("FROM scratch AS base\nCOPY file /file\nCMD [\"run\"]\n")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput == "Check complete, no warnings found.\n")
    }

    @Test func skipDirectiveAndBuildArgAreHonoured() throws {
        defer { workspace.remove() }
        let skipped = try check("# check=skip=JSONArgsRecommended\nFROM scratch\nCMD run\n")
        #expect(skipped.status == 0, "\(skipped.standardOutput)")
        let all = try check("# check=skip=all\nFROM scratch as Base\nCMD run\n")
        #expect(all.status == 0, "\(all.standardOutput)")
        // BUILDKIT_DOCKERFILE_CHECK replaces the directive.
        let overridden = try check(
            "# check=skip=JSONArgsRecommended\nFROM scratch\nCMD run\n", ["--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=FromAsCasing"])
        #expect(overridden.status == 1)
        #expect(overridden.standardOutput.contains("WARNING: JSONArgsRecommended"))
    }

    @Test func invalidCheckDirectiveIsALocatedError() throws {
        defer { workspace.remove() }
        let result = try check("# check=error=maybe\nFROM scratch\n")
        #expect(result.status == 1)
        #expect(
            result.standardError.contains(
                #"\#(dockerfilePath):1: failed to parse check options: failed to parse check option "error=maybe""#),
            "\(result.standardError)")
        let flag = try workspace.build("FROM scratch\nCOPY file /file\n", ["--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip"])
        #expect(flag.status == 1)
        #expect(flag.standardError.contains(#"failed to parse BUILDKIT_DOCKERFILE_CHECK: invalid check option "skip""#))
    }

    @Test func errorTrueFailsTheBuildBeforeAnyStep() throws {
        defer { workspace.remove() }
        let result = try workspace.build(
            "# check=error=true\nFROM scratch\nCOPY file /file\nCMD run\n", ["-t", "refused:latest"])
        #expect(result.status == 1)
        #expect(
            result.standardError.contains(
                "1 warning found (use swiftbuild build --check to expand):\n - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 4)\n"
            ), "\(result.standardError)")
        #expect(result.standardError.contains("ERROR: failed to solve: lint violation found for rules: JSONArgsRecommended"))
        #expect(!result.standardError.contains("COPY file /file"), "a step ran: \(result.standardError)")
        #expect(try !storedImages().contains("refused"))
    }

    @Test func aNormalBuildPrintsTheShortFormAndSucceeds() throws {
        defer { workspace.remove() }
        let warned = try workspace.build("FROM scratch\nCOPY file /file\nCMD run\n", ["-t", "warned:latest"])
        #expect(warned.status == 0, "\(warned.standardError)")
        #expect(
            warned.standardError.hasSuffix(
                "1 warning found (use swiftbuild build --check to expand):\n - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 3)\n"
            ), "\(warned.standardError)")
        #expect(try storedImages().contains("warned"))
        let clean = try workspace.build("FROM scratch\nCOPY file /file\nCMD [\"run\"]\n", ["-t", "clean:latest"])
        #expect(clean.status == 0, "\(clean.standardError)")
        #expect(!clean.standardError.contains("warning found"))
        // Only the stages the target needs are checked in a normal build.
        let unused = try workspace.build("FROM scratch AS unused\nCMD run\nFROM scratch\nCOPY file /file\n")
        #expect(unused.status == 0, "\(unused.standardError)")
        #expect(!unused.standardError.contains("warning found"), "\(unused.standardError)")
    }

    @Test func copyIgnoredFileReadsTheContextsIgnoreFile() throws {
        defer { workspace.remove() }
        try Data("*.key\n".utf8).write(to: context.appendingPathComponent(".dockerignore"))
        let result = try check("# check=experimental=CopyIgnoredFile\nFROM scratch\nCOPY file /file\nCOPY app.key /k\n")
        #expect(result.status == 1)
        #expect(
            result.standardOutput.contains(
                "WARNING: CopyIgnoredFile - https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/\nAttempting to Copy file \"app.key\" that is excluded by .dockerignore\n"
            ), "\(result.standardOutput)")
        #expect(result.standardOutput.hasPrefix("Check complete, 1 warning has been found!\n"))
    }

    /// The base image's environment and platform come from the store when it holds the image.
    @Test func baseImageFactsComeFromTheStore() throws {
        defer { workspace.remove() }
        let withBusybox = try BuildWorkspace(busybox: true)
        defer { withBusybox.remove() }
        let text = "FROM busybox\nENV PATH=/opt/bin:$PATH\nCOPY $nope /x\n"
        let result = try withBusybox.build(text, ["--check"])
        #expect(result.status == 1)
        let messages = result.standardOutput.split(separator: "\n").filter { $0.hasPrefix("Usage of undefined variable") }
        #expect(messages == ["Usage of undefined variable '$nope'"], "\(result.standardOutput)")
        // An image the store lacks is checked without its environment: nothing to report.
        let unknown = try workspace.build("FROM absent-image\nCOPY $nope /x\n", ["--check"])
        #expect(unknown.status == 0, "\(unknown.standardOutput)")

        let foreign = try withBusybox.build("FROM busybox\n", ["--check", "--platform", "linux/s390x"])
        #expect(foreign.status == 1)
        #expect(foreign.standardOutput.contains("WARNING: InvalidBaseImagePlatform\nBase image busybox was pulled with platform \""))
        #expect(foreign.standardOutput.contains("\", expected \"linux/s390x\" for current build\n"), "\(foreign.standardOutput)")
    }

    /// `--check` covers every stage, or with `--target` the stages it needs, as BuildKit's check request.
    @Test func checkCoversEveryStageOrThoseTheTargetNeeds() throws {
        defer { workspace.remove() }
        let text = "FROM scratch AS unused\nCMD run\nFROM scratch AS app\nCOPY file /file\n"
        let all = try check(text)
        #expect(all.status == 1)
        #expect(all.standardOutput.contains("WARNING: JSONArgsRecommended"))
        let targeted = try check(text, ["--target", "app"])
        #expect(targeted.status == 0, "\(targeted.standardOutput)")
    }
}
