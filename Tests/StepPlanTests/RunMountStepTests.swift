import Dockerfile
import OCI
import Testing

@testable import StepPlan

/// `RUN --mount` resolved by the planner, and what a RUN's key takes from its mounts: the
/// spec and the digest of what a bind selects, never what a mount holds.
@Suite("RUN mounts")
struct RunMountStepTests {
    let parent = Digest.sha256(Array("parent".utf8))
    let content = Digest.sha256(Array("content".utf8))
    let otherContent = Digest.sha256(Array("other".utf8))

    @Test func aMissingOrRelativeTargetIsUnderTheWorkdir() throws {
        let run = try Planned.lastRun(
            "FROM base\nWORKDIR /src\nRUN --mount=source=out --mount=ro --mount=target=sub/../x --mount=type=tmpfs,target=/t ls\n")
        #expect(run.mounts.map(\.target) == ["/src", "/src", "/src/x", "/t"])
        #expect(run.mounts[0].kind == .bind(from: .context, source: "/out", readWrite: false))
        #expect(run.mounts[1].kind == .bind(from: .context, source: "/", readWrite: false))
        #expect(run.mounts[3].kind == .tmpfs(size: nil))
    }

    @Test func onlyTheRootIsRefusedAsATarget() throws {
        #expect(throws: StageConfigurationError.self) { try Planned.lastRun("FROM base\nRUN --mount=target=/ ls\n") }
        #expect(throws: StageConfigurationError.self) { try Planned.lastRun("FROM base\nRUN --mount=target=/a/.. ls\n") }
        // A missing target in the root working directory is `/` too.
        #expect(throws: StageConfigurationError.self) { try Planned.lastRun("FROM base\nRUN --mount=type=tmpfs ls\n") }
    }

    @Test func readWriteAndReadOnlyFlagsAndTheirValues() throws {
        func kind(_ options: String) throws -> RunMountStep.Kind {
            try Planned.lastRun("FROM base\nRUN --mount=target=/m,\(options) ls\n").mounts[0].kind
        }
        #expect(try kind("rw") == .bind(from: .context, source: "/", readWrite: true))
        #expect(try kind("readwrite=true") == .bind(from: .context, source: "/", readWrite: true))
        #expect(try kind("ro=false") == .bind(from: .context, source: "/", readWrite: true))
        #expect(try kind("ro") == .bind(from: .context, source: "/", readWrite: false))
        #expect(try kind("rw=0") == .bind(from: .context, source: "/", readWrite: false))
        let error = #expect(throws: StageConfigurationError.self) { try kind("rw=maybe") }
        #expect(error?.description.contains("'readwrite=maybe' is not a boolean") == true)
    }

