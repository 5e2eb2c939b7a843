import Foundation
import Glibc
import System
import Testing

@testable import OCI
@testable import OCIArchive

/// Packing snapshots into layers and extracting layers into snapshots. Runs as root: the
/// trees have other owners, devices and `trusted.*` attributes.
@Suite("Layer pack and extract")
struct LayerTests {
    @Test(arguments: [LayerCompression.gzip(), .zstd(), .none])
    func roundTripKeepsEveryAttribute(compression: LayerCompression) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        let blob = directory.path("layer")
        let packed = try LayerPacker(compression: compression).pack(directory: source, to: blob)
        let target = try directory.makeDirectory("target")
        let extracted = try LayerExtractor.extract(layerAt: blob, into: target)
        #expect(extracted == packed)
        #expect(try TreeSnapshot(target) == TreeSnapshot(source))
    }

    @Test func overlayWhiteoutsBecomeOCIWhiteouts() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        let blob = directory.path("layer.tar.gz")
        _ = try LayerPacker().pack(directory: source, to: blob)
        let listing = try TarListing(blob)

        let whiteout = try #require(listing["etc/.wh.removed"])
        #expect(whiteout.type == "file" && whiteout.size == 0 && whiteout.mode == 0)
        #expect(listing["etc/removed"] == nil)

        let names = listing.names
        let opaqueDirectory = try #require(names.firstIndex(of: "var/cache"))
        #expect(names[opaqueDirectory + 1] == "var/cache/.wh..wh..opq")
        #expect(names.contains("var/cache/-first") && names.contains("var/cache/file"))
        #expect(listing["var/cache/.wh..wh..opq"]?.type == "file")
        for member in listing.members {
            #expect(!member.xattrs.keys.contains { $0.hasPrefix("trusted.overlay.") }, "\(member.name)")
        }
        #expect(listing["data/text.txt"]?.xattrs["user.x"] == "hello")
    }

    @Test func ociWhiteoutsBecomeOverlayForm() throws {
        let directory = try TemporaryDirectory()
        let layer = directory.path("layer.tar")
        try makeTar(
            at: layer,
            [
                ["name": "a/.wh.gone", "uid": 1000, "gid": 1000],
                ["name": "b", "type": "dir", "mode": 0o750],
                ["name": "b/.wh..wh..opq"],
                ["name": "b/kept", "data": "kept"],
                ["name": ".wh..wh.plnk", "type": "dir"],
                ["name": "c/file", "data": "mine"],
                ["name": "c/.wh.file"]
            ])
        let target = try directory.makeDirectory("target")
        _ = try LayerExtractor.extract(layerAt: layer, into: target)
        let tree = try TreeSnapshot(target)
        #expect(tree["a/gone"] == "chr 0:0 mode=0 1000:1000 mtime=1700000000")
        #expect(tree["b"]?.contains("trusted.overlay.opaque=79") == true)
        #expect(tree["b"]?.hasPrefix("dir mode=750") == true)
        #expect(tree["b/kept"] != nil)
        #expect(tree["c/file"]?.hasPrefix("file") == true)
        #expect(Set(tree.paths) == ["a", "a/gone", "b", "b/kept", "c", "c/file"])
    }

    @Test(arguments: [("gzip -dc", LayerCompression.gzip(level: 9)), ("zstd -dc", .zstd(level: 19)), ("cat", .none)])
    func digestsMatchSHA256SumOfTheStreams(decompressor: String, compression: LayerCompression) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        let blob = directory.path("layer")
        let packed = try LayerPacker(compression: compression).pack(directory: source, to: blob)
        let diffID = try shell("\(decompressor) < '\(blob)' | sha256sum | cut -d' ' -f1")
        let uncompressedSize = try shell("\(decompressor) < '\(blob)' | wc -c")
        #expect(packed.diffID.description == "sha256:\(diffID)")
        #expect(String(packed.uncompressedSize) == uncompressedSize)
        #expect(packed.digest.description == "sha256:" + (try shell("sha256sum < '\(blob)' | cut -d' ' -f1")))
        #expect(String(packed.size) == (try shell("stat -c %s '\(blob)'")))
        if compression == .none {
            #expect(packed.digest == packed.diffID)
        }
    }

    @Test(arguments: [("-z", "gzip -dc"), ("--zstd", "zstd -dc"), ("", "cat")])
    func layerWrittenByGNUTarIsReadable(compressionFlag: String, decompressor: String) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: false)
        let blob = directory.path("gnu.tar")
        try shell("tar --format=posix --xattrs --xattrs-include='*' \(compressionFlag) -cf '\(blob)' -C '\(source)' .")
        let target = try directory.makeDirectory("target")
        let extracted = try LayerExtractor.extract(layerAt: blob, into: target)
        #expect(try TreeSnapshot(target) == TreeSnapshot(source))
        #expect(extracted.diffID.description == "sha256:" + (try shell("\(decompressor) < '\(blob)' | sha256sum | cut -d' ' -f1")))
        #expect(extracted.digest.description == "sha256:" + (try shell("sha256sum < '\(blob)' | cut -d' ' -f1")))
    }

    @Test func gnuTarListsPackedEntriesInSortedOrder() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.makeDirectory("source")
        for name in ["b", "a.txt", "a-b", "_", "Z", "B"] {
            #expect(FileManager.default.createFile(atPath: "\(source)/\(name)", contents: Data(name.utf8)))
        }
        try FileManager.default.createDirectory(atPath: "\(source)/a/y", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: "\(source)/a/x", contents: nil))
        #expect(chown("\(source)/a/x", 1000, 1000) == 0 && chmod("\(source)/a/x", 0o4755) == 0)
        let blob = directory.path("layer.tar.gz")
        _ = try LayerPacker().pack(directory: source, to: blob)
        let names = try shell("tar -tf '\(blob)'").split(separator: "\n")
        #expect(names == ["B", "Z", "_", "a/", "a/x", "a/y/", "a-b", "a.txt", "b"])
        let verbose = try shell("tar -tvf '\(blob)'")
        #expect(verbose.contains("-rwsr-xr-x 1000/1000         0"))
    }

    @Test func whiteoutsComeBeforeTheirSiblings() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.makeDirectory("source")
        try FileManager.default.createDirectory(atPath: "\(source)/sub", withIntermediateDirectories: true)
        for name in ["a", "c", "sub/aa"] {
            #expect(FileManager.default.createFile(atPath: "\(source)/\(name)", contents: Data(name.utf8)))
        }
        for name in ["b", "sub/zz"] {
            #expect(mknod("\(source)/\(name)", S_IFCHR | 0o000, 0) == 0)
        }
        _ = try run(
            "/usr/bin/env", ["python3", "-c", "import os, sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')", "\(source)/sub"])
        let blob = directory.path("layer.tar.gz")
        _ = try LayerPacker().pack(directory: source, to: blob)
        let names = try TarListing(blob).names
        #expect(names == [".wh.b", "a", "c", "sub", "sub/.wh..wh..opq", "sub/.wh.zz", "sub/aa"], "\(names)")
    }

    @Test func sourceDateEpochClampsLaterModificationTimes() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.makeDirectory("source")
        for (name, seconds) in [("old", 1_000_000_000), ("new", 2_000_000_000)] {
            #expect(FileManager.default.createFile(atPath: "\(source)/\(name)", contents: nil))
            var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, "\(source)/\(name)", &times, 0) == 0)
        }
        let blob = directory.path("layer.tar.gz")
        _ = try LayerPacker(sourceDateEpoch: 1_500_000_000).pack(directory: source, to: blob)
        let listing = try TarListing(blob)
        #expect(listing["old"]?.mtime == 1_000_000_000)
        #expect(listing["new"]?.mtime == 1_500_000_000)
    }

    @Test func subSecondTimesAreTruncatedToWholeSeconds() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.makeDirectory("source")
        #expect(FileManager.default.createFile(atPath: "\(source)/f", contents: nil))
        try directory.python(
            "import os; os.setxattr('\(source)/f', 'user.a', b'1'); os.utime('\(source)/f', ns=(1_600_000_000_999_999_999,) * 2)")
        let blob = directory.path("layer.tar")
        _ = try LayerPacker(compression: .none).pack(directory: source, to: blob)
        let (entries, _) = try readTar(blob)
        #expect(entries.first?.modificationTime == FileTime(seconds: 1_600_000_000))
    }

    @Test(arguments: [LayerCompression.gzip(), .zstd()])
    func packingTheSameTreeTwiceGivesTheSameBlob(compression: LayerCompression) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        let first = try LayerPacker(compression: compression).pack(directory: source, to: directory.path("1"))
        sleep(1)  // a timestamp that leaked into the blob would now differ
        let second = try LayerPacker(compression: compression).pack(directory: source, to: directory.path("2"))
        #expect(first == second)
        if compression == .gzip() {
            let header = try #require(FileHandle(forReadingAtPath: directory.path("1"))?.readData(ofLength: 10))
            #expect(Array(header[4..<8]) == [0, 0, 0, 0], "gzip MTIME field")
        }
    }

    /// Recompressing keeps the tar byte for byte (the diff ID), whatever the blob had, and
    /// the tools read the new blob; a blob with bytes after its stream is refused.
    @Test(arguments: [
        (LayerCompression.gzip(), LayerCompression.zstd(level: 19), "zstd -dc"), (.zstd(), .gzip(level: 1), "gzip -dc"),
        (.none, .zstd(), "zstd -dc"), (.gzip(), .none, "cat")
    ])
    func recompressingKeepsTheTar(from original: LayerCompression, to target: LayerCompression, decompressor: String) throws {
        let directory = try TemporaryDirectory()
        let source = try directory.tree("source", overlayForms: true)
        let packed = try LayerPacker(compression: original).pack(directory: source, to: directory.path("original"))
        let again = try LayerPacker(compression: target).recompress(blobAt: directory.path("original"), to: directory.path("again"))
        #expect(again.diffID == packed.diffID)
        #expect(again.uncompressedSize == packed.uncompressedSize)
        let tarDigest = try shell("\(decompressor) < \(directory.path("again")) | sha256sum | cut -d' ' -f1")
        #expect("sha256:" + tarDigest.trimmingCharacters(in: .whitespacesAndNewlines) == packed.diffID.description)
        let blobDigest = try shell("sha256sum < \(directory.path("again")) | cut -d' ' -f1")
        #expect("sha256:" + blobDigest.trimmingCharacters(in: .whitespacesAndNewlines) == again.digest.description)
        if original != .none {
            _ = try shell("cat \(directory.path("original")) > \(directory.path("junk")) && printf junk >> \(directory.path("junk"))")
            #expect(throws: LayerPackingError.self) {
                try LayerPacker(compression: target).recompress(blobAt: directory.path("junk"), to: directory.path("out"))
            }
            #expect(!FileManager.default.fileExists(atPath: directory.path("out")))
        }
    }

    @Test func extractionRefusesATargetThatIsNotEmpty() throws {
        let directory = try TemporaryDirectory()
        let layer = directory.path("layer.tar")
        try makeTar(at: layer, [["name": "f"]])
        let target = try directory.makeDirectory("target")
        #expect(FileManager.default.createFile(atPath: "\(target)/precious", contents: nil))
        #expect(throws: LayerExtractionError.target(directory: target, SystemError(operation: "extract into it", code: ENOTEMPTY))) {
            try LayerExtractor.extract(layerAt: layer, into: target)
        }
        #expect(FileManager.default.fileExists(atPath: "\(target)/precious"))
    }

    @Test func failedPackingRemovesTheOutput() throws {
        let directory = try TemporaryDirectory()
        let output = directory.path("layer.tar.gz")
        #expect(throws: LayerPackingError.self) {
            try LayerPacker().pack(directory: directory.path("missing"), to: output)
        }
        #expect(throws: LayerPackingError.self) {
            try LayerPacker(compression: .gzip(level: 42)).pack(directory: directory.path(""), to: output)
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

