import Foundation
import OCI
import Registry
import Store
import Testing

@Suite("Image references, challenges, credentials")
struct ReferenceTests {
    @Test(arguments: [
        ("alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20"),
        ("user/app", "docker.io/user/app:latest", "user/app:latest"),
        ("index.docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu:22.04", "ubuntu:22.04"),
        ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
        ("localhost:5000/team/app:v1", "localhost:5000/team/app:v1", "localhost:5000/team/app:v1"),
        ("ghcr.io/owner/image:tag-1.0", "ghcr.io/owner/image:tag-1.0", "ghcr.io/owner/image:tag-1.0")
    ])
    func normalisesLikeDocker(text: String, full: String, store: String) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.description == full)
        #expect(reference.storeName == store)
    }

    @Test func parsesDigestsAndTagsWithDigests() throws {
        let hex = String(repeating: "a", count: 64)
        let byDigest = try ImageReference(parsing: "127.0.0.1:5000/app@sha256:\(hex)")
        #expect(byDigest.registry == "127.0.0.1:5000")
        #expect(byDigest.repository == "app")
        #expect(byDigest.tag == nil)
        #expect(byDigest.manifestReference == "sha256:\(hex)")
        #expect(byDigest.storeName == nil)
        let both = try ImageReference(parsing: "alpine:3.20@sha256:\(hex)")
        #expect(both.tag == "3.20")
        #expect(both.manifestReference == "sha256:\(hex)")
        #expect(both.description == "docker.io/library/alpine:3.20@sha256:\(hex)")
        #expect(both.apiHost == "registry-1.docker.io")
    }

    @Test(arguments: ["", "Alpine", "app:", "app@sha256:abc", "a//b", "app:-x", "-app", "host:5000/"])
    func rejectsWhatDockerRejects(text: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: text) }
    }

    @Test func parsesChallenges() {
        let challenges = AuthChallenge.parse(
            #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#)
        #expect(
            challenges == [
                AuthChallenge(
                    scheme: "bearer",
                    parameters: [
                        "realm": "https://auth.docker.io/token", "service": "registry.docker.io",
                        "scope": "repository:library/alpine:pull"
                    ])
            ])
        let two = AuthChallenge.parse(#"Basic realm="a \"quoted\" realm", Bearer realm=https://t/token"#)
        #expect(two.map(\.scheme) == ["basic", "bearer"])
        #expect(two[0].realm == #"a "quoted" realm"#)
        #expect(two[1].realm == "https://t/token")
        #expect(AuthChallenge.parse("").isEmpty)
    }

    @Test func readsAndWritesDockerConfig() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config.json").path
        let existing =
            #"{"auths":{"https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldA=="},"http://old.example:5000/v1/":{"username":"u","password":"p"}},"credsStore":"none"}"#
        try existing.write(toFile: path, atomically: true, encoding: .utf8)
        let config = DockerConfig(path: path)
        #expect(try config.credentials(for: "docker.io") == RegistryCredentials(username: "hub", password: "secret"))
        #expect(try config.credentials(for: "old.example:5000") == RegistryCredentials(username: "u", password: "p"))
        #expect(try config.credentials(for: "other.example") == nil)

        try config.store(RegistryCredentials(username: "me", password: "pa:ss"), for: "127.0.0.1:5000")
        #expect(try config.credentials(for: "127.0.0.1:5000") == RegistryCredentials(username: "me", password: "pa:ss"))
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        #expect(written?["credsStore"] as? String == "none")
        let auths = written?["auths"] as? [String: [String: String]]
        #expect(auths?["127.0.0.1:5000"]?["auth"] == Data("me:pa:ss".utf8).base64EncodedString())
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        #expect(try config.remove(registry: "old.example:5000"))
        #expect(try config.credentials(for: "old.example:5000") == nil)
        #expect(try !config.remove(registry: "old.example:5000"))
        #expect(try config.credentials(for: "docker.io") != nil)
    }

    @Test func defaultConfigPathFollowsDockerConfig() {
        #expect(DockerConfig.defaultPath(environment: ["DOCKER_CONFIG": "/x", "HOME": "/h"]) == "/x/config.json")
        #expect(DockerConfig.defaultPath(environment: ["HOME": "/h"]) == "/h/.docker/config.json")
    }

    @Test func backsOffExponentially() {
        let policy = RetryPolicy(maxAttempts: 6, initialDelay: .milliseconds(100), maxDelay: .milliseconds(500))
        #expect(
            (1...5).map { policy.delay(afterAttempt: $0) }
                == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
        #expect(policy.delay(afterAttempt: 1, retryAfter: 1) == .seconds(1))
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 404) && !RetryPolicy.isRetryable(status: 401))
    }
}
