import Dockerfile
import OCI
import Planner
import Testing

/// Plans `text` as a Dockerfile named `Dockerfile`.
func plan(
    _ text: String, target: String? = nil, buildArgs: [String: String] = [:],
    targetPlatform: Platform = Platform(architecture: "arm64", os: "linux")
) throws -> BuildPlan {
    let parsed = try DockerfileParser.parse(text, file: "Dockerfile")
    let options = PlanOptions(
        target: target, buildArgs: buildArgs,
        buildPlatform: Platform(architecture: "amd64", os: "linux"), targetPlatform: targetPlatform)
    return try BuildPlanner.plan(parsed, options: options)
}

/// The error planning `text` gives, as `FILE:LINE: message`.
func planError(_ text: String, target: String? = nil) -> String? {
    do {
        _ = try plan(text, target: target)
        return nil
    } catch let error as DockerfileError {
        return error.description
    } catch {
        return "unexpected error: \(error)"
    }
}

let seedDockerfile = """
    FROM golang:alpine as builder
    WORKDIR /go/src
    COPY httpserver.go .
    RUN go build -o myhttpserver ./httpserver.go

    From alpine:latest
    WORKDIR /root/
    COPY --from=builder /go/src/myhttpserver .
    RUN chmod +x /root/myhttpserver
    ENTRYPOINT ["/root/myhttpserver"]

    """

@Suite("Stages and the stage graph")
struct StageGraphTests {
    @Test func seedMultiStageBuild() throws {
        let plan = try plan(seedDockerfile)
        #expect(plan.stages.count == 2)
        #expect(plan.stages[0].name == "builder")
        #expect(plan.stages[0].base == .image("golang:alpine"))
        #expect(plan.stages[1].name == nil)
        #expect(plan.stages[1].dependsOn == [0])
        #expect(plan.stages[1].dependencies == [StageDependency(stage: 0, reason: .copyFrom, line: 8)])
        #expect(plan.targetIndex == 1)
        #expect(plan.buildOrder == [[0], [1]])
        #expect(plan.stages.allSatisfy { !$0.skipped })
        #expect(plan.stages[1].instructions.last?.command == .entrypoint(.exec(["/root/myhttpserver"])))
    }

    @Test func stagesByNameCaseInsensitivelyAndByIndex() throws {
        let plan = try plan(
            """
            FROM busybox AS Base
            FROM BASE AS tools
            COPY --from=0 /a /a
            FROM scratch
            COPY --from=TOOLS /b /b
            """)
        #expect(plan.stages[1].base == .stage(0))
        #expect(plan.stages[1].dependsOn == [0])
        #expect(plan.stages[2].base == .scratch)
        #expect(plan.stages[2].dependsOn == [1])
        #expect(plan.buildOrder == [[0], [1], [2]])
    }

    @Test func runMountFromMakesAnEdge() throws {
        let plan = try plan("FROM busybox AS src\nFROM busybox\nRUN --mount=from=src,target=/src cat /src/x\n")
        #expect(plan.stages[1].dependencies == [StageDependency(stage: 0, reason: .mountFrom, line: 3)])
    }

    @Test func copyFromAnImageIsNotAStage() throws {
        let plan = try plan("FROM busybox\nCOPY --from=alpine:3 /etc/os-release /\nCOPY --from=nginx /etc/nginx /etc/nginx\n")
        #expect(plan.stages[0].dependsOn.isEmpty)
        #expect(plan.stages[0].imageReferences == ["alpine:3", "nginx"])
    }

    @Test func independentStagesShareAWave() throws {
        let plan = try plan(
            """
            FROM busybox AS a
            FROM busybox AS b
            FROM busybox AS c
            FROM busybox AS d
            FROM busybox
            COPY --from=a /x /a
            COPY --from=b /x /b
            COPY --from=c /x /c
            COPY --from=d /x /d
            """)
        #expect(plan.buildOrder == [[0, 1, 2, 3], [4]])
    }