// MARK: - Test support shared by the archive and layer tests

/// A directory under /tmp, removed with everything in it when the value goes away.
final class TemporaryDirectory {
    let root: String

    init() throws {
        var template = Array("/tmp/swiftbuild-layer-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        root = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ name: String) -> String { name.isEmpty ? root : "\(root)/\(name)" }

    func makeDirectory(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
        return path(name)
    }

    func file(_ name: String, contents: [UInt8]) throws -> String {
        guard FileManager.default.createFile(atPath: path(name), contents: Data(contents)) else {
            throw TestFailure("cannot create \(path(name))")
        }
        return path(name)
    }

    /// Runs a Python script; argv[1] is this directory.
    @discardableResult
    func python(_ script: String) throws -> String {
        try run("/usr/bin/env", ["python3", "-c", script, root])
    }

    /// Builds the reference tree `name` with Python (independently of the code under test):
    /// every file type, setuid, setgid and sticky modes, owner 1000:1000, hard links,
    /// symlinks, a fifo, devices, `user.*`, `trusted.*` and `security.capability`
    /// attributes, a non-ASCII name, a path longer than 100 bytes, whole-second times.
    /// With `overlayForms`, also an overlay whiteout (char device 0:0) and an opaque
    /// directory.
    func tree(_ name: String, overlayForms: Bool) throws -> String {
        let tree = path(name)
        try python(
            Self.treeScript.replacingOccurrences(of: "OVERLAY", with: overlayForms ? "True" : "False")
                .replacingOccurrences(of: "ROOT", with: tree))
        return tree
    }

    private static let treeScript = #"""
        import os, stat
        root, overlay = 'ROOT', OVERLAY
        def p(name): return os.path.join(root, name)
        def write(name, data, mode=0o644, uid=0, gid=0):
            with open(p(name), 'wb') as f: f.write(data)
            os.chown(p(name), uid, gid); os.chmod(p(name), mode)
        for d in ['bin', 'data', 'etc', 'dev', 'home/user', 'shared', 'deep/' + 'x' * 120, 'empty']:
            os.makedirs(p(d))
        write('bin/tool', b'#!/bin/sh\necho tool\n', 0o4755, 1000, 1000)
        os.link(p('bin/tool'), p('bin/tool-hardlink'))
        os.link(p('bin/tool'), p('data/another-link'))
        write('bin/ping', b'\x7fELF', 0o755)
        os.setxattr(p('bin/ping'), 'security.capability', bytes([1, 0, 0, 2, 0, 32, 0, 0] + [0] * 12))
        os.chmod(p('data'), 0o1777)
        write('data/text.txt', b'hello\n' * 1000)
        os.setxattr(p('data/text.txt'), 'user.x', b'hello')
        os.setxattr(p('data/text.txt'), 'trusted.t', bytes(range(16)))
        write('data/random.bin', os.urandom(300000), 0o600, 1000, 1000)
        write('data/empty', b'')
        write('data/caf\u00e9.txt', b'non-ASCII name')
        write('deep/' + 'x' * 120 + '/file', b'long path')
        os.symlink('../data/text.txt', p('etc/relative'))
        os.setxattr(p('etc/relative'), 'trusted.sym', b'on a symlink', follow_symlinks=False)
        os.lchown(p('etc/relative'), 1000, 1000)
        os.symlink('/etc/passwd', p('etc/absolute'))
        os.mkfifo(p('dev/fifo')); os.chmod(p('dev/fifo'), 0o640)
        os.mknod(p('dev/null'), stat.S_IFCHR | 0o666, os.makedev(1, 3)); os.chmod(p('dev/null'), 0o666)
        os.mknod(p('dev/loop0'), stat.S_IFBLK | 0o660, os.makedev(7, 0)); os.chown(p('dev/loop0'), 0, 6)
        os.chown(p('home/user'), 1000, 1000); os.chmod(p('home/user'), 0o700)
        os.setxattr(p('home/user'), 'user.dir', b'1')
        os.chmod(p('shared'), 0o2775)
        if overlay:
            os.mknod(p('etc/removed'), stat.S_IFCHR, 0)
            os.makedirs(p('var/cache'))
            os.setxattr(p('var/cache'), 'trusted.overlay.opaque', b'y')
            write('var/cache/file', b'new')
            write('var/cache/-first', b'sorts before the marker')
        t = 1_600_000_000
        for directory, dirs, files in sorted(os.walk(root, topdown=False)):
            for name in sorted(files) + sorted(dirs):
                t += 1
                os.utime(os.path.join(directory, name), ns=(t * 10**9, t * 10**9), follow_symlinks=False)
        """#
}

/// What a test found wrong in its own setup.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `executable` with `arguments`; its standard output, trimmed. Fails on a non-zero exit.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestFailure("\(arguments) exited \(process.terminationStatus): \(String(decoding: errorData, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Runs `command` with /bin/sh (pipefail on); its standard output, trimmed.
@discardableResult
func shell(_ command: String) throws -> String {
    try run("/bin/bash", ["-o", "pipefail", "-c", command])
}

/// Writes a tar with Python's `tarfile` (PAX format): each entry a dictionary with `name`
/// and optionally `type` (file, dir, symlink, hardlink, char), `data`, `linkname`, `mode`,
/// `uid`, `gid`; `gzip` compresses it.
func makeTar(at path: String, gzip: Bool = false, _ entries: [[String: Any]]) throws {
    let json = String(decoding: try JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
    try run(
        "/usr/bin/env",
        [
            "python3", "-c",
            #"""
            import io, json, sys, tarfile
            path, gz, entries = sys.argv[1], sys.argv[2] == 'gz', json.loads(sys.argv[3])
            types = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE,
                     'hardlink': tarfile.LNKTYPE, 'char': tarfile.CHRTYPE}
            with tarfile.open(path, 'w:gz' if gz else 'w', format=tarfile.PAX_FORMAT) as tar:
                for e in entries:
                    info = tarfile.TarInfo(e['name'])
                    info.type = types[e.get('type', 'file')]
                    info.linkname = e.get('linkname', '')
                    info.mode = e.get('mode', 0o644)
                    info.uid, info.gid = e.get('uid', 0), e.get('gid', 0)
                    info.mtime = 1_700_000_000
                    data = e.get('data', '').encode()
                    info.size = len(data) if info.type == tarfile.REGTYPE else 0
                    tar.addfile(info, io.BytesIO(data) if info.size else None)
            """#, path, gzip ? "gz" : "", json
        ])
}

/// A tree's files and every attribute a layer keeps, one canonical line per path, as
/// Python's `os.lstat` and `os.listxattr` see them (not the code under test).
struct TreeSnapshot: Equatable, CustomStringConvertible {
    let lines: [String: String]

    init(_ root: String) throws {
        let output = try run(
            "/usr/bin/env",
            [
                "python3", "-c",
                #"""
                import hashlib, os, stat, sys
                root = sys.argv[1]
                first = {}
                for directory, dirs, files in os.walk(root):
                    dirs.sort()
                    for name in sorted(dirs) + sorted(files):
                        path = os.path.join(directory, name)
                        rel = os.path.relpath(path, root)
                        st = os.lstat(path)
                        kind = {stat.S_IFREG: 'file', stat.S_IFDIR: 'dir', stat.S_IFLNK: 'link', stat.S_IFCHR: 'chr',
                                stat.S_IFBLK: 'blk', stat.S_IFIFO: 'fifo'}[stat.S_IFMT(st.st_mode)]
                        line = kind
                        if kind in ('chr', 'blk'):
                            line += ' %d:%d' % (os.major(st.st_rdev), os.minor(st.st_rdev))
                        if kind != 'link':
                            line += ' mode=%o' % stat.S_IMODE(st.st_mode)
                        line += ' %d:%d mtime=%s' % (st.st_uid, st.st_gid, st.st_mtime_ns // 10**9 if st.st_mtime_ns % 10**9 == 0 else st.st_mtime_ns)
                        if kind == 'file':
                            with open(path, 'rb') as f:
                                line += ' size=%d sha256=%s' % (st.st_size, hashlib.sha256(f.read()).hexdigest()[:16])
                            key = (st.st_dev, st.st_ino)
                            if st.st_nlink > 1:
                                line += ' links=%d same-as=%s' % (st.st_nlink, first.setdefault(key, rel))
                        if kind == 'link':
                            line += ' -> ' + os.readlink(path)
                        for attr in sorted(os.listxattr(path, follow_symlinks=False)):
                            line += ' %s=%s' % (attr, os.getxattr(path, attr, follow_symlinks=False).hex())
                        print(rel + '\t' + line)
                """#, root
            ])
        var lines: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            lines[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        self.lines = lines
    }

    subscript(path: String) -> String? { lines[path] }

    var paths: [String] { lines.keys.sorted() }

    var description: String { paths.map { "\($0)\t\(lines[$0]!)" }.joined(separator: "\n") }
}

/// A tar's members as Python's `tarfile` reads them (not the code under test), in order.
struct TarListing {
    struct Member: Decodable {
        let name: String
        let type: String
        let mode: Int
        let uid: Int
        let gid: Int
        let mtime: Int
        let size: Int
        let linkname: String
        let devmajor: Int
        let devminor: Int
        let xattrs: [String: String]
    }

    let members: [Member]

    init(_ path: String) throws {
        let output = try run(
            "/usr/bin/env",
            [
                "python3", "-c",
                #"""
                import json, sys, tarfile
                kinds = {tarfile.REGTYPE: 'file', tarfile.DIRTYPE: 'dir', tarfile.SYMTYPE: 'symlink',
                         tarfile.LNKTYPE: 'hardlink', tarfile.CHRTYPE: 'char', tarfile.BLKTYPE: 'block', tarfile.FIFOTYPE: 'fifo'}
                out = []
                with tarfile.open(sys.argv[1]) as tar:
                    for m in tar:
                        xattrs = {k[len('SCHILY.xattr.'):]: v.encode('utf-8', 'surrogateescape').decode('latin-1')
                                  for k, v in m.pax_headers.items() if k.startswith('SCHILY.xattr.')}
                        name = m.name.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')
                        out.append(dict(name=name, type=kinds.get(m.type, repr(m.type)), mode=m.mode, uid=m.uid, gid=m.gid,
                                        mtime=int(m.mtime), size=m.size, linkname=m.linkname, devmajor=m.devmajor,
                                        devminor=m.devminor, xattrs=xattrs))
                print(json.dumps(out))
                """#, path
            ])
        members = try JSONDecoder().decode([Member].self, from: Data(output.utf8))
    }

    var names: [String] { members.map(\.name) }

    subscript(name: String) -> Member? { members.first { $0.name == name } }
}
