import Foundation
import Glibc
import Testing

@testable import OCI
@testable import OCIArchive

@Suite("Tar reader and writer")
struct ArchiveTests {
    /// One of each entry kind, with the attributes a layer cares about.
    static let entries: [TarEntry] = [
        TarEntry(
            path: "dir/", kind: .directory, permissions: 0o1777, uid: 1000, gid: 1000,
            modificationTime: FileTime(seconds: 1_600_000_000)),
        TarEntry(
            path: "dir/tool", kind: .file, permissions: 0o4755, uid: 1000, gid: 1000,
            modificationTime: FileTime(seconds: 1_600_000_001, nanoseconds: 250_000_000), size: 11,
            extendedAttributes: [
                "user.x": Array("hello".utf8), "trusted.t": [0, 1, 2],
                "security.capability": [1, 0, 0, 2, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            ]),
        TarEntry(
            path: "dir/hard", kind: .hardlink(target: "dir/tool"), permissions: 0o4755, uid: 1000, gid: 1000,
            modificationTime: FileTime(seconds: 1_600_000_001)),
        TarEntry(
            path: "dir/link", kind: .symlink(target: "/etc/passwd"), permissions: 0o777,
            modificationTime: FileTime(seconds: 1_600_000_002)),
        TarEntry(path: "dev/null", kind: .characterDevice(DeviceNumber(major: 1, minor: 3)), permissions: 0o666),
        TarEntry(path: "dev/loop", kind: .blockDevice(DeviceNumber(major: 259, minor: 70_000)), permissions: 0o660, gid: 6),
        TarEntry(path: "dev/fifo", kind: .fifo, permissions: 0o644),
        TarEntry(path: ArchivePath(bytes: Array("lat".utf8) + [0xE9]), kind: .file, permissions: 0o600),
        TarEntry(path: ArchivePath(String(repeating: "long-name/", count: 20) + "café"), kind: .file, permissions: 0o640)
    ]

    @Test func writtenEntriesReadBackUnchanged() throws {
        let directory = try TemporaryDirectory()
        let archive = directory.path("all.tar")
        let data = try directory.file("data", contents: Array("hello world".utf8))
        try writeTar(Self.entries, to: archive, data: data)
        let (read, contents) = try readTar(archive)
        #expect(read == Self.entries)
        #expect(contents["dir/tool"] == Array("hello world".utf8))
    }

    @Test func pythonSeesPAXAttributesAndNumericOwners() throws {
        let directory = try TemporaryDirectory()
        let archive = directory.path("all.tar")
        try writeTar(Self.entries, to: archive, data: try directory.file("data", contents: Array("hello world".utf8)))
        let listing = try TarListing(archive)
        let tool = try #require(listing["dir/tool"])
        #expect(tool.mode == 0o4755 && tool.uid == 1000 && tool.gid == 1000 && tool.size == 11)
        #expect(tool.xattrs["user.x"] == "hello")
        #expect(listing["dir/hard"]?.type == "hardlink" && listing["dir/hard"]?.linkname == "dir/tool")
        #expect(listing["dev/loop"]?.devmajor == 259 && listing["dev/loop"]?.devminor == 70_000)
        #expect(listing["dir"]?.type == "dir" && listing["dir"]?.mode == 0o1777)
        #expect(listing.names.contains(String(repeating: "long-name/", count: 20) + "café"))
    }

    @Test func endsWithTheEndMarkerAndNoBlockPadding() throws {
        let directory = try TemporaryDirectory()
        let archive = directory.path("one.tar")
        try writeTar(
            [TarEntry(path: "a", kind: .file, permissions: 0o644, size: 11)], to: archive,
            data: try directory.file("data", contents: Array("hello world".utf8)))
        // One header, one data block, two zero blocks: libarchive's 10 KiB blocking is off.
        let size = try FileManager.default.attributesOfItem(atPath: archive)[.size] as? Int
        #expect(size == 4 * 512)
    }

    @Test(arguments: ["gzip", "zstd", "bzip2", "xz", "cat"])
    func readsEveryCompressionByContent(tool: String) throws {
        let directory = try TemporaryDirectory()
        let plain = directory.path("plain.tar")
        try writeTar(Self.entries, to: plain, data: try directory.file("data", contents: Array("hello world".utf8)))
        let compressed = directory.path("layer")
        try shell("\(tool) < '\(plain)' > '\(compressed)'")
        let (read, contents) = try readTar(compressed)
        #expect(read == Self.entries)
        #expect(contents["dir/tool"] == Array("hello world".utf8))

        let descriptor = open(compressed, O_RDONLY)
        defer { close(descriptor) }
        let reader = try TarReader(fileDescriptor: descriptor, name: "from-fd")
        #expect(try reader.nextEntry()?.path == "dir/")
    }

    @Test func streamsDataThroughSmallBuffers() throws {
        let directory = try TemporaryDirectory()
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let data = try directory.file("data", contents: content)
        let archive = directory.path("big.tar.gz")
        try writeTar([TarEntry(path: "big", kind: .file, permissions: 0o644, size: Int64(content.count))], to: archive, data: data)
        try shell("gzip < '\(archive)' > '\(archive).gz'")
        let reader = try TarReader(path: archive + ".gz")
        _ = try reader.nextEntry()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1000, alignment: 1)
        defer { buffer.deallocate() }
        var read: [UInt8] = []
        while case let count = try reader.readData(into: buffer), count > 0 {
            #expect(count <= 1000)
            read += buffer[..<count]
        }
        #expect(read == content)
        #expect(try reader.nextEntry() == nil)
    }

