import Foundation
import Testing

/// One name for one image: `alpine`, `alpine:latest`, `docker.io/library/alpine` and
/// `index.docker.io/library/alpine:latest` are the same store entry, so an image pulled or
/// tagged under the short name is found offline by a FROM that writes the long one.
@Suite("Image names in FROM", .enabled(if: ExternalTool.isRoot, "builds need root"))
struct ImageNameBuildTests {
    @Test func fullDockerHubNameFindsTheShortOne() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let store = work.appendingPathComponent("store")
        try SwiftBuildProcess.makeBusyboxStore(at: store)
        #expect(try SwiftBuildProcess.run(["tag", "busybox", "alpine", "--root", store.path]).status == 0)
        let context = work.appendingPathComponent("context")
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        for base in ["docker.io/library/alpine", "index.docker.io/library/alpine:latest", "alpine"] {
            try Data("FROM \(base)\nRUN echo ok > /ok\n".utf8).write(to: context.appendingPathComponent("Dockerfile"))
            // No registry is reachable for docker.io here: only the store can answer.
            let result = try SwiftBuildProcess.run(["build", "--root", store.path, "-q", context.path])
            #expect(result.status == 0, "FROM \(base): \(result.standardError)")
        }
        let tagged = try SwiftBuildProcess.run(["tag", "alpine", "docker.io/library/alpine:edge", "--root", store.path])
        #expect(tagged.status == 0)
        let images = try SwiftBuildProcess.run(["images", "--root", store.path]).standardOutput
        #expect(images.contains("alpine") && images.contains("edge") && !images.contains("docker.io"), "\(images)")
    }
}
