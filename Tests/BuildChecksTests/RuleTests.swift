import BuildChecks
import Dockerfile
import OCI
import Testing

// Most bad and good Dockerfiles below are the examples of BuildKit's rule documentation
// (github.com/moby/buildkit, frontend/dockerfile/docs/rules/*.md, Apache License 2.0);
// the messages are BuildKit's linter's.

@Suite struct RuleTests {
    @Test func stageNameCasing() throws {
        #expect(try warnings("FROM alpine AS BuilderBase\n") == ["StageNameCasing: Stage name 'BuilderBase' should be lowercase (line 1)"])
        #expect(try warnings("FROM alpine AS builder-base\n").isEmpty)
    }

    @Test func fromAsCasing() throws {
        #expect(
            try warnings("FROM debian:latest as builder\n") == ["FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)"])
        #expect(try warnings("FROM debian:latest AS deb-builder\n").isEmpty)
        #expect(try warnings("from debian:latest as deb-builder\n").isEmpty)
        #expect(
            try warnings("from debian:latest AS deb-builder\n") == ["FromAsCasing: 'AS' and 'from' keywords' casing do not match (line 1)"])
    }

    @Test func noEmptyContinuation() throws {
        // The warning is located at the instruction's last line, where BuildKit puts it.
        #expect(try warnings("FROM alpine\nEXPOSE \\\n\n80\n") == ["NoEmptyContinuation: Empty continuation line (line 4)"])
        #expect(try warnings("FROM alpine\nEXPOSE \\\n# Port\n80\n").isEmpty)
    }

    @Test func consistentInstructionCasing() throws {
        let bad = """
            From alpine
            Run echo hello > /greeting.txt
            EntRYpOiNT ["cat", "/greeting.txt"]

            """
        // No keyword is all upper or all lower case: the tie counts as upper case.
        #expect(
            try warnings(bad) == [
                "ConsistentInstructionCasing: Command 'From' should match the case of the command majority (uppercase) (line 1)",
                "ConsistentInstructionCasing: Command 'Run' should match the case of the command majority (uppercase) (line 2)",
                "ConsistentInstructionCasing: Command 'EntRYpOiNT' should match the case of the command majority (uppercase) (line 3)"
            ])
        #expect(try warnings("FROM alpine\nRUN echo hello > /greeting.txt\nENTRYPOINT [\"cat\", \"/greeting.txt\"]\n").isEmpty)
        #expect(try warnings("from alpine\nrun echo hello > /greeting.txt\nentrypoint [\"cat\", \"/greeting.txt\"]\n").isEmpty)
        #expect(
            try warnings("from alpine\nrun true\nCOPY a /b\n")
                == ["ConsistentInstructionCasing: Command 'COPY' should match the case of the command majority (lowercase) (line 3)"])
    }

    @Test func duplicateStageName() throws {
        let bad = """
            FROM debian:latest AS builder
            RUN apt-get update; apt-get install -y curl

            FROM golang:latest AS builder

            """
        #expect(try warnings(bad) == [#"DuplicateStageName: Duplicate stage name "builder", stage names should be unique (line 4)"#])
        let good = """
            FROM debian:latest AS deb-builder
            RUN apt-get update; apt-get install -y curl

            FROM golang:latest AS go-builder

            """
        #expect(try warnings(good).isEmpty)
    }

    @Test func reservedStageName() throws {
        #expect(
            try warnings("FROM alpine AS scratch\nFROM alpine AS context\n") == [
                #"ReservedStageName: Stage name should not use the same name as reserved stage "scratch" (line 1)"#,
                #"ReservedStageName: Stage name should not use the same name as reserved stage "context" (line 2)"#
            ])
        #expect(try warnings("FROM alpine AS builder\n").isEmpty)
    }

    @Test func jsonArgsRecommended() throws {
        #expect(
            try warnings("FROM alpine\nENTRYPOINT my-program start\n")
                == [
                    "JSONArgsRecommended: JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals (line 2)"
                ])
        #expect(
            try warnings("FROM alpine\nCMD my-program start\n")
                == ["JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 2)"]
        )
        #expect(try warnings("FROM alpine\nENTRYPOINT [\"my-program\", \"start\"]\n").isEmpty)
        // An explicit SHELL makes the shell form a choice.
        #expect(try warnings("FROM alpine\nRUN apk add bash\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT echo \"hello world\"\n").isEmpty)
        // So does a shell in the base image's config.
        #expect(try warnings("FROM alpine\nCMD echo hi\n", baseImages: [0: BaseImageFacts(environment: [], hasShell: true)]).isEmpty)
    }

    @Test func maintainerDeprecated() throws {
        #expect(
            try warnings("FROM scratch\nMAINTAINER moby@example.com\n")
                == ["MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)"])
        #expect(try warnings("FROM scratch\nLABEL org.opencontainers.image.authors=\"moby@example.com\"\n").isEmpty)
    }

    @Test func undefinedArgInFrom() throws {
        #expect(
            try warnings("FROM node:22${VARIANT} AS jsbuilder\n")
                == ["UndefinedArgInFrom: FROM argument 'VARIANT' is not declared (line 1)"])
        #expect(try warnings("ARG VARIANT=\"-alpine3.20\"\nFROM node:22${VARIANT} AS jsbuilder\n").isEmpty)
        // A near miss of a declared ARG is suggested.
        #expect(
            try warnings("ARG VERSION=1\nFROM busybox:${VERSIN}\n") == [
                "InvalidDefaultArgInFrom: Default value for ARG busybox:${VERSIN} results in empty or invalid base image name (line 2)",
                "UndefinedArgInFrom: FROM argument 'VERSIN' is not declared (did you mean VERSION?) (line 2)"
            ])
        // The platform ARGs are predefined.
        #expect(try warnings("FROM --platform=$BUILDPLATFORM busybox\n").isEmpty)
    }

    @Test func workdirRelativePath() throws {
        #expect(
            try warnings("FROM nginx AS web\nWORKDIR usr/share/nginx/html\nCOPY public .\n")
                == [
                    #"WorkdirRelativePath: Relative workdir "usr/share/nginx/html" can have unexpected results if the base image changes (line 2)"#
                ])
        #expect(try warnings("FROM nginx AS web\nWORKDIR /usr/share/nginx/html\nCOPY public .\n").isEmpty)
        // Only the first WORKDIR counts, also across a stage built on another.
        #expect(try warnings("FROM nginx AS web\nWORKDIR /usr\nWORKDIR share\nFROM web\nWORKDIR html\n").isEmpty)
    }

    @Test func undefinedVar() throws {
        #expect(
            try warnings("FROM alpine AS base\nCOPY $foo .\n", baseImages: [0: alpineFacts])
                == ["UndefinedVar: Usage of undefined variable '$foo' (line 2)"])
        #expect(try warnings("FROM alpine AS base\nARG foo\nCOPY $foo .\n", baseImages: [0: alpineFacts]).isEmpty)
        #expect(
            try warnings("FROM alpine AS base\nARG VERSION=$foo\n", baseImages: [0: alpineFacts])
                == ["UndefinedVar: Usage of undefined variable '$foo' (line 2)"])
        let python = BaseImageFacts(environment: ["PATH", "LANG", "PYTHON_VERSION"])
        #expect(try warnings("FROM python AS base\nARG VERSION=$PYTHON_VERSION\n", baseImages: [0: python]).isEmpty)
        // A near miss of a defined variable is suggested.
        #expect(
            try warnings("FROM alpine\nENV PATH=/opt/bin:$PAHT\n", baseImages: [0: alpineFacts])
                == ["UndefinedVar: Usage of undefined variable '$PAHT' (did you mean $PATH?) (line 2)"])
        // The pairs of one ENV expand before any of them is set, as in BuildKit.
        #expect(
            try warnings("FROM scratch\nENV A=1 B=$A\n") == ["UndefinedVar: Usage of undefined variable '$A' (line 2)"])
        // RUN is the shell's business; a stage on an image whose config is unknown is not judged.
        #expect(try warnings("FROM scratch\nRUN echo $nothing\n").isEmpty)
        #expect(try warnings("FROM alpine\nCOPY $foo .\n").isEmpty)
    }

    @Test func multipleInstructionsDisallowed() throws {
        let bad = """
            FROM alpine
            ENTRYPOINT ["echo", "Hello, Norway!"]
            ENTRYPOINT ["echo", "Hello, Sweden!"]
            # Only "Hello, Sweden!" will be printed

            """
        // Located at the instruction that is ignored: the first.
        #expect(
            try warnings(bad) == [
                "MultipleInstructionsDisallowed: Multiple ENTRYPOINT instructions should not be used in the same stage because only the last one will be used (line 2)"
            ])
        let good = """
            FROM python:alpine
            RUN apk add curl
            HEALTHCHECK --interval=1s --timeout=3s \\
              CMD ["curl", "-f", "http://localhost:8080"]
            CMD ["python", "-m", "http.server", "8080"]

            """
        #expect(try warnings(good).isEmpty)
        #expect(try warnings("FROM alpine AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\n").isEmpty)
    }

    @Test func legacyKeyValueFormat() throws {
        let bad = """
            FROM scratch
            ENV DEPS \\
                curl \\
                git \\
                make

            """
        #expect(
            try warnings(bad) == [
                #"LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 2)"#
            ])
        let good = """
            FROM scratch
            ENV DEPS="\\
                curl \\
                git \\
                make"

            """
        #expect(try warnings(good).isEmpty)
        #expect(
            try warnings("FROM scratch\nlabel version 1.0\n") == [
                "ConsistentInstructionCasing: Command 'label' should match the case of the command majority (uppercase) (line 2)",
                #"LegacyKeyValueFormat: "label key=value" should be used instead of legacy "label key value" format (line 2)"#
            ])
    }

    @Test func redundantTargetPlatform() throws {
        #expect(
            try warnings("FROM --platform=$TARGETPLATFORM alpine AS builder\nRUN apk add --no-cache git\n")
                == [
                    "RedundantTargetPlatform: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior (line 1)"
                ])
        #expect(try warnings("FROM alpine AS builder\nRUN apk add --no-cache git\n").isEmpty)
        #expect(try warnings("FROM --platform=$BUILDPLATFORM alpine AS builder\n").isEmpty)
    }

    @Test func secretsUsedInArgOrEnv() throws {
        let bad = """
            FROM scratch
            ARG AWS_ACCESS_KEY_ID
            ARG AWS_SECRET_ACCESS_KEY
            RUN aws s3 cp s3://my-bucket/file .

            """
        #expect(
            try warnings(bad) == [
                #"SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "AWS_ACCESS_KEY_ID") (line 2)"#,
                #"SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "AWS_SECRET_ACCESS_KEY") (line 3)"#
            ])
        #expect(
            try warnings("FROM scratch\nENV github_token=x\n")
                == [#"SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV "github_token") (line 2)"#])
        // A word such as PUBLIC or FILE clears the name; a secret word inside another word does not count.
        #expect(try warnings("FROM scratch\nARG PUBLIC_KEY\nENV TOKEN_FILE=/run/t\nENV MONKEY=1 KEYBOARD=2\n").isEmpty)
    }

    @Test func invalidDefaultArgInFrom() throws {
        #expect(
            try warnings("ARG TAG\nFROM busybox:${TAG}\n")
                == ["InvalidDefaultArgInFrom: Default value for ARG busybox:${TAG} results in empty or invalid base image name (line 2)"])
        #expect(try warnings("ARG TAG=latest\nFROM busybox:${TAG}\n").isEmpty)
        #expect(try warnings("ARG VARIANT\nFROM busybox:stable${VARIANT}\n").isEmpty)
        #expect(try warnings("ARG TAG\nFROM alpine:${TAG:-3.14}\n").isEmpty)
        // Judged on the defaults: a build arg that fixes the name does not hide it.
        #expect(try warnings("ARG TAG\nFROM busybox:${TAG}\n", buildArgs: ["TAG": "1.36"]).count == 1)
    }

    @Test func fromPlatformFlagConstDisallowed() throws {
        #expect(
            try warnings("FROM --platform=linux/amd64 alpine AS base\nRUN apk add --no-cache git\n")
                == [#"FromPlatformFlagConstDisallowed: FROM --platform flag should not use constant value "linux/amd64" (line 1)"#])
        #expect(try warnings("FROM --platform=${BUILDPLATFORM} alpine AS base\n").isEmpty)
        let multiArch = """
            FROM --platform=linux/amd64 alpine AS build_amd64
            FROM --platform=linux/arm64 alpine AS build_arm64
            FROM build_${TARGETARCH} AS build

            """
        #expect(try warnings(multiArch).isEmpty)
    }

    @Test func exposeProtoCasing() throws {
        #expect(
            try warnings("FROM alpine\nEXPOSE 80/TcP\n")
                == ["ExposeProtoCasing: Defined protocol '80/TcP' in EXPOSE instruction should be lowercase (line 2)"])
        #expect(try warnings("FROM alpine\nEXPOSE 80/tcp\n").isEmpty)
    }

    @Test func exposeInvalidFormat() throws {
        #expect(
            try warnings("FROM alpine\nEXPOSE 127.0.0.1:80:80\n")
                == [
                    "ExposeInvalidFormat: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80' (line 2)"
                ])
        #expect(
            try warnings("FROM alpine\nEXPOSE 80:80\n")
                == ["ExposeInvalidFormat: EXPOSE instruction should not define an IP address or host-port mapping, found '80:80' (line 2)"])
        #expect(try warnings("FROM alpine\nEXPOSE 80\n").isEmpty)
    }

    @Test func invalidBaseImagePlatform() throws {
        let arm = BaseImageFacts(environment: [], platform: Platform(architecture: "arm64", os: "linux", variant: "v8"))
        #expect(
            try warnings("FROM alpine\n", baseImages: [0: arm])
                == [
                    #"InvalidBaseImagePlatform: Base image alpine was pulled with platform "linux/arm64", expected "linux/amd64" for current build (line 1)"#
                ])
        #expect(try warnings("FROM alpine\n", baseImages: [0: alpineFacts]).isEmpty)
    }

    @Test func locationCoversTheWholeInstruction() throws {
        let found = try checkWarnings("FROM scratch\nMAINTAINER \\\n  someone\n")
        #expect(found.map(\.lines) == [2...3])
    }

    @Test func onlyTheBuiltStagesAreDispatched() throws {
        let text = "FROM scratch AS unused\nCMD a\nFROM scratch\nCMD [\"b\"]\n"
        #expect(try warnings(text, stages: [1]).isEmpty)
        #expect(try warnings(text).count == 1)
    }
}

