import Foundation
import Testing

/// Builds for another architecture than the host's, on Debian's static busybox for amd64 and
/// arm64 (`scripts/oracle/bases busybox busybox-arm64`): RUN steps for arm64 run under
/// binfmt_misc emulation (qemu-user-static registered with the `F` flag, as
/// scripts/install-dependencies does), a missing emulator stops the build at its RUN line
/// saying what to install, and the ELF check judges executables by the image's platform.
@Suite("Foreign-architecture builds", .enabled(if: ExternalTool.isRoot, "RUN and COPY need root"))
struct ForeignArchitectureTests {
    let workspace: BuildWorkspace

    /// The bases' directory, made once per test process (the suite's tests start at once).
    static let bases: Result<String, ExternalTool.Failure> = ExternalTool.testBases(["busybox", "busybox-arm64"])

    init() throws {
        workspace = try BuildWorkspace(busybox: false)
        let bases = try Self.bases.get()
        for base in ["busybox", "busybox-arm64"] {
            let loaded = try SwiftBuildProcess.run(["load", "-i", "\(bases)/\(base).oci.tar", "--root", workspace.store.path])
            guard loaded.status == 0 else {
                throw ExternalTool.Failure(command: "load \(base)", status: loaded.status, output: loaded.standardError)
            }
        }
    }

    /// The host as BUILDPLATFORM and BUILDARCH name it.
    static var host: (platform: String, architecture: String) {
        #if arch(x86_64)
            ("linux/amd64", "amd64")
        #else
            ("linux/arm64", "arm64")
        #endif
    }

