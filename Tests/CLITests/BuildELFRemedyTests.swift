import Foundation
import Testing

/// The ELF check's remedies and its checks beyond ELF executables (scripts, ENTRYPOINT/CMD,
/// separate debug files), end to end on the busybox base with programs built on the host.
@Suite("ELF check remedies, scripts and entry point", .enabled(if: ExternalTool.isRoot, "building needs root"))
struct BuildELFRemedyTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
    }

    func file(_ name: String) -> String { context.appendingPathComponent(name).path }

    func build(_ dockerfile: String, _ arguments: [String] = []) throws -> SwiftBuildProcess.Result {
        try workspace.build(dockerfile, arguments)
    }

    /// A glibc program in busybox: the remedies name static linking, musl, and the stage that
    /// holds glibc's loader and libc (copied from the host into the context).
    @Test func remediesNameTheStageThatHasTheLoader() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try ExternalTool.run(["gcc", "-O2", "-o", file("hello-glibc"), repositoryRoot.appendingPathComponent("Examples/hello.c").path])
        try ExternalTool.run(["cp", "-L", "/lib64/ld-linux-x86-64.so.2", file("ld-linux-x86-64.so.2")])
        try ExternalTool.run(["cp", "-L", "/lib/x86_64-linux-gnu/libc.so.6", file("libc.so.6")])
        let result = try build(
            """
            FROM busybox AS builder
            COPY ld-linux-x86-64.so.2 /lib64/
            COPY libc.so.6 /lib/x86_64-linux-gnu/
            COPY hello-glibc /out/hello

            FROM busybox AS settings
            RUN echo ok > /etc/settings

            FROM busybox
            COPY --from=settings /etc/settings /etc/settings
            COPY --from=builder /out/hello /app/hello
            ENTRYPOINT ["/app/hello"]

            """, ["--elf-check=error"])
        #expect(result.status == 3)
        let output = result.standardError
        #expect(
            output.contains(
                "error: /app/hello: exec /app/hello: no such file or directory (the interpreter /lib64/ld-linux-x86-64.so.2 is missing from the image)"
            ))
        #expect(
            output.contains(
                "    remedy: link /app/hello statically (gcc -static) or against musl (musl-gcc), or base the final stage on an image with glibc (its loader /lib64/ld-linux-x86-64.so.2)\n"
            ))
        #expect(
            output.range(
                of:
                    #"    remedy: the stage `builder` \(FROM busybox\) has /lib64/ld-linux-x86-64.so.2 and its library \(/lib/x86_64-linux-gnu/libc.so.6\), with glibc 2\.\d+ \(/app/hello needs 2\.\d+\): COPY --from=builder them \(swiftbuild elf --bundle copies such a tree\), or base the final stage on busybox\n"#,
                options: .regularExpression) != nil, "\(output)")
        // The busybox-only settings stage has no glibc: it is not offered.
        #expect(!output.contains("the stage `settings`"))
        // The entry point is the same program: named, not reported twice.
        #expect(output.contains(#"error: ENTRYPOINT/CMD ["/app/hello"]: it starts /app/hello, which would not start (reported above)"#))
        #expect(try String(contentsOfFile: "/proc/1/mountinfo", encoding: .utf8).contains(work.path) == false)
    }

    /// NSS modules /etc/nsswitch.conf names that the image lacks are warnings (the program
    /// starts; lookups through them fail); `files` and `dns` are built into glibc 2.34+.
    @Test func missingNameServiceModulesAreWarnings() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try ExternalTool.run(["gcc", "-O2", "-o", file("hello-glibc"), repositoryRoot.appendingPathComponent("Examples/hello.c").path])
        try ExternalTool.run(["cp", "-L", "/lib64/ld-linux-x86-64.so.2", file("ld-linux-x86-64.so.2")])
        try ExternalTool.run(["cp", "-L", "/lib/x86_64-linux-gnu/libc.so.6", file("libc.so.6")])
        try Data("passwd: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns # comment\n".utf8)
            .write(to: URL(fileURLWithPath: file("nsswitch.conf")))
        let result = try build(
            """
            FROM busybox
            COPY ld-linux-x86-64.so.2 /lib64/
            COPY libc.so.6 /lib/x86_64-linux-gnu/
            COPY nsswitch.conf /etc/
            COPY hello-glibc /app/hello

            """, ["--elf-check=error"])
        #expect(result.status == 0, "\(result.standardError)")
        let output = result.standardError
        #expect(
            output.contains(
                "warning: /etc/nsswitch.conf: passwd uses 'systemd', but libnss_systemd.so.2 is not in the image: glibc skips it and passwd lookups through it fail\n"
            ), "\(output)")
        #expect(
            output.contains("warning: /etc/nsswitch.conf: hosts uses 'mdns4_minimal', but libnss_mdns4_minimal.so.2 is not in the image"))
        #expect(!output.contains("'files'") && !output.contains("'dns'") && !output.contains("NOTFOUND"))

        // A library only in a glibc-hwcaps subdirectory loads on some CPUs only: a warning.
        try Data("int f(void) { return 0; }\n".utf8).write(to: work.appendingPathComponent("f.c"))
        try Data("int f(void);\nint main(void) { return f(); }\n".utf8).write(to: work.appendingPathComponent("m.c"))
        try ExternalTool.run([
            "gcc", "-shared", "-fPIC", "-Wl,-soname,libf.so.1", "-o", file("libf.so.1"), work.appendingPathComponent("f.c").path
        ])
        try ExternalTool.run(["gcc", "-o", file("m"), work.appendingPathComponent("m.c").path, file("libf.so.1")])
        let hwcaps = try build(
            """
            FROM busybox
            COPY ld-linux-x86-64.so.2 /lib64/
            COPY libc.so.6 /lib/x86_64-linux-gnu/
            COPY libf.so.1 /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/
            COPY m /app/m

            """, ["--elf-check=error"])
        #expect(hwcaps.status == 0, "\(hwcaps.standardError)")
        #expect(
            hwcaps.standardError.contains(
                "warning: /app/m: libf.so.1 is only in /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/: glibc loads it only on CPUs with x86-64-v3; elsewhere it is missing\n"
            ), "\(hwcaps.standardError)")
    }

    /// A shared library the build adds is checked too: its own DT_NEEDED must be in the image.
    /// It is not listed among the executables unless it has findings. (No loader is in the
    /// image, so glibc's rules apply: /usr/lib is not among x86-64's default directories.)
    @Test func librariesAreCheckedForTheirOwnDependencies() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let stub = work.appendingPathComponent("stub.c")
        try Data("int bar(void) { return 1; }\n".utf8).write(to: stub)
        try ExternalTool.run(["gcc", "-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libbar.so.1", "-o", file("libbar.so.1"), stub.path])
        let foo = work.appendingPathComponent("foo.c")
        try Data("int bar(void);\nint foo(void) { return bar(); }\n".utf8).write(to: foo)
        try ExternalTool.run([
            "gcc", "-shared", "-nostdlib", "-fPIC", "-Wl,-soname,libfoo.so.1", "-o", file("libfoo.so.1"), foo.path,
            file("libbar.so.1")
        ])
        let broken = try build("FROM busybox\nCOPY libfoo.so.1 /usr/lib/x86_64-linux-gnu/\n", ["--elf-check=error"])
        #expect(broken.status == 3)
        #expect(
            broken.standardError.contains(
                "error: /usr/lib/x86_64-linux-gnu/libfoo.so.1: error while loading shared libraries: libbar.so.1: cannot open shared object file: No such file or directory (needed by /usr/lib/x86_64-linux-gnu/libfoo.so.1)\n"
            ), "\(broken.standardError)")
        #expect(
            broken.standardError.contains("    remedy: ship what /usr/lib/x86_64-linux-gnu/libfoo.so.1 loads (libbar.so.1) in the image"))
        let fixed = try build("FROM busybox\nCOPY libfoo.so.1 libbar.so.1 /usr/lib/x86_64-linux-gnu/\n", ["--elf-check=error"])
        #expect(fixed.status == 0, "\(fixed.standardError)")
        #expect(fixed.standardError.contains("ELF check: 0 executables added or changed"))
    }

    /// `#!` scripts whose interpreter the image lacks, an entry point missing from PATH, and
    /// separate debug files (recognised and skipped, under /usr/lib/debug or elsewhere).
    @Test func scriptsEntrypointAndDebugFiles() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        try Data("#!/usr/bin/env python3\nprint('hi')\n".utf8).write(to: URL(fileURLWithPath: file("tool.py")))
        try Data("#!/bin/env python3\nprint('hi')\n".utf8).write(to: URL(fileURLWithPath: file("tool2.py")))
        try Data("#!/bin/sh\necho ok\n".utf8).write(to: URL(fileURLWithPath: file("ok.sh")))
        try ExternalTool.run(["gcc", "-g", "-O2", "-o", file("hello"), repositoryRoot.appendingPathComponent("Examples/hello.c").path])
        try ExternalTool.run(["objcopy", "--only-keep-debug", file("hello"), file("hello.debug")])
        let result = try build(
            """
            FROM busybox
            COPY --chmod=755 tool.py /usr/local/bin/tool
            COPY --chmod=755 tool2.py /usr/local/bin/tool2
            COPY --chmod=755 ok.sh /usr/local/bin/ok
            COPY --chmod=755 hello.debug /usr/lib/debug/.build-id/ab/cdef.debug
            COPY --chmod=755 hello.debug /opt/hello.debug
            CMD ["missing-program", "--serve"]

            """)
        #expect(result.status == 0, "\(result.standardError)")
        let output = result.standardError
        #expect(
            output.contains(
                "warning: /usr/local/bin/tool: exec /usr/local/bin/tool: no such file or directory (its #! interpreter /usr/bin/env is missing from the image)\n"
            ))
        #expect(
            output.contains(
                "warning: /usr/local/bin/tool2: /bin/env: 'python3': No such file or directory (/usr/local/bin/tool2 runs python3, which is in none of the image's PATH directories /usr/sbin:/usr/bin:/sbin:/bin)\n"
            ))
        #expect(output.contains("    remedy: install python3 in the final image"))
        #expect(output.range(of: #"/usr/local/bin/ok\s+script \(#!/bin/sh\)\n"#, options: .regularExpression) != nil, "\(output)")
        #expect(!output.contains("warning: /usr/local/bin/ok"))
        let summary = output.components(separatedBy: "ELF check:").last ?? ""
        #expect(!summary.contains("hello.debug"), "\(output)")
        #expect(output.contains("ELF check: 3 executables added or changed"))
        #expect(
            output.contains(
                #"warning: ENTRYPOINT/CMD ["missing-program", "--serve"]: exec: "missing-program": executable file not found in $PATH (/usr/sbin:/usr/bin:/sbin:/bin)"#
            ))

        // The shell form: the shell starts, the command word it would look up does not exist.
        let shellForm = try build(
            """
            FROM busybox
            CMD frobnicate --flag

            """, ["--elf-check=error"])
        #expect(shellForm.status == 3)
        #expect(
            shellForm.standardError.contains(
                #"error: ENTRYPOINT/CMD ["/bin/sh", "-c", "frobnicate --flag"]: /bin/sh: frobnicate: not found"#),
            "\(shellForm.standardError)")
        // A base image whose own entry point starts passes.
        let clean = try build("FROM busybox\nCMD [\"sh\"]\n", ["--elf-check=error"])
        #expect(clean.status == 0, "\(clean.standardError)")
    }
}
