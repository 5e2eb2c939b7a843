import Foundation
import Testing

@testable import ELF

/// Reading an image's `/etc/ld.so.conf` and its includes.
@Suite("ld.so.conf reader")
struct LdSoConfTests {
    /// A root holding `files` (path inside the root to contents).
    static func root(_ files: [String: String]) throws -> String {
        let root = try Shell.temporaryDirectory()
        for (path, text) in files {
            try FileManager.default.createDirectory(atPath: root + SearchPath.directory(of: path), withIntermediateDirectories: true)
            try text.write(toFile: root + path, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func commentsIncludesTypesAndDuplicates() throws {
        let root = try Self.root([
            "/etc/ld.so.conf": "# comment\n  /opt/first  \t\ninclude ld.so.conf.d/*.conf /etc/extra.conf\nhwcap 0 nosegneg\n/opt/first\n",
            "/etc/ld.so.conf.d/b.conf": "/opt/b=libc6 # trailing comment\n",
            "/etc/ld.so.conf.d/a.conf": "/opt/a\n\n",
            "/etc/ld.so.conf.d/c.txt": "/opt/not-included\n",
            "/etc/extra.conf": "/opt/extra\r\n"
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(LdSoConf.directories(root: ImageRoot(root)) == ["/opt/first", "/opt/a", "/opt/b", "/opt/extra"])
    }

    /// A file including itself on every line is read once: the include fan-out (20 per level,
    /// 8 levels deep) would otherwise mean 20^8 reads.
    @Test func selfIncludesAreReadOnce() throws {
        let lines = Array(repeating: "include /etc/ld.so.conf", count: 20) + ["/opt/lib"]
        let root = try Self.root(["/etc/ld.so.conf": lines.joined(separator: "\n")])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(LdSoConf.directories(root: ImageRoot(root)) == ["/opt/lib"])
    }

    /// 40,000 lines (each directory twice) under the 1 MiB limit: every directory once, in order.
    @Test func manyLinesAreAllKept() throws {
        let lines = (0..<20_000).map { "/opt/d\($0)" }
        let root = try Self.root(["/etc/ld.so.conf": (lines + lines).joined(separator: "\n")])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directories = LdSoConf.directories(root: ImageRoot(root))
        let same = directories == lines
        #expect(same, "\(directories.count) directories, first \(directories.prefix(3))")
    }

    @Test func filesOverOneMebibyteAreNotRead() throws {
        let root = try Self.root(["/etc/ld.so.conf": "/opt/big\n" + String(repeating: "#", count: 1 << 20)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(LdSoConf.directories(root: ImageRoot(root)).isEmpty)
    }
}