    @Test func truncatedArchiveNamesTheEntryBeingRead() throws {
        let directory = try TemporaryDirectory()
        let archive = directory.path("cut.tar")
        let content = [UInt8](repeating: 7, count: 100_000)
        try writeTar(
            [TarEntry(path: "victim", kind: .file, permissions: 0o644, size: Int64(content.count))],
            to: archive, data: try directory.file("data", contents: content))
        #expect(truncate(archive, 50_000) == 0)
        let reader = try TarReader(path: archive)
        #expect(try reader.nextEntry()?.path == "victim")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        let error = #expect(throws: ArchiveError.self) {
            while try reader.readData(into: buffer) > 0 {}
        }
        #expect(error?.operation == .readData)
        #expect(error?.archive == archive)
        #expect(error?.entry == "victim")
    }

    @Test func garbageIsRefusedWhenOpened() throws {
        let directory = try TemporaryDirectory()
        let garbage = try directory.file("garbage", contents: (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 11) })
        let error = #expect(throws: ArchiveError.self) {
            let reader = try TarReader(path: garbage)
            _ = try reader.nextEntry()
        }
        #expect(error?.operation == .open && error?.entry == nil)
        #expect(error?.description.contains(garbage) == true)
    }

    @Test func fileShorterThanItsSizeIsAnErrorNamingTheEntry() throws {
        let directory = try TemporaryDirectory()
        let data = try directory.file("data", contents: Array("short".utf8))
        let error = #expect(throws: ArchiveError.self) {
            try writeTar([TarEntry(path: "liar", kind: .file, permissions: 0o644, size: 100)], to: directory.path("x.tar"), data: data)
        }
        #expect(error?.operation == .writeData && error?.entry == "liar")
    }

    @Test func sinkErrorsComeBackFromTheWrite() throws {
        let failure = ArchiveError(.writeData, archive: "sink", message: "disk full")
        let writer = try TarWriter(name: "x.tar") { _ throws(ArchiveError) in throw failure }
        // The first block only reaches the sink when it is full or the archive ends.
        try writer.write(TarEntry(path: "d", kind: .directory, permissions: 0o755))
        #expect(throws: failure) { try writer.finish() }
    }
}

// MARK: - Helpers

/// Writes `entries` as a tar at `path`, each regular file's data read from the file `data`.
func writeTar(_ entries: [TarEntry], to path: String, data: String) throws {
    let output = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    #expect(output >= 0)
    defer { close(output) }
    let writer = try TarWriter(name: path) { bytes throws(ArchiveError) in
        guard write(output, bytes.baseAddress, bytes.count) == bytes.count else {
            throw ArchiveError(.writeData, archive: path, message: "short write")
        }
    }
    for entry in entries {
        let input = open(data, O_RDONLY)
        defer { close(input) }
        try writer.write(entry, dataFrom: input)
    }
    try writer.finish()
}

/// Every entry of the tar at `path`, with the data of regular files by path.
func readTar(_ path: String) throws -> ([TarEntry], [String: [UInt8]]) {
    let reader = try TarReader(path: path)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
    defer { buffer.deallocate() }
    var entries: [TarEntry] = []
    var contents: [String: [UInt8]] = [:]
    while let entry = try reader.nextEntry() {
        entries.append(entry)
        var data: [UInt8] = []
        while case let count = try reader.readData(into: buffer), count > 0 {
            data += buffer[..<count]
        }
        if entry.kind == .file { contents[entry.path.description] = data }
    }
    return (entries, contents)
}
