import Foundation
import Glibc
import Testing

/// `RUN --mount=type=secret` on a busybox base: the step reads the secret (as a file and
/// as a variable) with the mode and owner asked for, and the secret's bytes are nowhere
/// afterwards: not in any file of the store (layers unpacked and packed, cache records,
/// snapshots), the image or the build's output; the key ignores the value.
@Suite("RUN --mount=type=secret", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct RunSecretTests {
    let workspace: BuildWorkspace
    var work: URL { workspace.work }
    var store: URL { workspace.store }
    var context: URL { workspace.context }
    /// A directory outside the store and the context holding the file secret and a
    /// neighbour the step must not see.
    let secrets: URL
    /// Values unique to this run, so a hit can only be a leak.
    let fileSecret = "file-secret-\(UUID().uuidString)"
    let environmentSecret = "env-secret-\(UUID().uuidString)"

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        secrets = workspace.work.appendingPathComponent("secrets")
        try FileManager.default.createDirectory(at: secrets, withIntermediateDirectories: true)
        try Data(fileSecret.utf8).write(to: secrets.appendingPathComponent("token"))
        try Data("neighbour\n".utf8).write(to: secrets.appendingPathComponent("neighbour"))
    }

    func build(_ dockerfile: String, _ flags: [String] = []) throws -> SwiftBuildProcess.Result {
        try Data(dockerfile.utf8).write(to: context.appendingPathComponent("Dockerfile"))
        return try SwiftBuildProcess.run(
            ["build", "--root", store.path, "--progress", "plain", "-t", "secrets:latest"] + flags + [context.path],
            environment: ["SECRET_SOURCE_VARIABLE": environmentSecret])
    }

    func unpack() throws -> URL {
        try workspace.unpack("secrets:latest")
    }

    func sha256(_ text: String) throws -> String {
        let file = work.appendingPathComponent("digest-input")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return String(try ExternalTool.run(["sha256sum", file.path]).prefix(64))
    }

    /// The file form (default target, read-only, 0400, only the secret in its directory),
    /// a target with mode/uid/gid and a variable, and a variable only; the image and the
    /// store hold none of the bytes, the output neither.
    @Test func theStepReadsTheSecretAndNothingKeepsIt() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let result = try build(
            """
            FROM busybox
            RUN --mount=type=secret,id=token \\
                --mount=type=secret,id=api,env=API_TOKEN,target=/etc/api.key,mode=0440,uid=7,gid=8 \\
                --mount=type=secret,id=api,env=ONLY \\
                sha256sum /run/secrets/token | cut -c1-64 > /token.sum && \\
                stat -c '%a %u %g' /run/secrets/token /etc/api.key > /modes && \\
                ls -a /run/secrets > /listing && \\
                grep -q ' /run/secrets/token .*ro,' /proc/mounts && echo ro > /readonly && \\
                if echo x > /run/secrets/token 2>/dev/null; then echo writable > /readonly; fi && \\
                printf %s "$API_TOKEN" | sha256sum | cut -c1-64 > /api.sum && \\
                printf %s "$ONLY" | sha256sum | cut -c1-64 > /only.sum && \\
                if [ -e /run/secrets/api ]; then echo file > /only.file; else echo none > /only.file; fi
            RUN env > /later-env
            """,
            ["--secret", "id=token,src=\(secrets.appendingPathComponent("token").path)", "--secret", "id=api,env=SECRET_SOURCE_VARIABLE"])
        #expect(result.status == 0, "\(result.standardError)")
        let root = try unpack()
        #expect(try text("token.sum", in: root) == "\(try sha256(fileSecret))\n")
        #expect(try text("api.sum", in: root) == "\(try sha256(environmentSecret))\n")
        #expect(try text("only.sum", in: root) == "\(try sha256(environmentSecret))\n")
        #expect(try text("only.file", in: root) == "none\n")
        #expect(try text("modes", in: root) == "400 0 0\n440 7 8\n")
        #expect(try text("listing", in: root) == ".\n..\ntoken\n")
        #expect(try text("readonly", in: root) == "ro\n")
        // No mount point the image lacked is left, and the variable is the step's only.
        #expect(!exists("run/secrets", in: root))
        #expect(!exists("etc/api.key", in: root))
        #expect(!(try text("later-env", in: root)).contains("API_TOKEN"))
        for secret in [fileSecret, environmentSecret] {
            #expect(try files(under: store, containing: secret) == [])
            #expect(try files(under: root, containing: secret) == [])
            #expect(!result.standardOutput.contains(secret) && !result.standardError.contains(secret))
        }
        // The sanity check of the search itself: it finds what is there.
        #expect(try files(under: secrets, containing: fileSecret) == [secrets.appendingPathComponent("token").path])
    }

    /// A missing required secret is a located error naming the id; a missing optional one
    /// leaves neither a file nor a variable.
    @Test func missingSecrets() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let failed = try build("FROM busybox\nRUN --mount=type=secret,id=absent,required=true true\n")
        #expect(failed.status != 0)
        #expect(failed.standardError.contains("Dockerfile:2"), "\(failed.standardError)")
        #expect(failed.standardError.contains("'absent'"), "\(failed.standardError)")
        let optional = try build(
            """
            FROM busybox
            RUN --mount=type=secret,id=gone --mount=type=secret,id=gone2,env=GONE \\
                if [ -e /run/secrets/gone ] || [ -n "${GONE+set}" ]; then echo present > /gone; else echo absent > /gone; fi
            """)
        #expect(optional.status == 0, "\(optional.standardError)")
        #expect(try text("gone", in: try unpack()) == "absent\n")
    }

    /// As BuildKit, a secret's value is not in the step's key: a new value hits the cache
    /// (and makes the same image); a changed spec (the mode) runs the step again.
    @Test func theValueIsNotInTheKey() throws {
        defer { try? FileManager.default.removeItem(at: work) }
        let dockerfile = "FROM busybox\nRUN --mount=type=secret,id=token,required ls -l /run/secrets > /seen\n"
        let iid = work.appendingPathComponent("iid")
        let flags = ["--secret", "id=token,source=\(secrets.appendingPathComponent("token").path)", "--iidfile", iid.path]
        let first = try build(dockerfile, flags)
        #expect(first.status == 0, "\(first.standardError)")
        let firstID = try String(contentsOf: iid, encoding: .utf8)
        try Data("another value".utf8).write(to: secrets.appendingPathComponent("token"))
        let again = try build(dockerfile, flags)
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("CACHED"), "\(again.standardError)")
        #expect(try String(contentsOf: iid, encoding: .utf8) == firstID)
        let changed = try build(dockerfile.replacingOccurrences(of: ",required", with: ",required,mode=0444"), flags)
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(!changed.standardError.contains("CACHED"), "\(changed.standardError)")
    }
}
