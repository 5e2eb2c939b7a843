import Dockerfile
import OCI
import Testing

@testable import StepPlan

/// How instructions change a stage's configuration, compared with what BuildKit writes.
@Suite("Stage configuration")
struct StageStateTests {
    static let platform = OCI.Platform(architecture: "amd64", os: "linux")
    let noArgs = ArgSources(buildArgs: [:], globals: [:])

    func state(env: [String]) -> StageState {
        let base = ImageConfiguration(architecture: "amd64", os: "linux", config: ContainerConfig(env: env))
        return StageState(base: base, platform: Self.platform, escape: "\\")
    }

    @Test func envKeepsTheRedefinedVariableInItsPlace() throws {
        var state = state(env: ["PATH=/usr/bin:/bin", "A=1", "B=2"])
        let line = try state.applyMetadata(
            .env([KeyValuePair(key: "A", value: "3"), KeyValuePair(key: "C", value: "$A$B")]),
            argSources: noArgs)
        #expect(state.image.config?.env == ["PATH=/usr/bin:/bin", "A=3", "B=2", "C=12"])
        #expect(line == "ENV A=3 C=12")
        _ = try state.applyMetadata(.env([KeyValuePair(key: "PATH", value: "/opt/bin:$PATH")]), argSources: noArgs)
        #expect(state.image.config?.env == ["PATH=/opt/bin:/usr/bin:/bin", "A=3", "B=2", "C=12"])
    }

    @Test func scratchGetsTheDefaultPath() {
        let scratch = StageState(base: nil, platform: Self.platform, escape: "\\")
        #expect(scratch.image.config?.env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    }

    @Test(arguments: [
        ("/root/", "", "/root/"),
        ("/a/../b", "", "/a/../b"),
        ("/x//y/.", "/w", "/x//y/."),
        ("a/b/", "/w", "/w/a/b"),
        ("a/b/", "", "/a/b"),
        ("../c", "/w/v", "/w/c"),
        ("c", "/a/../b", "/b/c"),
        ("..", "/", "/"),
        ("", "/x/", "/x/"),
        ("", "", "/"),
        ("y", "rel", "/rel/y")
    ])
    func workdirIsWrittenAsBuildKitWritesIt(path: String, current: String, expected: String) {
        #expect(StageState.workingDirectory(path, after: current) == expected)
    }

    @Test func workdirHistoryAndRunDirectory() throws {
        var state = state(env: [])
        #expect(try state.applyWorkdir("/root/") == "WORKDIR /root/")
        #expect(state.image.config?.workingDir == "/root/")
        #expect(try state.applyWorkdir("src/") == "WORKDIR /root/src")
        #expect(state.workingDirectory == "/root/src")
    }

    @Test func aStageFromAStageKeepsItsArgs() throws {
        var parent = state(env: [])
        _ = try parent.applyMetadata(
            .arg([
                ArgDefinition(name: "VERSION", defaultValue: "1.2"),
                ArgDefinition(name: "EMPTY", defaultValue: nil)
            ]), argSources: noArgs)
        var child = StageState(continuing: parent, platform: Self.platform, escape: "\\")
        #expect(try child.expand("v$VERSION") == "v1.2")
        #expect(child.runEnvironment.contains("VERSION=1.2"))
        #expect(child.image.config?.env?.contains { $0.hasPrefix("VERSION") } == false)
        #expect(StagePlanner.runHistory(["/bin/sh", "-c", "true"], state: child) == "RUN |2 VERSION=1.2 EMPTY= /bin/sh -c true # buildkit")
        // Redeclared without a default, it keeps the inherited value (and says no value).
        #expect(try child.applyMetadata(.arg([ArgDefinition(name: "VERSION", defaultValue: nil)]), argSources: noArgs) == "ARG VERSION")
        #expect(try child.expand("$VERSION") == "1.2")
        // A global value, when there is one, wins over the inherited one.
        let globals = ArgSources(buildArgs: [:], globals: ["VERSION": "9"])
        #expect(try child.applyMetadata(.arg([ArgDefinition(name: "VERSION", defaultValue: nil)]), argSources: globals) == "ARG VERSION=9")
        #expect(try child.expand("$VERSION") == "9")
        // A stage from an image starts without them.
        #expect(try state(env: []).expand("[$VERSION]") == "[]")
    }
}
