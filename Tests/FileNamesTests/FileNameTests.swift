import FileNames
import Foundation
import Glibc
import System
import Testing

@Suite("File names as bytes")
struct FileNameTests {
    static let names: [[UInt8]] = [
        Array("plain.txt".utf8),
        Array("héllo wörld".utf8),
        [0x61, 0xFF],  // "a" + an invalid byte
        [0x61, 0xEF, 0xBF, 0xBD],  // "a" + U+FFFD, valid
        [0x80, 0x80, 0xC0, 0xAF],  // stray continuations and an overlong "/"
        [0xED, 0xA0, 0x80],  // a surrogate, not UTF-8
        [0xF4, 0x8F, 0xBB, 0xBF],  // U+10FEFF itself: valid, inside the escape block
        [0xF4, 0x90, 0x80, 0x80],  // past U+10FFFF
        [0x62, 0xE2, 0x82]  // a truncated sequence at the end
    ]

    @Test(arguments: names)
    func roundTripsExactly(_ bytes: [UInt8]) {
        #expect(FileName.encode(FileName.decode(bytes)) == bytes)
    }

    @Test func differentNamesNeverDecodeAlike() {
        let decoded = Self.names.map(FileName.decode)
        #expect(Set(decoded).count == Self.names.count)
    }

    @Test func validUTF8IsItsOwnDecoding() {
        #expect(FileName.decode(Array("héllo/wörld".utf8)) == "héllo/wörld")
        #expect(!FileName.hasEscapes("héllo"))
    }

    @Test func oneInvalidByteIsOneCharacter() {
        #expect(FileName.decode([0x61, 0xFF, 0xFE]).count == 3)
    }

    @Test func displayEscapesBytesAndControls() {
        #expect(FileName.display(FileName.decode([0x61, 0xFF])) == "a\\xff")
        #expect(FileName.display("a\u{1B}[2Jb") == "a\\x1b[2Jb")
        #expect(FileName.display("héllo") == "héllo")
    }

    /// A file whose name is not UTF-8 is created, listed and opened by its decoded name.
    @Test func systemCallsUseTheRealBytes() throws {
        var template = Array("/tmp/swiftbuild-names-XXXXXX".utf8CString)
        let root = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(directory) }
        for bytes in [[UInt8]([0x61, 0xFF]), [0x61, 0xEF, 0xBF, 0xBD]] {
            let descriptor = FileName.openat(directory, FileName.decode(bytes), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            #expect(descriptor >= 0)
            close(descriptor)
        }
        let listed = try DirectoryListing.sortedNames(directory)
        #expect(listed.map(FileName.encode) == [[0x61, 0xEF, 0xBF, 0xBD], [0x61, 0xFF]])
        // Python lists the same two names as bytes.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import os,sys; print(sorted(os.listdir(sys.argv[1].encode())))", root]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        #expect(
            String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                == "[b'a\\xef\\xbf\\xbd', b'a\\xff']\n")
    }
}
