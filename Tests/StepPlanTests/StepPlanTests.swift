import Dockerfile
import OCI
import Planner
import Testing

@testable import StepPlan

/// A Dockerfile's stage planned step by step, as the builder plans it, without building.
struct Planned {
    static let amd64 = OCI.Platform(architecture: "amd64", os: "linux")
    let plan: BuildPlan
    var planner: StagePlanner

    /// Plans stage `index` of `text` on a base whose config has `env`, with `defaults`
    /// for RUN and `directoryContexts` as the named directory contexts.
    init(
        _ text: String, stage index: Int? = nil, env: [String] = ["PATH=/bin"], defaults: RunDefaults = RunDefaults(),
        sourceDateEpoch: Int? = nil, compression: LayerCompression = .gzip(), directoryContexts: Set<String> = []
    ) throws {
        let parsed = try DockerfileParser.parse(text, file: "Dockerfile")
        let options = PlanOptions(
            buildPlatform: OCI.Platform(architecture: "amd64", os: "linux"),
            targetPlatform: OCI.Platform(architecture: "amd64", os: "linux"))
        plan = try BuildPlanner.plan(parsed, options: options)
        let stage = plan.stages[index ?? plan.targetIndex]
        let base = ImageConfiguration(architecture: "amd64", os: "linux", config: ContainerConfig(env: env))
        let target = StepTarget(
            platform: try StagePlanner.platform(of: stage, in: plan, targetPlatform: Self.amd64),
            sourceDateEpoch: sourceDateEpoch, compression: compression)
        var globals = options.predefinedArgs
        for arg in plan.globalArgs { globals[arg.name] = arg.value }
        planner = StagePlanner(
            stage: stage, of: plan, state: StageState(base: base, platform: target.platform, escape: "\\"),
            target: target, defaults: defaults, argSources: ArgSources(buildArgs: [:], globals: globals),
            directoryContexts: directoryContexts)
    }

    /// Every step of the stage, in order.
    mutating func steps(stage index: Int? = nil) throws -> [Step] {
        try plan.stages[index ?? plan.targetIndex].instructions.map { try planner.step(for: $0) }
    }

    /// The stage's last step, which must be a RUN.
    static func lastRun(
        _ text: String, env: [String] = ["PATH=/bin"], defaults: RunDefaults = RunDefaults(),
        sourceDateEpoch: Int? = nil, compression: LayerCompression = .gzip()
    ) throws -> RunStep {
        var planned = try Planned(text, env: env, defaults: defaults, sourceDateEpoch: sourceDateEpoch, compression: compression)
        guard case .run(let run) = try planned.steps().last else { throw StageConfigurationError("not a RUN") }
        return run
    }

    /// The stage's last step, which must be a COPY or ADD.
    static func lastCopy(_ text: String, stage: Int? = nil, directoryContexts: Set<String> = []) throws -> CopyStep {
        var planned = try Planned(text, stage: stage, directoryContexts: directoryContexts)
        guard case .copy(let copy) = try planned.steps(stage: stage).last else { throw StageConfigurationError("not a COPY") }
        return copy
    }
}

/// What a RUN step's key is made of: it changes with every input that changes what the
/// step does, and stays with everything else (the config instructions that do not reach
/// the process, the compression of the layers).
@Suite("Step keys")
struct StepKeyTests {
    let parent = Digest.sha256(Array("parent".utf8))

    func runKey(
        _ text: String, env: [String] = ["PATH=/bin"], defaults: RunDefaults = RunDefaults(),
        sourceDateEpoch: Int? = nil, compression: LayerCompression = .gzip(), over parent: Digest? = nil
    ) throws -> Digest {
        try Planned.lastRun(text, env: env, defaults: defaults, sourceDateEpoch: sourceDateEpoch, compression: compression)
            .cacheKey(over: parent ?? self.parent)
    }

    @Test func aRunKeyIsTheDocumentedHashOfItsFields() throws {
        // sha256 over length-prefixed fields, lists counted first.
        func field(_ text: String) -> [UInt8] { Array("\(text.utf8.count):".utf8) + Array(text.utf8) }
        let fields = [
            "swiftbuild-cache-v1", "run", parent.description, "linux/amd64", "",
            "2", "shell", "make", "0", "2", "/bin/sh", "-c", "1", "PATH=/bin", "/", "", "host"
        ]
        let expected = Digest.sha256(fields.flatMap(field))
        #expect(try runKey("FROM base\nRUN make\n") == expected)
    }

