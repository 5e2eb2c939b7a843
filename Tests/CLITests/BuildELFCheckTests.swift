import Foundation
import Testing

/// The ELF check at the end of every build (`--elf-check`), on the seed scenario: a
/// program built on the host is copied from a builder stage into a busybox + musl image.
@Suite("ELF check of built images", .enabled(if: ExternalTool.isRoot, "building needs root"))
struct BuildELFCheckTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }

    /// A store with the busybox base, and a context holding the program linked four ways
    /// and musl's loader.
    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        let context = workspace.context
        let source = repositoryRoot.appendingPathComponent("Examples/hello.c").path
        func output(_ name: String) -> String { context.appendingPathComponent(name).path }
        try ExternalTool.run(["gcc", "-O2", "-o", output("hello-glibc"), source])
        try ExternalTool.run(["gcc", "-static", "-O2", "-o", output("hello-static"), source])
        try ExternalTool.run(["musl-gcc", "-O2", "-o", output("hello-musl"), source])
        try ExternalTool.run(["cp", "-L", "/lib/ld-musl-x86_64.so.1", output("ld-musl-x86_64.so.1")])
    }

    /// Builds the seed Dockerfile shipping `program` as /app/hello.
    func build(shipping program: String, arguments: [String]) throws -> SwiftBuildProcess.Result {
        let dockerfile = """
            FROM busybox AS builder
            COPY \(program) /out/hello

            FROM busybox
            COPY ld-musl-x86_64.so.1 /lib/
            COPY --from=builder /out/hello /app/hello
            CMD ["/app/hello"]

            """
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain"] + arguments + [context.path])
    }

    func images() throws -> String {
        try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput
    }

    @Test func glibcBinaryInAMuslImageIsFlaggedWithItsInstruction() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let warned = try build(shipping: "hello-glibc", arguments: ["-t", "warned:latest"])
        #expect(warned.status == 0, "\(warned.standardError)")
        let dockerfile = context.appendingPathComponent("Dockerfile").path
        #expect(
            warned.standardError.contains(
                "warning: /app/hello: exec /app/hello: no such file or directory (the interpreter /lib64/ld-linux-x86-64.so.2 is missing from the image)\n"
                    + "    brought in by COPY --from=builder /out/hello /app/hello (\(dockerfile):6)\n"))
        // musl's loader (libc.so, with a DT_SONAME) counts as a library, not an executable.
        #expect(warned.standardError.contains("ELF check: 1 executable added or changed"))
        #expect(warned.standardError.range(of: #"/app/hello\s+glibc 2\.\d+\n"#, options: .regularExpression) != nil)
        #expect(try images().contains("warned"))

        let failed = try build(shipping: "hello-glibc", arguments: ["-t", "refused:latest", "--elf-check=error"])
        #expect(failed.status == 3)
        #expect(failed.standardError.contains("error: /app/hello: exec /app/hello: no such file or directory"))
        #expect(failed.standardError.contains("nothing was tagged"))
        #expect(try !images().contains("refused"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("tmp").path).isEmpty)
        #expect(try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8).contains(work.path) == false)

        let silent = try build(shipping: "hello-glibc", arguments: ["-t", "unchecked:latest", "--elf-check=off"])
        #expect(silent.status == 0)
        #expect(!silent.standardError.contains("ELF check"))
        #expect(!silent.standardError.contains("warning: /app/hello"))
    }

    @Test func staticAndMuslBuildsPass() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let statically = try build(shipping: "hello-static", arguments: ["-t", "static:latest", "--elf-check=error"])
        #expect(statically.status == 0, "\(statically.standardError)")
        #expect(statically.standardError.range(of: #"/app/hello\s+static\n"#, options: .regularExpression) != nil)
        #expect(!statically.standardError.contains("warning:"))

        let musl = try build(shipping: "hello-musl", arguments: ["-t", "musl:latest", "--elf-check=error"])
        #expect(musl.status == 0, "\(musl.standardError)")
        #expect(musl.standardError.range(of: #"/app/hello\s+musl\n"#, options: .regularExpression) != nil)
        #expect(try images().contains("musl"))
    }

    /// An executable from the base image is not the build's doing, and a file the build
    /// deleted again is not shipped: neither is checked.
    @Test func onlyFilesTheBuildShipsAreChecked() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox
            COPY hello-glibc /tmp/hello
            RUN rm /tmp/hello

            """
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", "--elf-check=error", context.path])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("ELF check: 0 executables added or changed"))
    }

    /// A rebuild keeps the last check's results only where its new layers change nothing
    /// they read. Here the musl loader is reached through a link made in a cached layer, and
    /// the layer a build argument changes empties the loader's directory (`rm -rf` and
    /// `mkdir`: an opaque directory in the step's snapshot, which hides the loader without
    /// an entry at its path). Each build's report must be what a check of that image alone
    /// says.
    @Test func aRebuildChecksAgainWhatItsNewLayersChange() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = """
            FROM busybox
            COPY hello-musl /app/hello
            COPY ld-musl-x86_64.so.1 /opt/musl/ld-musl-x86_64.so.1
            RUN mkdir -p /lib && ln -s /opt/musl/ld-musl-x86_64.so.1 /lib/ld-musl-x86_64.so.1
            ARG LOADER=kept
            RUN if [ "$LOADER" = gone ]; then rm -rf /opt/musl && mkdir /opt/musl; else echo "$LOADER" > /etc/loader; fi
            CMD ["/app/hello"]

            """
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        func build(_ loader: String) throws -> SwiftBuildProcess.Result {
            try SwiftBuildProcess.run(
                ["build", "--root", store.path, "--progress", "plain", "--build-arg", "LOADER=\(loader)", context.path])
        }
        let missing = "warning: /app/hello: exec /app/hello: no such file or directory (the interpreter /lib/ld-musl-x86_64.so.1"
        let kept = try build("kept")
        #expect(kept.status == 0, "\(kept.standardError)")
        #expect(kept.standardError.range(of: #"/app/hello\s+musl\n"#, options: .regularExpression) != nil)
        #expect(!kept.standardError.contains("warning: /app/hello"))
        let records = store.appendingPathComponent("cache/elf-checks")
        #expect(try FileManager.default.contentsOfDirectory(atPath: records.path).count == 1)

        let gone = try build("gone")
        #expect(gone.status == 0, "\(gone.standardError)")
        #expect(gone.standardError.contains(missing), "\(gone.standardError)")

        // Another value leaves the loader: the result stands again.
        let other = try build("other")
        #expect(other.status == 0, "\(other.standardError)")
        #expect(!other.standardError.contains("warning: /app/hello"), "\(other.standardError)")
        #expect(other.standardError.range(of: #"/app/hello\s+musl\n"#, options: .regularExpression) != nil)

        // prune --build-cache takes the records with the cache.
        let pruned = try SwiftBuildProcess.run(["prune", "--build-cache", "--root", store.path])
        #expect(pruned.status == 0, "\(pruned.standardError)")
        #expect(!FileManager.default.fileExists(atPath: records.path))
    }
}
