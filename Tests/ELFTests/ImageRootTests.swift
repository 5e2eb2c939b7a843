import Foundation
import Testing

@testable import ELF

@Suite("Paths resolved inside an image root")
struct ImageRootTests {
    /// A small merged-/usr tree with relative, absolute, escaping, dangling and looping links.
    static func makeRoot() throws -> String {
        let root = try Shell.temporaryDirectory()
        let files = FileManager.default
        try files.createDirectory(atPath: "\(root)/usr/lib/x86_64-linux-gnu", withIntermediateDirectories: true)
        try files.createDirectory(atPath: "\(root)/etc", withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: "\(root)/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"))
        try Data().write(to: URL(fileURLWithPath: "\(root)/usr/lib/x86_64-linux-gnu/libc.so.6"))
        try Data().write(to: URL(fileURLWithPath: "\(root)/etc/os-release"))
        try files.createSymbolicLink(atPath: "\(root)/lib", withDestinationPath: "usr/lib")
        try files.createDirectory(atPath: "\(root)/lib64", withIntermediateDirectories: true)
        try files.createSymbolicLink(
            atPath: "\(root)/lib64/ld-linux-x86-64.so.2",
            withDestinationPath: "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        try files.createSymbolicLink(atPath: "\(root)/escape", withDestinationPath: "../../../../etc/os-release")
        try files.createSymbolicLink(atPath: "\(root)/host", withDestinationPath: "/etc/hostname")
        try files.createSymbolicLink(atPath: "\(root)/dangling", withDestinationPath: "/nowhere")
        try files.createSymbolicLink(atPath: "\(root)/loop-a", withDestinationPath: "loop-b")
        try files.createSymbolicLink(atPath: "\(root)/loop-b", withDestinationPath: "/loop-a")
        return root
    }

    @Test func linksStayInsideTheRoot() throws {
        let directory = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = ImageRoot(directory)
        #expect(try root.resolve("/lib64/ld-linux-x86-64.so.2") == "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        #expect(try root.resolve("/lib/x86_64-linux-gnu/../x86_64-linux-gnu/./libc.so.6") == "/usr/lib/x86_64-linux-gnu/libc.so.6")
        #expect(try root.resolve("/escape") == "/etc/os-release")
        #expect(try root.resolve("/../../etc/os-release") == "/etc/os-release")
        #expect(try root.resolve("/host") == nil)  // /etc/hostname exists on the host, not in the image
        #expect(try root.resolve("/dangling") == nil)
        #expect(try root.resolve("/etc/os-release/x") == nil)
        #expect(try root.resolve("/") == "/")
        #expect(root.hostPath("/etc/os-release") == directory + "/etc/os-release")
        #expect(throws: ELFFinding(path: "/loop-a", problem: .invalid(what: "path", detail: "too many levels of symbolic links"))) {
            try root.resolve("/loop-a")
        }
    }

    /// The ELF check reads an image's files in pages, opened through the root: a directory
    /// link in the image that names a host directory (absolutely or by `../`) holding a
    /// real ELF file (the sentinel, outside the root) leads nowhere, and the host file is
    /// never parsed; the same file inside the image is.
    @Test func pagedReadsStayInsideTheRoot() throws {
        let root = try Shell.temporaryDirectory()
        let host = try Shell.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: root)
            try? FileManager.default.removeItem(atPath: host)
        }
        let sentinel = "\(host)/sentinel-elf"
        try FileManager.default.copyItem(atPath: try Fixtures.get().glibcDynamic, toPath: sentinel)
        let before = try Data(contentsOf: URL(fileURLWithPath: sentinel))
        let files = FileManager.default
        try files.createSymbolicLink(atPath: "\(root)/absolute", withDestinationPath: host)
        try files.createSymbolicLink(
            atPath: "\(root)/relative", withDestinationPath: String(repeating: "../", count: 12) + host.dropFirst())
        let image = ImageRoot(root)
        for path in ["/absolute/sentinel-elf", "/relative/sentinel-elf"] {
            #expect(throws: ELFFinding.self, "\(path) reached the host's file") { try ELFFile(root: image, path: path) }
        }
        try files.createDirectory(atPath: "\(root)/bin", withIntermediateDirectories: true)
        try files.copyItem(atPath: sentinel, toPath: "\(root)/bin/app")
        #expect(try ELFFile(root: image, path: "/bin/app").needed.contains("libc.so.6"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: sentinel)) == before)
    }

    /// A recording root notes every component its lookups walk, with each link's target
    /// path: a layer that replaces the loader behind `/lib64/ld-linux-x86-64.so.2` changes
    /// a path in the log, not only the path asked for.
    @Test func aReadLogHoldsEveryComponentOfALookup() throws {
        let directory = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = ReadLog()
        let root = ImageRoot(directory, readLog: log)
        log.begin()
        #expect(try root.resolve("/lib64/ld-linux-x86-64.so.2") == "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        let loader = log.end()
        #expect(loader.directories == ["/lib64", "/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu"])
        #expect(loader.others == ["/lib64/ld-linux-x86-64.so.2", "/lib", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"])
        #expect(loader.listings.isEmpty)

        // A missing path is noted where its lookup stopped; `..` and `.` are walked as the
        // kernel does; a listing notes the directory listed.
        log.begin()
        #expect(try root.resolve("/opt/tool/bin") == nil)
        #expect(try root.resolve("/lib/x86_64-linux-gnu/../x86_64-linux-gnu/./libc.so.6") == "/usr/lib/x86_64-linux-gnu/libc.so.6")
        #expect(root.entryNames("/etc")?.count == 1)
        let rest = log.end()
        #expect(rest.others == ["/opt", "/lib", "/usr/lib/x86_64-linux-gnu/libc.so.6"])
        #expect(rest.directories == ["/usr", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/etc"])
        #expect(rest.listings == ["/etc"])

        // A scope's reads count in the scope around it, and a memo's reads are noted again.
        let (_, inner) = log.recording { _ = root.status("/etc/os-release") }
        #expect(inner.others == ["/etc/os-release"])
        log.begin()
        log.note(inner)
        #expect(log.end() == inner)
    }
}