    @Test func targetSkipsStagesItDoesNotNeed() throws {
        let plan = try plan(
            """
            FROM busybox AS deps
            FROM deps AS build
            FROM busybox AS broken
            RUN exit 1
            FROM build AS test
            FROM scratch AS release
            COPY --from=build /out /out
            """, target: "Test")
        #expect(plan.targetIndex == 3)
        #expect(plan.stages.map(\.skipped) == [false, false, true, false, true])
        #expect(plan.buildOrder == [[0], [1], [3]])
    }

    @Test func lastStageIsTheDefaultTargetAndOthersMayBeSkipped() throws {
        let plan = try plan("FROM busybox AS unused\nRUN false\nFROM scratch\n")
        #expect(plan.stages.map(\.skipped) == [true, false])
        #expect(plan.buildOrder == [[1]])
    }
}

@Suite("ARG scoping and build args")
struct ArgTests {
    @Test func globalArgsExpandInFrom() throws {
        let plan = try plan("ARG VERSION=3.20\nARG IMAGE=alpine:${VERSION}\nFROM $IMAGE\nFROM busybox:${VERSION:-latest}-musl\n")
        #expect(plan.stages[0].baseName == "alpine:3.20")
        #expect(plan.stages[1].baseName == "busybox:3.20-musl")
        #expect(plan.globalArgs == [ResolvedArg(name: "VERSION", value: "3.20"), ResolvedArg(name: "IMAGE", value: "alpine:3.20")])
    }

    @Test func buildArgsOverrideDefaults() throws {
        let plan = try plan("ARG VERSION=3.20\nFROM alpine:$VERSION\n", buildArgs: ["VERSION": "3.19"])
        #expect(plan.stages[0].baseName == "alpine:3.19")
        #expect(plan.warnings.isEmpty)
    }

    @Test func globalArgsAreNotVisibleInAStageUntilRedeclared() throws {
        let plan = try plan(
            """
            ARG SRC=builder
            FROM busybox AS builder
            FROM busybox AS other
            COPY --from=${SRC:-alpine:3} /a /a
            FROM busybox
            ARG SRC
            COPY --from=$SRC /a /a
            """)
        #expect(plan.stages[1].imageReferences == ["alpine:3"])
        #expect(plan.stages[1].dependsOn.isEmpty)
        #expect(plan.stages[2].dependsOn == [0])
    }

    @Test func stageArgDefaultsExpandWithEarlierArgsAndEnv() throws {
        let plan = try plan(
            """
            FROM busybox AS base-1.2
            FROM busybox
            ENV MAJOR=1
            ARG MINOR=2
            ARG FROM_STAGE=base-${MAJOR}.${MINOR}
            COPY --from=$FROM_STAGE /a /a
            """)
        #expect(plan.stages[1].dependsOn == [0])
    }

    @Test func envSeesValuesFromBeforeTheInstruction() throws {
        let plan = try plan(
            """
            FROM busybox AS one
            FROM busybox AS x
            FROM busybox
            ENV a=one
            ENV a=x b=$a
            COPY --from=$b /f /f
            """)
        #expect(plan.stages[2].dependsOn == [0])
    }

    @Test func envWinsOverAnArgOfTheSameName() throws {
        let plan = try plan(
            """
            FROM busybox AS a1
            FROM busybox AS b1
            FROM busybox
            ENV X=a1
            ARG X=b1
            COPY --from=$X / /
            """)
        #expect(plan.stages[2].dependsOn == [0])
        #expect(plan.stages.map(\.skipped) == [false, true, false])
    }

    @Test func aStageFromAStageKeepsItsArgs() throws {
        let plan = try plan(
            """
            FROM busybox AS tools
            FROM busybox AS base
            ARG SRC=tools
            FROM base AS child
            COPY --from=$SRC /a /a
            FROM base AS grandchild
            ARG SRC
            COPY --from=${SRC}-missing /a /a
            FROM busybox
            COPY --from=${SRC:-alpine:3} /a /a
            """)
        // The child sees the ARG its parent declared; a redeclaration without a default
        // keeps the inherited value; an unrelated stage does not see it.
        #expect(plan.stages[2].dependsOn.sorted() == [0, 1])
        #expect(plan.stages[3].imageReferences == ["tools-missing"])
        #expect(plan.stages[4].imageReferences == ["alpine:3"])
    }