@Suite struct CommentScopedTests {
    @Test func invalidDefinitionDescriptionIsExperimental() throws {
        let bad = """
            # a non-descriptive comment
            FROM scratch AS base

            # another non-descriptive comment
            ARG VERSION=1

            """
        #expect(try warnings(bad).isEmpty)
        #expect(
            try warnings(bad, configuration: CheckOptions(parsing: "experimental=InvalidDefinitionDescription")) == [
                "InvalidDefinitionDescription: Comment for FROM should follow the format: `# base <description>` (line 2)",
                "InvalidDefinitionDescription: Comment for ARG should follow the format: `# VERSION <description>` (line 5)"
            ])
        let separated = """
            # a non-descriptive comment
            #
            FROM scratch AS base
            # VERSION This is the version number.
            ARG VERSION=1 OTHER

            """
        #expect(try warnings(separated, configuration: CheckOptions(parsing: "experimental=all")).isEmpty)
        #expect(
            try warnings("FROM scratch\n# about these\nARG A B\n", configuration: CheckOptions(parsing: "experimental=all"))
                == ["InvalidDefinitionDescription: Comment for ARG should follow the format: `# <arg_key> <description>` (line 3)"])
    }

    @Test func aCheckCommentAboveAnInstructionScopesToIt() throws {
        let text = """
            FROM scratch
            # check=skip=JSONArgsRecommended
            CMD first
            ENTRYPOINT second
            #check = skip=MaintainerDeprecated,LegacyKeyValueFormat

            MAINTAINER me
            ENV A b

            """
        #expect(
            try warnings(text) == [
                "JSONArgsRecommended: JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals (line 4)",
                #"LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format (line 8)"#
            ])
    }
}

