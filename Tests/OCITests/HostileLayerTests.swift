import Foundation
import Glibc
import Testing

@testable import OCI
@testable import OCIArchive

/// Layers built to escape the extraction directory or to break the reader. Each must be
/// refused with an error naming the layer and the entry, leave the target directory empty,
/// and leave the directory next to it (the sentinel, which holds one file) untouched.
@Suite("Hostile layers")
struct HostileLayerTests {
    @Test func parentComponentIsRefused() throws {
        try expectRefused(
            [["name": "ok", "data": "fine"], ["name": "../sentinel/escaped", "data": "x"]],
            entry: "../sentinel/escaped", reason: .parentComponent)
        try expectRefused([["name": "a/../../sentinel/escaped"]], entry: "a/../../sentinel/escaped", reason: .parentComponent)
        try expectRefused([["name": "..", "type": "dir"]], entry: "../", reason: .parentComponent)
    }

    @Test func absoluteNameIsRefused() throws {
        try expectRefused(
            [["name": "ok", "type": "dir"], ["name": "SENTINEL/absolute", "data": "x"]],
            entry: "SENTINEL/absolute", reason: .absolute)
    }

    @Test func writingThroughASymlinkIsRefused() throws {
        try expectRefused(
            [["name": "evil", "type": "symlink", "linkname": "SENTINEL"], ["name": "evil/pwned", "data": "x"]],
            entry: "evil/pwned", reason: .throughSymlink("evil"))
        try expectRefused(
            [["name": "evil", "type": "symlink", "linkname": "../sentinel"], ["name": "evil/pwned", "type": "dir"]],
            entry: "evil/pwned/", reason: .throughSymlink("evil"))
        try expectRefused(
            [
                ["name": "d", "type": "dir"], ["name": "d/evil", "type": "symlink", "linkname": "SENTINEL"],
                ["name": "d/evil/x/y", "data": "x"]
            ],
            entry: "d/evil/x/y", reason: .throughSymlink("d/evil"))
    }

    @Test func directoryReplacedByASymlinkIsNotFollowed() throws {
        try expectRefused(
            [
                ["name": "d", "type": "dir"], ["name": "d", "type": "symlink", "linkname": "SENTINEL"],
                ["name": "d/pwned", "data": "x"]
            ],
            entry: "d/pwned", reason: .throughSymlink("d"))
    }

    @Test func whiteoutsThroughASymlinkAreRefused() throws {
        try expectRefused(
            [["name": "evil", "type": "symlink", "linkname": "SENTINEL"], ["name": "evil/.wh.secret"]],
            entry: "evil/.wh.secret", reason: .throughSymlink("evil"))
        try expectRefused(
            [["name": "evil", "type": "symlink", "linkname": "SENTINEL"], ["name": "evil/.wh..wh..opq"]],
            entry: "evil/.wh..wh..opq", reason: .throughSymlink("evil"))
        try expectRefused([["name": "d/.wh.."]], entry: "d/.wh..", reason: .whiteoutWithoutName)
        try expectRefused([["name": "d/.wh..."]], entry: "d/.wh...", reason: .parentComponent)
    }

    @Test func hardLinksOutsideAreRefused() throws {
        try expectRefused(
            [["name": "hl", "type": "hardlink", "linkname": "../sentinel/secret"]],
            entry: "hl", path: "../sentinel/secret", reason: .parentComponent)
        try expectRefused(
            [["name": "hl", "type": "hardlink", "linkname": "SENTINEL/secret"]],
            entry: "hl", path: "SENTINEL/secret", reason: .absolute)
        try expectRefused(
            [
                ["name": "evil", "type": "symlink", "linkname": "SENTINEL"],
                ["name": "hl", "type": "hardlink", "linkname": "evil/secret"]
            ],
            entry: "hl", path: "evil/secret", reason: .throughSymlink("evil"))
    }

    @Test func pathLongerThanPathMaxIsRefused() throws {
        let name = String(repeating: "d/", count: 2100) + "file"
        try expectRefused([["name": name]], entry: name, reason: .tooLong)
    }

    @Test func fileOverASymlinkReplacesTheSymlink() throws {
        let setup = try HostileSetup()
        let layer = setup.directory.path("layer.tar")
        try makeTar(
            at: layer,
            [
                ["name": "evil", "type": "symlink", "linkname": "\(setup.sentinel)/secret"],
                ["name": "evil", "data": "pwned"],
                ["name": "hl", "type": "symlink", "linkname": "\(setup.sentinel)/secret"],
                ["name": "hl", "type": "hardlink", "linkname": "evil"]
            ])
        _ = try LayerExtractor.extract(layerAt: layer, into: setup.target)
        #expect(try String(contentsOfFile: "\(setup.target)/evil", encoding: .utf8) == "pwned")
        #expect(try TreeSnapshot(setup.target)["hl"]?.contains("same-as=evil") == true)
        #expect(try String(contentsOfFile: "\(setup.sentinel)/secret", encoding: .utf8) == "secret")
    }

