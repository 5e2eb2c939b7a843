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
}