    @Test func anInheritedArgIsOverriddenByAnInheritedEnvButNotByTheChildsArg() throws {
        let plan = try plan(
            """
            FROM busybox AS one
            FROM busybox AS two
            FROM busybox AS base
            ARG A=one
            ARG B=one
            ENV B=two
            FROM base
            ARG A=two
            ARG B=one
            COPY --from=$A /a /a
            COPY --from=$B /b /b
            """)
        #expect(plan.stages[3].dependencies.map(\.stage) == [2, 1, 1])
    }

    @Test func platformArgsArePredefinedForFrom() throws {
        let plan = try plan("FROM --platform=$BUILDPLATFORM busybox:$TARGETARCH AS build\nFROM busybox:${TARGETOS}-${BUILDARCH}\n")
        #expect(plan.stages[0].platform == "linux/amd64")
        #expect(plan.stages[0].baseName == "busybox:arm64")
        #expect(plan.stages[1].baseName == "busybox:linux-amd64")
    }

    @Test func unusedBuildArgsAreWarnedAbout() throws {
        let plan = try plan("ARG USED\nFROM busybox\n", buildArgs: ["USED": "1", "TYPO": "2"])
        #expect(plan.warnings == ["build-arg TYPO was not consumed: no ARG TYPO is declared in Dockerfile"])
    }
}

@Suite("Planner errors name the file and line")
struct PlannerErrorTests {
    @Test(arguments: [
        (
            "FROM busybox AS builder\nFROM busybox\nCOPY --from=buidler /a /a\n",
            "Dockerfile:3: COPY --from=buidler: unknown stage 'buidler' (did you mean 'builder'?); to use an image of that name, write its full reference, e.g. buidler:latest"
        ),
        (
            "FROM busybox\nCOPY --from=later /a /a\nFROM busybox AS later\n",
            "Dockerfile:2: COPY --from=later: stage 'later' is defined later (line 3); a stage can only use stages defined before it"
        ),
        (
            "FROM b AS a\nFROM a AS b\n",
            "Dockerfile:1: FROM b: the stages form a cycle: 'a' -> 'b' -> 'a'"
        ),
        (
            "FROM busybox AS self\nCOPY --from=self /a /a\n",
            "Dockerfile:2: COPY --from=self: the stages form a cycle: 'self' -> 'self'"
        ),
        (
            "FROM busybox AS app\nFROM busybox AS App\n",
            "Dockerfile:2: duplicate stage name 'app': stage 0 already has it (line 1)"
        ),
        (
            "FROM busybox\nCOPY --from=3 /a /a\n",
            "Dockerfile:2: COPY --from=3: there is no stage 3 (stages are numbered 0 to 0)"
        ),
        (
            "FROM busybox\nRUN --mount=from=1,target=/x true\nFROM busybox\n",
            "Dockerfile:2: RUN --mount=from=1: stage 1 is defined later (line 3); a stage can only use stages defined before it"
        ),
        (
            "ARG A\nRUN echo\nFROM busybox\n",
            "Dockerfile:2: RUN before the first FROM: only ARG may come before FROM"
        ),
        (
            "ARG ONLY=1\n",
            "Dockerfile:1: no build stage: the Dockerfile has no FROM instruction"
        ),
        (
            "ARG IMAGE\nFROM $IMAGE\n",
            "Dockerfile:2: base name ($IMAGE) should not be blank"
        )
    ])
    func errorAndLine(_ text: String, _ expected: String) {
        #expect(planError(text) == expected)
    }

    @Test func unknownTarget() {
        #expect(
            planError("FROM busybox AS build\nFROM scratch AS release\n", target: "tset")
                == "Dockerfile: target stage 'tset' could not be found (stages: build, release)")
    }

    @Test func requiredArgMessage() {
        let error = planError("ARG TAG\nFROM alpine:${TAG:?required}\n")
        #expect(error?.hasPrefix("Dockerfile:2: ") == true)
        #expect(error?.contains("required") == true)
    }
}
