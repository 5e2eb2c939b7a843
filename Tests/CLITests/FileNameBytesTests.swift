import Foundation
import Testing

/// File names are bytes end to end: a context file whose name is not UTF-8 is copied
/// under exactly that name, `.dockerignore` can exclude one, two names that differ only
/// where one is not UTF-8 stay two files, and the ELF check finds executables by such names.
@Suite("Names that are not UTF-8", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct FileNameBytesTests {
    /// Runs Python with `script`; argv[1...] are `arguments`.
    @discardableResult
    func python(_ script: String, _ arguments: [String]) throws -> String {
        try ExternalTool.run(["python3", "-c", script] + arguments)
    }

    @Test func contextNamesAreCopiedAsBytes() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store")
        let context = work.appendingPathComponent("context")
        try python(
            """
            import os, sys
            d = sys.argv[1].encode()
            os.makedirs(d)
            for name, data in [(b'a\\xff', b'1'), (b'a\\xef\\xbf\\xbd', b'2'), (b'b\\xfe', b'3'), (b'keep', b'4')]:
                open(os.path.join(d, name), 'wb').write(data)
            open(os.path.join(d, b'.dockerignore'), 'wb').write(b'b\\xfe\\n.dockerignore\\nDockerfile\\n')
            open(os.path.join(d, b'Dockerfile'), 'wb').write(b'FROM scratch\\nCOPY . /dst/\\n')
            """, [context.path])
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", "-t", "names:latest", context.path])
        #expect(result.status == 0, "\(result.standardError)")
        let bundle = work.appendingPathComponent("bundle")
        try ExternalTool.run(["umoci", "unpack", "--image", "\(store.path):names:latest", bundle.path])
        let listing = try python(
            """
            import os, sys
            d = os.path.join(sys.argv[1].encode(), b'rootfs/dst')
            print(sorted((n, open(os.path.join(d, n), 'rb').read()) for n in os.listdir(d)))
            """, [bundle.path])
        #expect(listing == "[(b'a\\xef\\xbf\\xbd', b'2'), (b'a\\xff', b'1'), (b'keep', b'4')]\n")

        // The same context again: every step is a cache hit, so the names hash stably.
        let again = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", context.path])
        #expect(again.status == 0 && again.standardError.contains("CACHED"), "\(again.standardError)")
    }

    @Test func elfCheckFindsExecutablesByTheirBytes() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(
            #"""
            FROM busybox
            RUN cp /bin/busybox "$(printf '/bin/tool\377')"
            """#.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        let result = try SwiftBuildProcess.run(["build", "--root", store.path, "--progress", "plain", context.path])
        #expect(result.status == 0, "\(result.standardError)")
        // The summary names it with the byte escaped, and knows what it is.
        let line = result.standardError.split(separator: "\n").first { $0.hasPrefix("    /bin/tool") }
        #expect(line?.hasPrefix("    /bin/tool\\xff ") == true && line?.hasSuffix(" static") == true, "\(result.standardError)")
    }
}
