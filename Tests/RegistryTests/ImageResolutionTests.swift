import Foundation
import Testing

/// A build resolves each image it names once: every `COPY --from` of the same image, in
/// any stage, keys and copies the same manifest, even with `--pull`.
@Suite(
    "Each image resolved once per build",
    .enabled(
        if: RegistryServer.isAvailable && geteuid() == 0,
        "needs /usr/bin/docker-registry (scripts/install-dependencies) and root"))
struct ImageResolutionTests {
    @Test func copyFromAnImageWithPullFetchesItOnce() throws {
        let work = try makeTemporaryDirectory()
        let registry = try RegistryServer()
        defer { registry.stop(); try? FileManager.default.removeItem(at: work) }
        let first = work.appendingPathComponent("first-store").path
        try Processes.tool(
            [repositoryRoot.appendingPathComponent("scripts/make-busybox-base").path, "--root", first],
            environment: ["SWIFTBUILD": Processes.swiftbuildBinary.path])
        let image = "\(registry.address)/library/busybox:1"
        #expect(try Processes.swiftbuild(["push", "busybox", image, "--root", first]).status == 0)

        // Two stages that may run at once and each copy from the image, then a third.
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        try Data(
            """
            FROM scratch AS one
            COPY --from=\(image) /bin/busybox /one
            FROM scratch AS two
            COPY --from=\(image) /bin/busybox /two
            FROM scratch
            COPY --from=one /one /one
            COPY --from=two /two /two
            COPY --from=\(image) /etc/passwd /passwd

            """.utf8
        ).write(to: context.appendingPathComponent("Dockerfile"))
        let store = work.appendingPathComponent("store").path
        func build() throws -> (id: String, log: [String]) {
            let result = try Processes.run(
                Processes.swiftbuildBinary,
                ["build", "--pull", "--progress", "plain", "--root", store, "-t", "copied", context.path])
            #expect(result.status == 0, "\(result.standardError)")
            return (
                result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines),
                result.standardError.components(separatedBy: "\n")
            )
        }

        let built = try build()
        #expect(built.log.filter { $0 == "pulling \(image)" }.count == 1, "\(built.log.joined(separator: "\n"))")
        let bundle = work.appendingPathComponent("bundle").path
        try Processes.tool(["umoci", "unpack", "--image", "\(store):copied:latest", bundle])
        let busybox = try Data(contentsOf: URL(fileURLWithPath: "/bin/busybox"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: bundle + "/rootfs/one")) == busybox)
        #expect(try Data(contentsOf: URL(fileURLWithPath: bundle + "/rootfs/two")) == busybox)
        #expect(try String(contentsOfFile: bundle + "/rootfs/passwd", encoding: .utf8).hasPrefix("root:x:0:0:"))

        // Pulled again (once), the same manifest: every copy hits the cache it recorded.
        let again = try build()
        #expect(again.log.filter { $0 == "pulling \(image)" }.count == 1, "\(again.log.joined(separator: "\n"))")
        #expect(again.log.filter { $0.hasSuffix(" CACHED") }.count == 5, "\(again.log.joined(separator: "\n"))")
        #expect(again.id == built.id)
    }
}