    @Test func aRunKeyChangesWithWhatTheProcessSees() throws {
        let plain = try runKey("FROM base\nRUN make\n")
        #expect(try runKey("FROM base\nRUN make\n") == plain)
        let changed = [
            try runKey("FROM base\nRUN make\n", over: Digest.sha256(Array("other".utf8))),
            try runKey("FROM base\nRUN make all\n"),
            try runKey("FROM base\nRUN [\"make\"]\n"),
            try runKey("FROM base\nENV A=1\nRUN make\n"),
            try runKey("FROM base\nARG B=2\nRUN make\n"),
            try runKey("FROM base\nUSER app\nRUN make\n"),
            try runKey("FROM base\nWORKDIR /src\nRUN make\n"),
            try runKey("FROM base\nSHELL [\"/bin/bash\", \"-c\"]\nRUN make\n"),
            try runKey("FROM --platform=linux/arm64 base\nRUN make\n"),
            try runKey("FROM base\nRUN --network=none make\n"),
            try runKey("FROM base\nRUN make\n", env: ["PATH=/usr/bin"]),
            try runKey("FROM base\nRUN make\n", defaults: RunDefaults(extraHosts: [HostLine(name: "db", address: "10.0.0.2")])),
            try runKey("FROM base\nRUN make\n", defaults: RunDefaults(resourceLimits: ["nofile=1024:2048"])),
            try runKey("FROM base\nRUN make\n", defaults: RunDefaults(sharedMemorySize: 1 << 20)),
            try runKey("FROM base\nRUN --security=insecure make\n", defaults: RunDefaults(allowsInsecure: true)),
            try runKey("FROM base\nRUN make\n", sourceDateEpoch: 1_700_000_000)
        ]
        #expect(!changed.contains(plain))
        #expect(Set(changed).count == changed.count)
        // The network the step gets, whether from its flag or from the build's default.
        #expect(
            try runKey("FROM base\nRUN make\n", defaults: RunDefaults(network: .none))
                == (try runKey("FROM base\nRUN --network=none make\n")))
    }

    @Test func aRunKeyStaysWithWhatTheProcessDoesNotSee() throws {
        let plain = try runKey("FROM base\nRUN make\n")
        #expect(try runKey("FROM base\nLABEL a=b\nEXPOSE 80\nCMD [\"x\"]\nSTOPSIGNAL TERM\nRUN make\n") == plain)
        #expect(try runKey("FROM base\nRUN make\n", compression: .zstd()) == plain)
        #expect(try runKey("FROM base\nRUN make\n", defaults: RunDefaults(allowsInsecure: true)) == plain)
        // `--network=host` is what the build's default gives anyway.
        #expect(try runKey("FROM base\nRUN --network=host make\n") == plain)
    }

    func copyKey(_ text: String, sourceDigest: String = "context sha256:00", over parent: Digest? = nil) throws -> Digest {
        try Planned.lastCopy(text).cacheKey(over: parent ?? self.parent, sourceDigest: sourceDigest)
    }

    @Test func aCopyKeyChangesWithItsInputsOnly() throws {
        let plain = try copyKey("FROM base\nCOPY a /b\n")
        #expect(try copyKey("FROM base\nENV X=1\nLABEL l=1\nUSER app\nCOPY a /b\n") == plain)
        let changed = [
            try copyKey("FROM base\nCOPY a /b\n", sourceDigest: "context sha256:01"),
            try copyKey("FROM base\nCOPY a /b\n", over: Digest.sha256(Array("other".utf8))),
            try copyKey("FROM base\nCOPY a /c\n"),
            try copyKey("FROM base\nCOPY a c\n"),
            try copyKey("FROM base\nWORKDIR /w\nCOPY a c\n"),
            try copyKey("FROM base\nCOPY --chown=app a /b\n"),
            try copyKey("FROM base\nCOPY --chmod=755 a /b\n"),
            try copyKey("FROM base\nCOPY --exclude=*.o a /b\n"),
            try copyKey("FROM base\nCOPY --parents a /b\n"),
            try copyKey("FROM base\nADD a /b\n"),
            try copyKey("FROM base\nENV F=x\nCOPY $F /b\n")
        ]
        #expect(!changed.contains(plain))
        #expect(Set(changed).count == changed.count)
    }

    @Test func aHereDocumentIsKeyedByItsExpandedContent() throws {
        let text = "FROM base\nARG V=1\nCOPY <<EOF /f\nv$V\nEOF\n"
        let copy = try Planned.lastCopy(text)
        #expect(copy.sources == [.inline(name: "EOF", content: Array("v1\n".utf8))])
        #expect(copy.patterns.isEmpty)
        let other = try Planned.lastCopy("FROM base\nARG V=2\nCOPY <<EOF /f\nv$V\nEOF\n")
        #expect(copy.cacheKey(over: parent, sourceDigest: "") != other.cacheKey(over: parent, sourceDigest: ""))
        let quoted = try Planned.lastCopy("FROM base\nARG V=1\nCOPY <<'EOF' /f\nv$V\nEOF\n")
        #expect(quoted.sources == [.inline(name: "EOF", content: Array("v$V\n".utf8))])
    }

    @Test func aWorkdirKeyHasTheDirectoryAndTheUser() throws {
        func workdir(_ text: String) throws -> WorkdirStep {
            var planned = try Planned(text)
            guard case .workdir(let step) = try planned.steps().last else { throw StageConfigurationError("not a WORKDIR") }
            return step
        }
        let plain = try workdir("FROM base\nWORKDIR /a/../b/\n")
        #expect(plain.path == "/a/../b/")
        #expect(plain.components == ["b"])
        #expect(plain.historyLine == "WORKDIR /a/../b/")
        let owned = try workdir("FROM base\nUSER app\nWORKDIR /a/../b/\n")
        #expect(owned.user == "app")
        #expect(plain.cacheKey(over: parent) != owned.cacheKey(over: parent))
        #expect(plain.cacheKey(over: parent) == (try workdir("FROM base\nENV A=1\nWORKDIR /a/../b/\n")).cacheKey(over: parent))
        #expect(plain.cacheKey(over: parent) != (try workdir("FROM base\nWORKDIR /b\n")).cacheKey(over: parent))
    }
}