    @Test func wordsExpandAndFromIsClassified() throws {
        let text = """
            FROM base AS build
            FROM base
            ARG DIR=/cache SRC=out
            RUN --mount=from=build,source=$SRC,target=$DIR --mount=from=alpine:3,target=/i --mount=type=tmpfs,target=/t,size=64m ls
            """
        let run = try Planned.lastRun(text)
        #expect(run.mounts[0] == RunMountStep(kind: .bind(from: .stage(0), source: "/out", readWrite: false), target: "/cache"))
        #expect(run.mounts[1].kind == .bind(from: .image("alpine:3"), source: "/", readWrite: false))
        #expect(run.mounts[2].kind == .tmpfs(size: 64 << 20))
        let error = #expect(throws: StageConfigurationError.self) {
            try Planned.lastRun("FROM base\nRUN --mount=type=tmpfs,target=/t,size=lots ls\n")
        }
        #expect(error?.description.contains("'size=lots' is not a size") == true)
    }

    /// BuildKit's defaults: the id is the target's basename, the target is
    /// /run/secrets/<id> unless only `env` is given, mode 0400; a relative target is under
    /// the WORKDIR. The key holds the spec (and so changes with it), never a value.
    @Test func secretsTakeBuildKitsDefaults() throws {
        let run = try Planned.lastRun(
            """
            FROM base
            WORKDIR /w
            RUN --mount=type=secret,id=tok --mount=type=secret,target=keys/api --mount=type=secret,id=e,env=E \\
                --mount=type=secret,id=b,env=B,target=/b,required,mode=0440,uid=7,gid=8 ls
            """)
        let secrets = run.mounts.map { mount -> RunMountStep.SecretMount? in
            guard case .secret(let secret) = mount.kind else { return nil }
            return secret
        }
        #expect(run.mounts.map(\.target) == ["/run/secrets/tok", "/w/keys/api", "/run/secrets/e", "/b"])
        #expect(
            secrets == [
                .init(id: "tok", asFile: true, environmentVariable: nil, required: false, mode: 0o400, uid: 0, gid: 0),
                .init(id: "api", asFile: true, environmentVariable: nil, required: false, mode: 0o400, uid: 0, gid: 0),
                .init(id: "e", asFile: false, environmentVariable: "E", required: false, mode: 0o400, uid: 0, gid: 0),
                .init(id: "b", asFile: true, environmentVariable: "B", required: true, mode: 0o440, uid: 7, gid: 8)
            ])
        let error = #expect(throws: StageConfigurationError.self) { try Planned.lastRun("FROM base\nRUN --mount=type=secret ls\n") }
        #expect(error?.description.contains("the secret has no id") == true)
        let one = try Planned.lastRun("FROM base\nRUN --mount=type=secret,id=a ls\n")
        let other = try Planned.lastRun("FROM base\nRUN --mount=type=secret,id=a,mode=0444 ls\n")
        #expect(one.cacheKey(over: parent, mountDigests: [nil]) != other.cacheKey(over: parent, mountDigests: [nil]))
    }

    @Test func sizesAreReadAsBuildKitReadsThem() {
        #expect(RunMountStep.bytes("64m") == 64 << 20)
        #expect(RunMountStep.bytes("1G") == 1 << 30)
        #expect(RunMountStep.bytes("512kb") == 512 << 10)
        #expect(RunMountStep.bytes("100") == 100)
        #expect(RunMountStep.bytes("1.5k") == 1536)
        #expect(RunMountStep.bytes("x") == nil)
        #expect(RunMountStep.bytes("") == nil)
    }

    @Test func aRunWithoutMountsKeysAsBefore() throws {
        // The documented field list of StepKeyTests, with no mount field.
        let plain = try Planned.lastRun("FROM base\nRUN make\n")
        #expect(plain.cacheKey(over: parent) == plain.cacheKey(over: parent, mountDigests: []))
        let mounted = try Planned.lastRun("FROM base\nRUN --mount=type=tmpfs,target=/t make\n")
        #expect(mounted.cacheKey(over: parent, mountDigests: [nil]) != plain.cacheKey(over: parent))
    }

    @Test func aBindIsKeyedByItsSpecAndTheDigestOfWhatItSelects() throws {
        func key(_ mount: String, _ digest: Digest?) throws -> Digest {
            try Planned.lastRun("FROM base AS s\nFROM base\nRUN --mount=\(mount) make\n").cacheKey(over: parent, mountDigests: [digest])
        }
        let base = try key("target=/m,source=a", content)
        #expect(try key("target=/m,source=a", content) == base)
        #expect(try key("target=/m,source=a", otherContent) != base)
        #expect(try key("target=/n,source=a", content) != base)
        #expect(try key("target=/m,source=b", content) != base)
        #expect(try key("target=/m,source=a,rw", content) != base)
        #expect(try key("target=/m,source=a,from=s", content) != base)
        #expect(try key("type=tmpfs,target=/m", nil) != (try key("type=tmpfs,target=/m,size=1m", nil)))
        // `ro` is the default: saying so changes nothing.
        #expect(try key("target=/m,source=a,ro", content) == base)
    }

    @Test func aCacheMountHasBuildKitsDefaultsAndReadsItsOptions() throws {
        let plain = try Planned.lastRun("FROM base\nWORKDIR /src\nRUN --mount=type=cache,target=.cache make\n")
        #expect(
            plain.mounts[0]
                == RunMountStep(
                    kind: .cache(.init(id: "/src/.cache", sharing: .shared, readOnly: false, mode: 0o755, uid: 0, gid: 0)),
                    target: "/src/.cache"))
        let full = try Planned.lastRun(
            "FROM base\nARG ID=go\nRUN --mount=type=cache,id=$ID,target=/c,sharing=locked,mode=0700,uid=1000,gid=50,ro make\n")
        #expect(
            full.mounts[0].kind
                == .cache(.init(id: "go", sharing: .locked, readOnly: true, mode: 0o700, uid: 1000, gid: 50, setsOwnership: true)))
        for (option, message) in [
            ("sharing=sometimes", "'sharing=sometimes' is not one of shared, private, locked"),
            ("mode=0999", "'mode=0999' is not an octal mode"), ("uid=me", "'uid=me' is not a number"),
            ("from=", "--from expanded to an empty string")
        ] {
            let error = #expect(throws: StageConfigurationError.self) {
                try Planned.lastRun("FROM base AS build\nFROM base\nRUN --mount=type=cache,target=/c,\(option) make\n")
            }
            #expect(error?.description.contains(message) == true, "\(option): \(error?.description ?? "")")
        }
    }

    /// A cache mount keys its spec only: the builder passes no digest for it, so what it
    /// holds cannot reach the key.
    @Test func aCacheMountIsKeyedByItsSpecNeverByItsContent() throws {
        func key(_ mount: String) throws -> Digest {
            try Planned.lastRun("FROM base\nRUN --mount=type=cache,\(mount) make\n").cacheKey(over: parent, mountDigests: [nil])
        }
        let base = try key("target=/c")
        #expect(try key("target=/c") == base)
        #expect(try key("target=/c,id=/c") == base)
        #expect(try key("target=/c,sharing=shared") == base)
        for other in ["target=/d", "target=/c,id=x", "target=/c,sharing=locked", "target=/c,ro", "target=/c,mode=0700", "target=/c,uid=1"] {
            #expect(try key(other) != base, "\(other)")
        }
    }

    /// `from=` and `source=`: the seed is a stage, a named context or an image, `source`
    /// absolute; `mode`/`uid`/`gid` make another cache only on an unseeded cache mounted
    /// at its root, as BuildKit's frontend makes its owner directory only then.
    @Test func aCacheMountsSeedAndSource() throws {
        let seeded = try Planned.lastRun(
            "FROM base AS deps\nFROM base\nRUN --mount=type=cache,target=/c,from=deps,source=go/pkg,uid=5 make\n")
        #expect(
            seeded.mounts[0].kind
                == .cache(
                    .init(id: "/c", sharing: .shared, readOnly: false, mode: 0o755, uid: 5, gid: 0, from: .stage(0), source: "/go/pkg")))
        let image = try Planned.lastRun("FROM base\nRUN --mount=type=cache,target=/c,from=golang:1.22,source=/go make\n")
        #expect(
            image.mounts[0].kind
                == .cache(
                    .init(
                        id: "/c", sharing: .shared, readOnly: false, mode: 0o755, uid: 0, gid: 0, from: .image("golang:1.22"), source: "/go"
                    )))
        let sub = try Planned.lastRun("FROM base\nRUN --mount=type=cache,target=/c,source=sub,mode=0700 make\n")
        #expect(
            sub.mounts[0].kind == .cache(.init(id: "/c", sharing: .shared, readOnly: false, mode: 0o700, uid: 0, gid: 0, source: "/sub")))
    }

    /// Which cache a mount uses: the id alone for a plain cache (as before seeding
    /// existed); a seeded one per id, seed and source; one with written ownership per id
    /// and owner.
    @Test func aCacheMountsIdentity() throws {
        let plain = RunMountStep.CacheMount(id: "go", sharing: .shared, readOnly: false, mode: 0o755, uid: 0, gid: 0)
        #expect(plain.identity(seed: nil) == "go")
        var owned = plain
        owned.setsOwnership = true
        #expect(owned.identity(seed: nil) != "go")
        owned.uid = 1000
        #expect(owned.identity(seed: nil) != plain.identity(seed: nil))
        var seeded = plain
        seeded.from = .stage(0)
        seeded.source = "/deps"
        let identity = seeded.identity(seed: content)
        #expect(identity != "go" && identity != owned.identity(seed: nil))
        #expect(seeded.identity(seed: otherContent) != identity)
        var otherSource = seeded
        otherSource.source = "/other"
        #expect(otherSource.identity(seed: content) != identity)
    }

    /// The key of a seeded cache mount holds the seed's digest (what `source` selects in
    /// `from`), never what the cache holds; a plain cache mount keys as it always did.
    @Test func aSeededCacheMountIsKeyedByItsSeed() throws {
        func key(_ mount: String, _ digest: Digest?) throws -> Digest {
            try Planned.lastRun("FROM base AS deps\nFROM base\nRUN --mount=type=cache,target=/c,\(mount) make\n")
                .cacheKey(over: parent, mountDigests: [digest])
        }
        let seeded = try key("from=deps,source=/d", content)
        #expect(try key("from=deps,source=/d", content) == seeded)
        #expect(try key("from=deps,source=/d", otherContent) != seeded)
        #expect(try key("from=deps,source=/e", content) != seeded)
        #expect(try key("from=deps,source=/d", content) != (try key("", nil)))
        #expect(try key("source=/d", nil) != (try key("", nil)))
        // A plain cache mount's key is the one it had before seeding existed.
        let spec = ["mounts", "cache", "/c", "/c", "shared", "rw", "755", "0", "0"]
        let run = try Planned.lastRun("FROM base\nRUN --mount=type=cache,target=/c make\n")
        #expect(run.mounts[0].keyFields(contentDigest: nil) == Array(spec.dropFirst()))
    }
}
