import Dockerfile
import Testing

@Suite("Instructions")
struct InstructionTests {
    @Test func fromWithPlatformAndName() throws {
        let parsed = try parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS Builder\n")
        #expect(
            parsed.instructions[0].command == .from(FromCommand(image: "golang:1.22", stageName: "builder", platform: "$BUILDPLATFORM")))
        #expect(parsed.instructions[0].flags.string("platform") == "$BUILDPLATFORM")
    }

    @Test func argWithAndWithoutDefaults() throws {
        let arg = try instruction(after: #"ARG A B=2 C="x y""#)
        #expect(
            arg.command
                == .arg([
                    ArgDefinition(name: "A", defaultValue: nil),
                    ArgDefinition(name: "B", defaultValue: "2"),
                    ArgDefinition(name: "C", defaultValue: #""x y""#)
                ]))
        #expect(arg.arguments == ["A", "B=2", #"C="x y""#])
    }

    @Test func envInBothForms() throws {
        #expect(
            try instruction(after: "ENV PATH /usr/local/bin:$PATH").command
                == .env([KeyValuePair(key: "PATH", value: "/usr/local/bin:$PATH")]))
        #expect(
            try instruction(after: "ENV GREETING hello  world").command
                == .env([KeyValuePair(key: "GREETING", value: "hello  world")]))
        #expect(
            try instruction(after: #"ENV a=1 b="two words" c=\ x"#).command
                == .env([
                    KeyValuePair(key: "a", value: "1"), KeyValuePair(key: "b", value: #""two words""#),
                    KeyValuePair(key: "c", value: #"\ x"#)
                ]))
    }

    @Test func label() throws {
        let label = try instruction(after: #"LABEL org.opencontainers.image.title="My app" version=1.0"#)
        #expect(
            label.command
                == .label([
                    KeyValuePair(key: "org.opencontainers.image.title", value: #""My app""#),
                    KeyValuePair(key: "version", value: "1.0")
                ]))
        #expect(label.arguments == [#"org.opencontainers.image.title="My app""#, "version=1.0"])
    }

    @Test func singleArgumentInstructions() throws {
        #expect(try instruction(after: "WORKDIR /go/src").command == .workdir("/go/src"))
        #expect(try instruction(after: "USER app:staff").command == .user("app:staff"))
        #expect(try instruction(after: "STOPSIGNAL SIGTERM").command == .stopSignal("SIGTERM"))
        #expect(try instruction(after: "MAINTAINER Jane Doe <jane@example.com>").command == .maintainer("Jane Doe <jane@example.com>"))
    }

    @Test func copyWithEveryFlag() throws {
        let copy = try instruction(
            after: "COPY --from=builder --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=tmp a b /dest/")
        guard case .copy(let transfer) = copy.command else { Issue.record("not COPY"); return }
        #expect(transfer.from == "builder")
        #expect(transfer.chown == "app:app")
        #expect(transfer.chmod == "0755")
        #expect(transfer.link)
        #expect(transfer.parents)
        #expect(transfer.excludes == ["*.md", "tmp"])
        #expect(transfer.sources == ["a", "b"])
        #expect(transfer.destination == "/dest/")
        #expect(copy.flags.list("exclude") == ["*.md", "tmp"])
    }

    @Test func addWithEveryFlag() throws {
        let add = try instruction(
            after:
                "ADD --chown=1:2 --chmod=644 --link=false --checksum=sha256:abc --keep-git-dir=true --exclude=x https://example.com/a.tar.gz /opt/"
        )
        guard case .add(let transfer) = add.command else { Issue.record("not ADD"); return }
        #expect(transfer.chown == "1:2")
        #expect(transfer.chmod == "644")
        #expect(transfer.link == false)
        #expect(add.flags["link"] == .bool(false))
        #expect(transfer.checksum == "sha256:abc")
        #expect(transfer.keepGitDir)
        #expect(transfer.excludes == ["x"])
        #expect(transfer.sources == ["https://example.com/a.tar.gz"])
    }

    @Test func runWithMountsNetworkAndSecurity() throws {
        let run = try instruction(
            after:
                #"RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount=from=builder,source=/out,target="/in put" --network=none --security=insecure make"#
        )
        guard case .run(let command) = run.command else { Issue.record("not RUN"); return }
        #expect(command.command == .shell("make"))
        #expect(command.network == NetworkMode.none)
        #expect(command.security == .insecure)
        #expect(command.mounts.count == 2)
        #expect(command.mounts[0].kind == .cache)
        #expect(command.mounts[0].target == "/root/.cache")
        #expect(command.mounts[0].options["sharing"] == "locked")
        #expect(command.mounts[1].kind == .bind)
        #expect(command.mounts[1].from == "builder")
        #expect(command.mounts[1].source == "/out")
        #expect(command.mounts[1].target == "/in put")
    }

    @Test func runMountAliasesAndSecretWithoutTarget() throws {
        let run = try instruction(after: "RUN --mount=type=secret,id=token --mount=type=bind,src=a,dst=/b,ro cat /b")
        guard case .run(let command) = run.command else { Issue.record("not RUN"); return }
        #expect(command.mounts[0].kind == .secret)
        #expect(command.mounts[0].options["id"] == "token")
        #expect(command.mounts[1].source == "a")
        #expect(command.mounts[1].target == "/b")
        #expect(command.mounts[1].options["readonly"] == "true")
    }

    /// BuildKit's parser accepts mounts without target= (moby's, buildkit's and docker/cli's
    /// own Dockerfiles use `--mount=from=x` and `--mount=ro`): the target is resolved
    /// against the working directory when the step runs.
    @Test func runMountsWithoutTarget() throws {
        let run = try instruction(after: "RUN --mount=from=build --mount=ro --mount=type=cache,id=c --mount=type=tmpfs ls")
        guard case .run(let command) = run.command else { Issue.record("not RUN"); return }
        #expect(command.mounts.map(\.kind) == [.bind, .bind, .cache, .tmpfs])
        #expect(command.mounts.allSatisfy { $0.target == nil })
        #expect(command.mounts[0].from == "build")
        #expect(command.mounts[1].options["readonly"] == "true")
        #expect(run.arguments == ["ls"])
    }

    @Test func exposeAndVolume() throws {
        #expect(try instruction(after: "EXPOSE 80/tcp 443 53/udp").command == .expose(["80/tcp", "443", "53/udp"]))
        #expect(
            try instruction(after: #"VOLUME ["/data", "/var/log"]"#).command
                == .volume(VolumeCommand(paths: ["/data", "/var/log"], isExecForm: true)))
        #expect(
            try instruction(after: "VOLUME /data /cache").command == .volume(VolumeCommand(paths: ["/data", "/cache"], isExecForm: false)))
    }

    @Test func healthcheck() throws {
        #expect(try instruction(after: "HEALTHCHECK NONE").command == .healthcheck(.none))
        let check = try instruction(
            after:
                "HEALTHCHECK --interval=30s --timeout=1m30s --start-period=500ms --start-interval=2s --retries=3 CMD curl -f http://localhost/ || exit 1"
        )
        guard case .healthcheck(.command(let command)) = check.command else { Issue.record("not HEALTHCHECK CMD"); return }
        #expect(command.command == .shell("curl -f http://localhost/ || exit 1"))
        #expect(command.interval == 30_000_000_000)
        #expect(command.timeout == 90_000_000_000)
        #expect(command.startPeriod == 500_000_000)
        #expect(command.startInterval == 2_000_000_000)
        #expect(command.retries == 3)
        let exec = try instruction(after: #"HEALTHCHECK CMD ["/bin/check", "-q"]"#)
        #expect(exec.isExecForm == true)
    }

    /// A duration past what Go's int64 nanoseconds hold is an error, not a crash (found by
    /// the Dockerfile fuzzer: `--start-period=44444444444444444444445s`).
    @Test func durationsOutOfRangeAreErrors() {
        for flag in ["--start-period=44444444444444444444445s", "--interval=2562048h", "--timeout=1e400s"] {
            #expect(parseError("HEALTHCHECK \(flag) CMD true") != nil, "\(flag)")
        }
        #expect((try? instruction(after: "HEALTHCHECK --interval=2562047h CMD true")) != nil)
    }

    @Test func shellAndOnbuild() throws {
        #expect(
            try instruction(after: #"SHELL ["/bin/bash", "-o", "pipefail", "-c"]"#).command == .shell(["/bin/bash", "-o", "pipefail", "-c"])
        )
        let onbuild = try instruction(after: "ONBUILD COPY --chown=app . /app/src")
        guard case .onbuild(let trigger) = onbuild.command else { Issue.record("not ONBUILD"); return }
        #expect(trigger.keyword == .copy)
        #expect(trigger.flags.string("chown") == "app")
        #expect(onbuild.arguments == ["COPY --chown=app . /app/src"])
    }

    @Test func quotedFlagValuesAndDoubleDashEndFlags() throws {
        let copy = try instruction(after: #"COPY --chown="app user" -- --weird-name /dest"#)
        guard case .copy(let transfer) = copy.command else { Issue.record("not COPY"); return }
        #expect(transfer.chown == "app user")
        #expect(transfer.sources == ["--weird-name"])
    }
}

@Suite("Parse errors name the file and line")
struct ParseErrorTests {
    @Test(arguments: [
        ("FROM scratch\nRUNN echo\n", "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"),
        ("FROM scratch\ncopy a b\nWROKDIR /x\n", "Dockerfile:3: unknown instruction: WROKDIR (did you mean WORKDIR?)"),
        ("FROM scratch\nFOOBAR x\n", "Dockerfile:2: unknown instruction: FOOBAR"),
        ("FROM scratch\nENV x\n", "Dockerfile:2: ENV must have two arguments: ENV x VALUE, or ENV x=VALUE"),
        ("FROM scratch\nLABEL\n", "Dockerfile:2: LABEL requires at least one argument"),
        ("FROM scratch\nENV a=1 b\n", "Dockerfile:2: syntax error - can't find = in \"b\"; must be of the form: name=value"),
        (
            "FROM scratch\nCOPY --form=builder a b\n",
            "Dockerfile:2: unknown flag: --form (COPY accepts --chmod, --chown, --exclude, --from, --link, --parents)"
        ),
        (
            "FROM scratch\nADD --from=x a b\n",
            "Dockerfile:2: unknown flag: --from (ADD accepts --checksum, --chmod, --chown, --exclude, --keep-git-dir, --link)"
        ),
        ("FROM scratch\nWORKDIR --x=1 /a\n", "Dockerfile:2: unknown flag: --x (WORKDIR takes no flags)"),
        ("FROM scratch\nCOPY --link=maybe a b\n", "Dockerfile:2: expecting boolean value for flag --link, not: maybe"),
        ("FROM scratch\nCOPY --from a b\n", "Dockerfile:2: missing a value on flag: --from (write --from=VALUE)"),
        ("FROM scratch\nCOPY --from=a --from=b c d\n", "Dockerfile:2: duplicate flag specified: --from"),
        (
            "FROM scratch\nCOPY onlyone\n",
            "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"
        ),
        ("FROM scratch\nADD\n", "Dockerfile:2: ADD requires at least two arguments"),
        ("FROM a b\n", "Dockerfile:1: FROM requires either one or three arguments: FROM IMAGE [AS NAME]"),
        ("FROM a AS 1st\n", "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols"),
        ("FROM scratch\nONBUILD ONBUILD RUN x\n", "Dockerfile:2: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"),
        ("FROM scratch\nONBUILD FROM x\n", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"),
        ("FROM scratch\nonbuild maintainer me\n", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger"),
        (
            "FROM scratch\nSHELL /bin/bash -c\n",
            "Dockerfile:2: SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]"
        ),
        ("FROM scratch\nHEALTHCHECK CURL x\n", "Dockerfile:2: unknown type \"CURL\" in HEALTHCHECK (try CMD or NONE)"),
        ("FROM scratch\nHEALTHCHECK NONE x\n", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"),
        (
            "FROM scratch\nHEALTHCHECK --interval=soon CMD x\n",
            "Dockerfile:2: --interval=soon is not a duration (write e.g. 30s, 1m30s, 500ms)"
        ),
        ("FROM scratch\nHEALTHCHECK --retries=-1 CMD x\n", "Dockerfile:2: --retries must be a whole number of at least 0, not '-1'"),
        (
            "FROM scratch\nRUN --network=bridge x\n",
            "Dockerfile:2: unsupported network mode 'bridge' in --network (use default, none or host)"
        ),
        (
            "FROM scratch\nRUN --mount=type=cache,tagret=/x y\n",
            "Dockerfile:2: unexpected key 'tagret' in 'tagret=/x' of --mount=type=cache,tagret=/x"
        ),
        ("FROM scratch\nUSER\n", "Dockerfile:2: USER requires exactly one argument"),
        ("FROM scratch\nVOLUME [\"\"]\n", "Dockerfile:2: VOLUME specified can not be an empty string"),
        ("FROM scratch\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument"),
        ("FROM scratch\nRUN\n", "Dockerfile:2: RUN requires at least one argument"),
        ("# just a comment\n\n", "Dockerfile:1: the Dockerfile is empty: it has no instructions"),
        ("", "Dockerfile:1: the Dockerfile is empty: it has no instructions")
    ])
    func errorAndLine(_ text: String, _ expected: String) {
        #expect(parseError(text) == expected)
    }

    @Test func errorInAContinuedInstructionPointsAtItsFirstLine() {
        #expect(
            parseError("FROM scratch\nCOPY \\\n  --bogus=1 \\\n  a b\n")
                == "Dockerfile:2: unknown flag: --bogus (COPY accepts --chmod, --chown, --exclude, --from, --link, --parents)")
    }
}