/// What each step carries once resolved: the `--from` source, the platform, the user, the
/// environment, the packing settings, and the configuration the instructions leave.
@Suite("Step plan")
struct StepPlanTests {
    @Test func copyFromNamesAStageAnIndexADirectoryOrAnImage() throws {
        let text = """
            FROM base AS build
            FROM base
            ARG SRC=build
            COPY --from=build /a /a
            COPY --from=0 /a /a
            COPY --from=$SRC /a /a
            COPY --from=files /a /a
            COPY --from=alpine:3 /a /a
            COPY --from=oci-archive:/x.tar /a /a
            COPY /a /a

            """
        var planned = try Planned(text, directoryContexts: ["files"])
        let sources = try planned.steps().compactMap { step -> CopyFrom? in
            if case .copy(let copy) = step { return copy.from }
            return nil
        }
        #expect(
            sources == [
                .stage(0), .stage(0), .stage(0), .namedDirectory("files"), .image("alpine:3"),
                .image("oci-archive:/x.tar"), .context
            ])
        #expect(
            CopyFrom.image("alpine:3").digestField(Digest(sha256Hex: String(repeating: "a", count: 64)))
                == "image sha256:" + String(repeating: "a", count: 64))
    }

    @Test func anEmptyFromIsAnError() throws {
        #expect(throws: StageConfigurationError.self) { try Planned.lastCopy("FROM base\nARG NONE\nCOPY --from=$NONE /a /a\n") }
        do {
            _ = try Planned.lastCopy("FROM base\nARG NONE\nCOPY --from=$NONE /a /a\n")
        } catch {
            #expect("\(error)" == "--from expanded to an empty string; name a stage, a stage index or an image")
        }
    }

    @Test func theStagePlatformIsItsFromPlatformElseTheTarget() throws {
        let text = """
            FROM --platform=linux/arm64/v8 base AS a
            RUN a
            FROM --platform=$BUILDPLATFORM base AS b
            FROM a AS c
            FROM --platform=linux/amd64 c
            FROM base

            """
        let plan = try Planned(text).plan
        let target = OCI.Platform(architecture: "riscv64", os: "linux")
        func platform(_ index: Int) throws -> OCI.Platform {
            try StagePlanner.platform(of: plan.stages[index], in: plan, targetPlatform: target)
        }
        let arm64 = OCI.Platform(architecture: "arm64", os: "linux")
        #expect(try platform(0) == arm64)
        #expect(try platform(1) == Planned.amd64)
        // A stage built from another is for that stage's platform, whatever its own says.
        #expect(try platform(2) == arm64)
        #expect(try platform(3) == arm64)
        #expect(try platform(4) == target)
        var planned = try Planned(text, stage: 0)
        guard case .run(let run) = try planned.steps(stage: 0).last else { Issue.record("not a RUN"); return }
        #expect(run.target.platform.description == "linux/arm64")

        let bad = try Planned("FROM base\n").plan
        var stage = bad.stages[0]
        stage.platform = "arm64"
        #expect(throws: StageConfigurationError.self) { try StagePlanner.platform(of: stage, in: bad, targetPlatform: target) }
    }

    @Test func aRunStepCarriesTheResolvedUserEnvironmentAndShell() throws {
        let text = """
            FROM base
            ARG V=1
            ENV HOME=/home/app PATH=/opt/bin:$PATH
            USER app:$V
            WORKDIR src
            SHELL ["/bin/bash", "-euc"]
            RUN make V=$V

            """
        let run = try Planned.lastRun(text, sourceDateEpoch: 7, compression: .zstd(level: 5))
        #expect(run.user == "app:1")
        #expect(run.environment == ["PATH=/opt/bin:/bin", "HOME=/home/app", "V=1"])
        #expect(run.workingDirectory == "/src")
        #expect(run.shell == ["/bin/bash", "-euc"])
        #expect(run.command == .shell("make V=$V"))
        #expect(run.network == .host)
        #expect(run.target == StepTarget(platform: Planned.amd64, sourceDateEpoch: 7, compression: .zstd(level: 5)))
        #expect(run.historyLine == "RUN |1 V=1 /bin/bash -euc make V=$V # buildkit")
    }

    @Test func runRefusesWhatTheBuildDoesNotAllow() throws {
        #expect(throws: StageConfigurationError.self) { try Planned.lastRun("FROM base\nRUN --security=insecure make\n") }
        let insecure = try Planned.lastRun("FROM base\nRUN --security=insecure make\n", defaults: RunDefaults(allowsInsecure: true))
        #expect(insecure.insecure)
        let none = try Planned.lastRun("FROM base\nRUN make\n", defaults: RunDefaults(network: .none))
        #expect(none.network == .none)
        let host = try Planned.lastRun("FROM base\nRUN --network=host make\n", defaults: RunDefaults(network: .none))
        #expect(host.network == .host)
    }

    @Test func configurationInstructionsUpdateTheConfigAndTheHistoryLines() throws {
        let text = """
            FROM base
            ENV A=1
            ENV B=$A
            USER app
            WORKDIR /srv
            WORKDIR www
            SHELL ["/bin/bash", "-c"]
            CMD run $A
            LABEL version=$B
            ONBUILD RUN echo child
            COPY --chown=app a b/

            """
        var planned = try Planned(text)
        let steps = try planned.steps()
        var lines: [String?] = []
        for step in steps {
            switch step {
            case .metadata(let line): lines.append(line)
            case .workdir(let workdir): lines.append(workdir.historyLine)
            case .copy(let copy): lines.append(copy.historyLine)
            case .run(let run): lines.append(run.historyLine)
            }
        }
        #expect(
            lines == [
                "ENV A=1", "ENV B=1", "USER app", "WORKDIR /srv", "WORKDIR /srv/www", "SHELL [/bin/bash -c]",
                "CMD [\"/bin/bash\" \"-c\" \"run $A\"]", "LABEL version=1", nil, "COPY --chown=app a b/ # buildkit"
            ])
        let config = planned.planner.state.finishedImage.config
        #expect(config?.env == ["PATH=/bin", "A=1", "B=1"])
        #expect(config?.user == "app")
        #expect(config?.workingDir == "/srv/www")
        #expect(config?.shell == ["/bin/bash", "-c"])
        #expect(config?.cmd == ["/bin/bash", "-c", "run $A"])
        #expect(config?.labels == ["version": "1"])
        #expect(config?.onBuild == ["RUN echo child"])
        guard case .copy(let copy) = steps.last else { Issue.record("not a COPY"); return }
        #expect(copy.workingDirectory == "/srv/www")
        #expect(copy.destination == "b/")
        #expect(copy.chown == "app")
        // The history is the builder's to record, with the time of the layer.
        #expect(planned.planner.state.history.isEmpty)
        planned.planner.recordHistory("ENV A=1 B=1", emptyLayer: true, created: "2023-11-14T22:13:20Z")
        #expect(planned.planner.state.finishedImage.history?.last?.createdBy == "ENV A=1 B=1")
    }
}