    /// The stored image's `os/architecture`.
    func platform(_ tag: String) throws -> String {
        let inspected = try SwiftBuildProcess.run(["inspect", tag, "--root", workspace.store.path]).standardOutput
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspected.utf8)) as? [String: Any])
        let config = try #require(object["config"] as? [String: Any])
        return "\(config["os"] ?? "")/\(config["architecture"] ?? "")"
    }

    @Test func anArm64RunStepRunsUnderTheEmulatorAndSeesTheAutomaticPlatformArgs() throws {
        defer { workspace.remove() }
        let result = try workspace.build(
            """
            FROM oracle-busybox:arm64
            ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH
            RUN uname -m > /uname && echo "$TARGETPLATFORM $TARGETOS $TARGETARCH [$TARGETVARIANT] $BUILDPLATFORM $BUILDOS $BUILDARCH" > /args
            RUN grep '^Seccomp:' /proc/self/status > /seccomp; unshare -r true 2> /unshare; echo "status $?" >> /unshare

            """, ["--platform", "linux/arm64", "-t", "arm"])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("arm:latest")
        // The kernel says x86_64 to a native process on this machine: aarch64 is qemu's answer.
        #expect(try text("uname", in: root) == "aarch64\n")
        #expect(try text("args", in: root) == "linux/arm64 linux arm64 [] \(Self.host.platform) linux \(Self.host.architecture)\n")
        #expect(try platform("arm") == "linux/arm64")
        // qemu makes the program's calls as the host's: the step's filter (mode 2) is on and
        // refuses what it refuses natively (a user namespace), without killing the step.
        #expect(try text("seccomp", in: root) == "Seccomp:\t2\n")
        #expect(try text("unshare", in: root).hasSuffix("Operation not permitted\nstatus 1\n"))
    }

    @Test func aStageFromTheBuildPlatformRunsNativelyAndSeesTheTargetPlatform() throws {
        defer { workspace.remove() }
        let result = try workspace.build(
            """
            FROM --platform=$BUILDPLATFORM oracle-busybox:latest AS native
            ARG TARGETPLATFORM TARGETARCH BUILDARCH
            RUN mkdir /out && uname -m > /out/native-uname && echo "$TARGETPLATFORM $TARGETARCH $BUILDARCH" > /out/native-args
            FROM oracle-busybox:arm64
            COPY --from=native /out/ /out/
            RUN uname -m > /out/target-uname

            """, ["--platform", "linux/arm64", "-t", "cross"])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try workspace.unpack("cross:latest")
        #if arch(x86_64)
            #expect(try text("out/native-uname", in: root) == "x86_64\n", "the build platform's stage runs without qemu")
        #endif
        #expect(try text("out/native-args", in: root) == "linux/arm64 arm64 \(Self.host.architecture)\n")
        #expect(try text("out/target-uname", in: root) == "aarch64\n")
        #expect(try platform("cross") == "linux/arm64")
    }

    @Test func withoutAnEmulatorTheRunStepFailsAtItsLineSayingWhatToInstall() throws {
        defer { workspace.remove() }
        try Data("FROM oracle-busybox:arm64\nENV A=1\nRUN uname -m > /uname\n".utf8)
            .write(to: workspace.context.appendingPathComponent("Dockerfile"))
        // Debian 12's qemu-aarch64 entry as the kernel prints it, but without the F flag.
        let withoutF = """
            enabled
            interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
            flags: P
            offset 0
            magic 7f454c460201010000000000000000000200b700
            mask ffffffffffffff00fffffffffffffffffeffffff

            """
        /// Builds in a mount namespace of its own whose binfmt_misc directory is a tmpfs
        /// holding `files` (the kernel's registrations are untouched): what swiftbuild reads.
        func build(seeing files: [String: String]) throws -> (status: Int32, output: String) {
            let writes = files.map { "printf '%s' '\($0.value)' > /proc/sys/fs/binfmt_misc/\($0.key)" }.joined(separator: " && ")
            let script =
                "mount -t tmpfs tmpfs /proc/sys/fs/binfmt_misc\(writes.isEmpty ? "" : " && " + writes) && exec \"$0\" \"$@\""
            return try ExternalTool.status(
                [
                    "unshare", "--mount", "--propagation", "private", "sh", "-c", script, SwiftBuildProcess.binary.path,
                    "build", "--root", workspace.store.path, "--progress", "plain", "--platform", "linux/arm64", "-t", "none",
                    workspace.context.path
                ])
        }
        let missing = try build(seeing: ["status": "enabled\n"])
        #expect(missing.status == 1)
        #expect(
            missing.output.contains(
                "Dockerfile:3: RUN uname -m > /uname: no emulator for linux/arm64 is registered: install qemu-user-static (apt-get install qemu-user-static binfmt-support) and make sure binfmt_misc has qemu-aarch64 with the F flag (update-binfmts --enable qemu-aarch64)"
            ), "\(missing.output)")

        let unfixed = try build(seeing: ["status": "enabled\n", "qemu-aarch64": withoutF])
        #expect(unfixed.status == 1)
        #expect(
            unfixed.output.contains(
                "Dockerfile:3: RUN uname -m > /uname: the emulator for linux/arm64 (binfmt_misc entry qemu-aarch64, /usr/libexec/qemu-binfmt/aarch64-binfmt-P)"
            ))
        #expect(unfixed.output.contains("is registered without the F flag"), "\(unfixed.output)")

        let notMounted = try build(seeing: [:])
        #expect(notMounted.status == 1)
        #expect(notMounted.output.contains("binfmt_misc is not mounted at /proc/sys/fs/binfmt_misc"), "\(notMounted.output)")

        let images = try SwiftBuildProcess.run(["images", "--root", workspace.store.path]).standardOutput
        #expect(!images.contains("none"), "a failed build tags nothing")
    }

    @Test func anExecutableForTheOtherMachineIsAnExecFormatErrorInTheImagesPlatform() throws {
        defer { workspace.remove() }
        let arm = try workspace.build(
            """
            FROM --platform=linux/amd64 oracle-busybox:latest AS amd64
            FROM oracle-busybox:arm64
            COPY --from=amd64 /bin/busybox /opt/amd64-busybox

            """, ["--platform", "linux/arm64", "--elf-check", "error", "-t", "mixed"])
        #expect(arm.status == 3, "\(arm.standardError)")
        #expect(arm.standardError.contains("ELF check: 1 executable added or changed (linux/arm64)"), "\(arm.standardError)")
        #expect(
            arm.standardError.contains(
                "error: /opt/amd64-busybox: exec /opt/amd64-busybox: exec format error (an ELFCLASS64 x86_64 file in a linux/arm64 image)"
            ), "\(arm.standardError)")
        #expect(
            arm.standardError.contains(
                "brought in by COPY --from=amd64 /bin/busybox /opt/amd64-busybox (\(workspace.context.path)/Dockerfile:3)"))
        #expect(
            arm.standardError.contains(
                "remedy: build /opt/amd64-busybox for linux/arm64 (the image's platform; it is built for linux/amd64)"))
        #expect(arm.standardError.contains("would not start in the linux/arm64 image (--elf-check=error); nothing was tagged"))

        // The same file in an amd64 image starts; arm64's busybox there does not.
        let amd = try workspace.build(
            """
            FROM --platform=linux/arm64 oracle-busybox:arm64 AS arm64
            FROM --platform=linux/amd64 oracle-busybox:latest
            COPY --from=oracle-busybox:latest /bin/busybox /opt/amd64-busybox
            COPY --from=arm64 /bin/busybox /opt/arm64-busybox

            """, ["--elf-check", "error", "-t", "mixed"])
        #expect(amd.status == 3, "\(amd.standardError)")
        #expect(amd.standardError.contains("ELF check: 2 executables added or changed (linux/amd64)"), "\(amd.standardError)")
        #expect(
            amd.standardError.contains(
                "error: /opt/arm64-busybox: exec /opt/arm64-busybox: exec format error (an ELFCLASS64 aarch64 file in a linux/amd64 image)")
        )
        #expect(!amd.standardError.contains("error: /opt/amd64-busybox"))
    }
}