@Suite struct CopyIgnoredFileTests {
    func ignored(_ text: String, _ ignore: String, experimental: String = "experimental=CopyIgnoredFile") throws -> [String] {
        try checkWarnings(text, configuration: CheckOptions(parsing: experimental), dockerIgnore: DockerIgnore(contents: ignore))
            .map(\.shortDescription)
    }

    @Test func copyOfAnIgnoredFile() throws {
        // BuildKit's documented example, with its `.dockerignore`.
        #expect(
            try ignored("FROM scratch\nCOPY ./tmp/helloworld.txt /helloworld.txt\n", "*/tmp/*\n").isEmpty)
        #expect(
            try ignored("FROM scratch\nCOPY ./tmp/helloworld.txt /helloworld.txt\n", "tmp\n")
                == [#"CopyIgnoredFile: Attempting to Copy file "tmp/helloworld.txt" that is excluded by .dockerignore (line 2)"#])
        #expect(try ignored("FROM scratch\nCOPY ./forever/helloworld.txt /helloworld.txt\n", "tmp\n").isEmpty)
        #expect(
            try ignored("FROM scratch\nADD secret.key /k\n", "*.key\n")
                == [#"CopyIgnoredFile: Attempting to Add file "secret.key" that is excluded by .dockerignore (line 2)"#])
        #expect(
            try ignored("FROM scratch\nCOPY . /app\n", "**\n")
                == [#"CopyIgnoredFile: Attempting to Copy file "." that is excluded by .dockerignore (line 2)"#])
    }

    @Test func notJudged() throws {
        // Experimental: off unless asked for; an exception in the file, --from and URLs are not judged.
        #expect(try ignored("FROM scratch\nCOPY a.key /k\n", "*.key\n", experimental: "").isEmpty)
        #expect(try ignored("FROM scratch\nCOPY a.key /k\n", "*.key\n!b.key\n").isEmpty)
        #expect(try ignored("FROM scratch AS s\nFROM scratch\nCOPY --from=s a.key /k\n", "*.key\n").isEmpty)
        #expect(try ignored("FROM scratch\nADD https://example.com/a.key /k\n", "*.key\n").isEmpty)
        #expect(try ignored("FROM scratch\nCOPY . /app\n", "*.key\n").isEmpty)
    }
}