    @Test(arguments: [0.75, 0.999])
    func truncatedGzipStreamIsAnError(keptFraction: Double) throws {
        let setup = try HostileSetup()
        let layer = setup.directory.path("layer.tar.gz")
        try setup.directory.python(
            """
            import io, os, tarfile
            with tarfile.open('\(layer)', 'w:gz', format=tarfile.PAX_FORMAT) as tar:
                for name in ['first', 'big']:
                    data = os.urandom(1 << 20)
                    info = tarfile.TarInfo(name); info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
            """)
        let size = try #require(FileManager.default.attributesOfItem(atPath: layer)[.size] as? Int)
        #expect(truncate(layer, off_t(Double(size) * keptFraction)) == 0)
        let error = #expect(throws: LayerExtractionError.self) {
            try LayerExtractor.extract(layerAt: layer, into: setup.target)
        }
        guard case .unreadable(let archiveError)? = error else {
            Issue.record("expected an unreadable layer, got \(String(describing: error))")
            return
        }
        #expect(archiveError.archive == layer)
        if keptFraction < 0.9 {
            #expect(archiveError.operation == .readData && archiveError.entry == "big")
        }
        #expect(error?.description.contains(layer) == true)
        try setup.expectUntouched()
    }

    /// Random bytes and empty streams, plain and gzipped, are unreadable layers.
    @Test(arguments: [
        ("garbage", "head -c 100000 /dev/urandom"), ("garbage", "head -c 100000 /dev/urandom | gzip"),
        ("empty", "true"), ("empty", "true | gzip")
    ])
    func unreadableStreamIsAnError(name: String, command: String) throws {
        let setup = try HostileSetup()
        let layer = setup.directory.path(name)
        try shell("\(command) > '\(layer)'")
        let error = #expect(throws: LayerExtractionError.self) {
            try LayerExtractor.extract(layerAt: layer, into: setup.target)
        }
        guard case .unreadable(let archiveError)? = error else {
            Issue.record("expected an unreadable layer, got \(String(describing: error))")
            return
        }
        #expect(archiveError.archive == layer && archiveError.operation == .open)
        try setup.expectUntouched()
    }

    /// Extracts a Python-built tar of `entries` (`SENTINEL` standing for the sentinel's
    /// absolute path) and expects it refused at `entry` because `path` (the entry's name
    /// unless given) is unsafe for `reason`, with nothing left behind.
    private func expectRefused(
        _ entries: [[String: Any]],
        entry: String,
        path: String? = nil,
        reason: UnsafePathReason,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let setup = try HostileSetup()
        func resolved(_ text: String) -> String { text.replacingOccurrences(of: "SENTINEL", with: setup.sentinel) }
        let concrete = entries.map { $0.mapValues { value in (value as? String).map(resolved) ?? value } }
        for gzip in [false, true] {
            let layer = setup.directory.path(gzip ? "layer.tar.gz" : "layer.tar")
            try makeTar(at: layer, gzip: gzip, concrete)
            #expect(
                throws: LayerExtractionError.unsafePath(
                    layer: layer, entry: resolved(entry), path: resolved(path ?? entry), reason: reason),
                sourceLocation: sourceLocation
            ) {
                try LayerExtractor.extract(layerAt: layer, into: setup.target)
            }
            try setup.expectUntouched(sourceLocation: sourceLocation)
        }
    }
}

/// A target directory and, next to it, a sentinel directory holding one file `secret`.
private struct HostileSetup {
    let directory: TemporaryDirectory
    let target: String
    let sentinel: String

    init() throws {
        directory = try TemporaryDirectory()
        target = try directory.makeDirectory("target")
        sentinel = try directory.makeDirectory("sentinel")
        _ = try directory.file("sentinel/secret", contents: Array("secret".utf8))
    }

    /// The target is empty; the sentinel still holds only `secret`, unlinked elsewhere,
    /// unchanged, without attributes.
    func expectUntouched(sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == [], sourceLocation: sourceLocation)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sentinel) == ["secret"], sourceLocation: sourceLocation)
        #expect(try TreeSnapshot(sentinel)["secret"]?.contains("links=") == false, sourceLocation: sourceLocation)
        #expect(try String(contentsOfFile: "\(sentinel)/secret", encoding: .utf8) == "secret", sourceLocation: sourceLocation)
        let sentinelAttributes = try run("/usr/bin/env", ["python3", "-c", "import os, sys; print(os.listxattr(sys.argv[1]))", sentinel])
        #expect(sentinelAttributes == "[]", sourceLocation: sourceLocation)
    }
}
