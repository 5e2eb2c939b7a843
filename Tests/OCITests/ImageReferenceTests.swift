import OCI
import Testing

/// Docker's reference grammar and normalisation (`distribution/reference`).
@Suite("Image references")
struct ImageReferenceTests {
    private static let hex = String(repeating: "a", count: 64)

    @Test(arguments: [
        // text, full form, familiar form
        ("alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("alpine:3.20", "docker.io/library/alpine:3.20", "alpine:3.20"),
        ("docker.io/alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("docker.io/library/alpine", "docker.io/library/alpine:latest", "alpine:latest"),
        ("index.docker.io/library/ubuntu:22.04", "docker.io/library/ubuntu:22.04", "ubuntu:22.04"),
        ("index.docker.io/team/app", "docker.io/team/app:latest", "team/app:latest"),
        ("team/app:v1.2_rc-3", "docker.io/team/app:v1.2_rc-3", "team/app:v1.2_rc-3"),
        ("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest"),
        ("localhost", "docker.io/library/localhost:latest", "localhost:latest"),
        ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
        ("localhost:5000/team/app:v1", "localhost:5000/team/app:v1", "localhost:5000/team/app:v1"),
        ("ghcr.io/owner/image:tag-1.0", "ghcr.io/owner/image:tag-1.0", "ghcr.io/owner/image:tag-1.0"),
        ("Example.COM:443/app", "Example.COM:443/app:latest", "Example.COM:443/app:latest"),
        ("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"),
        ("[fe80::1]/app", "[fe80::1]/app:latest", "[fe80::1]/app:latest"),
        ("Registry/app", "Registry/app:latest", "Registry/app:latest"),
        ("a.b-c/d__e/f---g/h.i_j", "a.b-c/d__e/f---g/h.i_j:latest", "a.b-c/d__e/f---g/h.i_j:latest"),
        ("app:_Tag.1-X", "docker.io/library/app:_Tag.1-X", "app:_Tag.1-X")
    ])
    func normalisesLikeDocker(_ text: String, _ full: String, _ familiar: String) throws {
        let reference = try ImageReference(parsing: text)
        #expect(reference.description == full)
        #expect(reference.familiarDescription == familiar)
    }

    @Test func portIsNotATag() throws {
        let withPort = try ImageReference(parsing: "registry.example.com:5000/team/app")
        #expect(withPort.registry == "registry.example.com:5000")
        #expect(withPort.repository == "team/app")
        #expect(withPort.tag == "latest")
        let tagged = try ImageReference(parsing: "registry.example.com:5000/team/app:5001")
        #expect(tagged.registry == "registry.example.com:5000" && tagged.tag == "5001")
        // No slash: the only component is a Docker Hub repository, and after ':' a tag.
        let hub = try ImageReference(parsing: "localhost:5000")
        #expect(hub.registry == "docker.io" && hub.repository == "library/localhost" && hub.tag == "5000")
    }

    @Test func tagAndDigest() throws {
        let byDigest = try ImageReference(parsing: "127.0.0.1:5000/app@sha256:\(Self.hex)")
        #expect(byDigest.registry == "127.0.0.1:5000")
        #expect(byDigest.repository == "app")
        #expect(byDigest.tag == nil)
        #expect(byDigest.digest == Digest(sha256Hex: Self.hex))
        #expect(byDigest.familiarDescription == "127.0.0.1:5000/app@sha256:\(Self.hex)")
        let both = try ImageReference(parsing: "alpine:3.20@sha256:\(Self.hex)")
        #expect(both.tag == "3.20")
        #expect(both.digest == Digest(sha256Hex: Self.hex))
        #expect(both.description == "docker.io/library/alpine:3.20@sha256:\(Self.hex)")
        #expect(both.familiarDescription == "alpine:3.20@sha256:\(Self.hex)")
        #expect(both.withTag("edge").description == "docker.io/library/alpine:edge")
    }

    @Test func maximumLengths() throws {
        let tag = String(repeating: "t", count: 128)
        #expect(try ImageReference(parsing: "app:\(tag)").tag == tag)
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: "app:\(tag)t") }
        // 255 characters of path, counted after normalisation (`library/` counts).
        let path = String(repeating: "a", count: 255 - "library/".count)
        #expect(try ImageReference(parsing: path).repository.count == 255)
        #expect(throws: ImageReferenceError(text: path + "a", reason: "the repository 'library/\(path)a' is longer than 255 characters")) {
            try ImageReference(parsing: path + "a")
        }
        let long = "example.com/" + String(repeating: "b", count: 255)
        #expect(try ImageReference(parsing: long).repository.count == 255)
    }

    @Test(arguments: [
        ("", "a reference needs a repository name"),
        ("Alpine", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        (
            "docker.io/Team/app",
            "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"
        ),
        (
            "example.com/Team/app",
            "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"
        ),
        ("Bad Name", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("a//b", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("-app", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("app-", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("a..b", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("a___b", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("a._b", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("host:5000/", "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"),
        ("app:", "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"),
        ("app:-x", "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"),
        ("app:.x", "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"),
        ("app:1:2", "a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"),
        ("host:port/app", "'host:port' is not a registry host[:port]"),
        ("-host.com/app", "'-host.com' is not a registry host[:port]"),
        ("host..com/app", "'host..com' is not a registry host[:port]"),
        ("host_1.com/app", "'host_1.com' is not a registry host[:port]"),
        ("[::1/app", "'[::1' is not a registry host[:port]"),
        ("[]:5000/app", "'[]:5000' is not a registry host[:port]"),
        ("app@sha256:abc", "after '@' comes a digest: malformed digest 'sha256:abc': expected sha256:<64 hex digits>"),
        ("app@", "after '@' comes a digest: malformed digest '': expected sha256:<64 hex digits>"),
        (
            "@sha256:\(String(repeating: "a", count: 64))",
            "a repository is lower-case letters and digits, joined by '.', '_', '__' or dashes, in components separated by '/'"
        ),
        (String(repeating: "a", count: 64), "a 64-digit hexadecimal string is an image ID, not a repository name")
    ])
    func refusesWhatDockerRefuses(_ text: String, _ reason: String) {
        #expect(throws: ImageReferenceError(text: text, reason: reason)) { try ImageReference(parsing: text) }
    }

    @Test func errorNamesTheText() {
        #expect(ImageReferenceError(text: "App", reason: "why").description == "invalid image reference 'App': why")
    }
}
