import Dockerfile
import OCI
import Testing

@testable import StepPlan

/// `RUN --mount=type=ssh` resolved with BuildKit's defaults, the `SSH_AUTH_SOCK` the step
/// gets, and what the key takes from it: the spec, nothing of the agent.
@Suite("RUN ssh mounts, planned")
struct SSHMountTests {
    let parent = Digest.sha256(Array("parent".utf8))

    func ssh(_ run: RunStep) -> [RunMountStep.SSHMount] {
        run.mounts.compactMap { mount in
            guard case .ssh(let ssh) = mount.kind else { return nil }
            return ssh
        }
    }

    /// id `default`, target `/run/buildkit/ssh_agent.N` counting only the ssh mounts,
    /// optional, 0600, 0:0; a relative target is under the WORKDIR.
    @Test func buildKitsDefaults() throws {
        let run = try Planned.lastRun(
            """
            FROM base
            WORKDIR /w
            RUN --mount=type=ssh --mount=type=tmpfs,target=/t --mount=type=ssh,id=deploy,required \\
                --mount=type=ssh,id=,target=agent,mode=0660,uid=1000,gid=1001 ls
            """)
        #expect(run.mounts.map(\.target) == ["/run/buildkit/ssh_agent.0", "/t", "/run/buildkit/ssh_agent.1", "/w/agent"])
        #expect(
            ssh(run) == [
                .init(id: "default", required: false, mode: 0o600, uid: 0, gid: 0),
                .init(id: "deploy", required: true, mode: 0o600, uid: 0, gid: 0),
                .init(id: "default", required: false, mode: 0o660, uid: 1000, gid: 1001)
            ])
    }

    /// The first ssh mount's target, unless the stage sets the variable itself; a step
    /// without an ssh mount gets nothing; the stage's ENV is unchanged.
    @Test func theStepGetsSSHAuthSockForItsFirstSocket() throws {
        var planned = try Planned(
            "FROM base\nRUN --mount=type=ssh,target=/a --mount=type=ssh,id=b,target=/b ls\nRUN ls\n")
        let steps = try planned.steps()
        guard case .run(let first) = steps[0], case .run(let second) = steps[1] else {
            Issue.record("not two RUN steps")
            return
        }
        #expect(first.environment == ["PATH=/bin", "SSH_AUTH_SOCK=/a"])
        #expect(second.environment == ["PATH=/bin"])
        #expect(planned.planner.state.config.env == ["PATH=/bin"])
        let own = try Planned.lastRun("FROM base\nENV SSH_AUTH_SOCK=/mine\nRUN --mount=type=ssh ls\n")
        #expect(own.environment == ["PATH=/bin", "SSH_AUTH_SOCK=/mine"])
        let fromArg = try Planned.lastRun("FROM base\nARG SSH_AUTH_SOCK=/arg\nRUN --mount=type=ssh ls\n")
        #expect(fromArg.environment.filter { $0.hasPrefix("SSH_AUTH_SOCK=") } == ["SSH_AUTH_SOCK=/arg"])
    }

    /// The spec is the key: another id, target or mode is another key; nothing else enters.
    @Test func theKeyIsTheSpec() throws {
        func key(_ options: String) throws -> Digest {
            try Planned.lastRun("FROM base\nRUN --mount=type=ssh\(options) ls\n").cacheKey(over: parent, mountDigests: [nil])
        }
        let plain = try key("")
        #expect(try key("") == plain)
        #expect(try key(",id=default") == plain)
        #expect(try key(",target=/run/buildkit/ssh_agent.0") == plain)
        for options in [",id=other", ",target=/s", ",mode=0644", ",uid=1", ",gid=1", ",required"] {
            #expect(try key(options) != plain, "\(options)")
        }
    }

    @Test func badOptionsAreRefusedByName() throws {
        for (options, words) in [
            ("source=x", "an ssh mount takes no source"), ("mode=9", "'mode=9' is not an octal mode"),
            ("uid=me", "'uid=me' is not a number"), ("required=maybe", "'required=maybe' is not a boolean"),
            ("target=/", "the mount target '/' is not allowed")
        ] {
            let error = #expect(throws: StageConfigurationError.self) {
                try Planned.lastRun("FROM base\nRUN --mount=type=ssh,\(options) ls\n")
            }
            #expect(error?.description.contains(words) == true, "\(options): \(String(describing: error))")
        }
    }
}
