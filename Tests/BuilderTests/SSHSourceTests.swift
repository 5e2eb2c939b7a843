import Builder
import Foundation
import Glibc
import Testing

/// `--ssh` values in docker buildx's forms, and what their paths turn out to be.
@Suite("--ssh values")
struct SSHSourceTests {
    @Test func buildxForms() throws {
        #expect(try SSHSource.split("default") == ("default", []))
        #expect(try SSHSource.split("default=") == ("default", []))
        #expect(try SSHSource.split("git=/a") == ("git", ["/a"]))
        #expect(try SSHSource.split("git=/a,b") == ("git", ["/a", "b"]))
        #expect(throws: SSHSourceError.self) { try SSHSource.split("=/a") }
        #expect(throws: SSHSourceError.self) { try SSHSource.split("git=/a,,/b") }
    }

    /// No path: `$SSH_AUTH_SOCK`; one socket: that agent; files: keys (relative ones from
    /// the current directory); anything missing or of another type is named.
    @Test func pathsAreLookedAt() throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("ssh-source-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let socketPath = directory.appendingPathComponent("agent").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8) + [0]) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        let key = directory.appendingPathComponent("id").path
        let other = directory.appendingPathComponent("id2").path
        try Data("k".utf8).write(to: URL(fileURLWithPath: key))
        try Data("k".utf8).write(to: URL(fileURLWithPath: other))

        #expect(try SSHSource.parse("default", environment: ["SSH_AUTH_SOCK": socketPath]) == ("default", .socket(socketPath)))
        #expect(try SSHSource.parse("a=\(socketPath)", environment: [:]) == ("a", .socket(socketPath)))
        #expect(try SSHSource.parse("a=\(key),\(other)", environment: [:]) == ("a", .keys([key, other])))
        #expect(try SSHSource.parse("a=id", environment: [:], currentDirectory: directory.path) == ("a", .keys([key])))

        for (text, environment, words) in [
            ("default", [:], "SSH_AUTH_SOCK is not set"),
            ("a=\(directory.path)/missing", [:], "\(directory.path)/missing"),
            ("default", ["SSH_AUTH_SOCK": "\(directory.path)/gone"], "\(directory.path)/gone"),
            ("a=\(directory.path)", [:], "neither an agent's socket nor a key file"),
            ("a=\(socketPath),\(key)", [:], "a socket must be alone")
        ] as [(String, [String: String], String)] {
            let error = #expect(throws: SSHSourceError.self) { try SSHSource.parse(text, environment: environment) }
            #expect(error?.description.contains(words) == true, "\(text): \(String(describing: error))")
        }
    }
}
