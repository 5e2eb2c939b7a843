import ELF
import Foundation
import OCI
import Testing

@testable import Builder

/// The ELF check's record of a build, reused by the next build of the same Dockerfile: a
/// result stands only where the layers that differ change nothing it read. The images here
/// are layer directories in a temporary directory and their merged tree (copied, as an
/// overlay would show it), checked without root.
@Suite("ELF check records across rebuilds")
struct ELFCheckRecordTests {
    let directory: URL
    let origin = LayerOrigin(file: "Dockerfile", line: 2, instruction: "COPY run.sh /app/")
    let image = ImageConfiguration(
        architecture: "amd64", os: "linux", config: ContainerConfig(env: ["PATH=/usr/bin:/bin"]))

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("elf-record-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// A layer directory `name` holding `files` (path: content, all mode 755) and `links`
    /// (path: target).
    func layer(_ name: String, files: [String: Data] = [:], links: [String: String] = [:]) throws -> URL {
        let layer = directory.appendingPathComponent("layers/\(name)")
        try FileManager.default.createDirectory(at: layer, withIntermediateDirectories: true)
        for (path, content) in files {
            let url = layer.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        for (path, target) in links {
            let url = layer.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }
        return layer
    }

    /// Checks the image of `layers` (bottom first; the first is the base, the others step
    /// layers), merged into a fresh directory.
    func check(
        _ layers: [URL], previous: ELFCheckRecord? = nil, image: ImageConfiguration? = nil
    ) throws -> (report: ELFCheckReport, record: ELFCheckRecord) {
        let merged = directory.appendingPathComponent("merged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: merged, withIntermediateDirectories: true)
        for layer in layers {
            // overlayfs shows a layer's directory over a lower non-directory (and stops the
            // merge there): a link or file in its place goes first, as `cp` will not.
            for case let relative as String in FileManager.default.enumerator(atPath: layer.path) ?? .init() {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: layer.appendingPathComponent(relative).path, isDirectory: &isDirectory),
                    isDirectory.boolValue
                else { continue }
                let target = merged.appendingPathComponent(relative).path
                if let type = try? FileManager.default.attributesOfItem(atPath: target)[.type] as? FileAttributeType,
                    type != .typeDirectory
                {
                    try FileManager.default.removeItem(atPath: target)
                }
            }
            let copy = Process()
            copy.executableURL = URL(fileURLWithPath: "/bin/cp")
            copy.arguments = ["-a", "--remove-destination", layer.path + "/.", merged.path]
            try copy.run()
            copy.waitUntilExit()
            #expect(copy.terminationStatus == 0)
        }
        let checker = ExecutableChecker(root: merged, image: image ?? self.image)
        let checked = checker.check(
            layers: layers.enumerated().map { index, layer in
                ExecutableChecker.Layer(directory: layer, origin: index == 0 ? nil : origin)
            },
            previous: previous)
        return (checked.report, try #require(checked.record))
    }

    func executable(_ path: String, in report: ELFCheckReport) -> ShippedExecutable? {
        report.executables.first { $0.path == path }
    }

    /// The base has `/bin/sh` as a link to `/opt/shell/sh` and `/opt/shell` as a link to
    /// `shell-1`, which has a shell for the image's machine (`shell-2` one for another); one
    /// step layer adds a script run by `/bin/sh`, the top one (the layer a rebuild changes)
    /// the shell `shell-1` holds.
    @Test func aResultStandsOnlyWhileNothingItReadChanges() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try layer(
            "base", files: ["opt/shell-2/sh": staticELF(machine: 183)], links: ["bin/sh": "/opt/shell/sh", "opt/shell": "shell-1"])
        let script = try layer("script", files: ["app/run.sh": Data("#!/bin/sh\necho hi\n".utf8)])
        let shell = try layer("shell", files: ["opt/shell-1/sh": staticELF(machine: 62)])
        let first = try check([base, script, shell])
        #expect(executable("/app/run.sh", in: first.report)?.findings == [])
        #expect(executable("/opt/shell-1/sh", in: first.report)?.linkage == "static")
        #expect(first.record.files.map(\.path) == ["/app/run.sh", "/opt/shell-1/sh"])

        // A result the record gives is what the report says (marked here to tell it from a
        // check): a new top layer adds a file next to the shell and one elsewhere.
        var marked = first.record
        marked.files[0].linkage = "as recorded"
        let notes = try layer("notes", files: ["opt/shell-1/README": Data("notes\n".utf8), "etc/motd": Data("hi\n".utf8)])
        let rebuilt = [base, script, shell, notes]
        #expect(executable("/app/run.sh", in: try check(rebuilt, previous: marked).report)?.linkage == "as recorded")
        // And, unmarked, the report is the one a check without a record makes.
        #expect(try check(rebuilt, previous: first.record).report == check(rebuilt).report)
        // Another PATH is another check: the record is not used.
        let otherPath = ImageConfiguration(architecture: "amd64", os: "linux", config: ContainerConfig(env: ["PATH=/bin"]))
        #expect(
            executable("/app/run.sh", in: try check(rebuilt, previous: marked, image: otherPath).report)?.linkage == "script (#!/bin/sh)")

        // The link in the middle of the lookup made to lead to the other machine's shell: the
        // script is checked again, though neither its own layer, nor `/bin/sh`, nor the
        // shell the record's check found changed (a log of the paths asked for and found,
        // without the links walked between them, would keep the old result).
        let switched = try layer("switched", links: ["opt/shell": "shell-2"])
        let wrong = try check([base, script, shell, switched], previous: marked).report
        #expect(executable("/app/run.sh", in: wrong)?.findings.first?.contains("exec format error") == true)
        #expect(executable("/app/run.sh", in: wrong)?.linkage == "script (#!/bin/sh)")

        // The shell replaced by one for another machine.
        let arm = try layer("arm", files: ["opt/shell-1/sh": staticELF(machine: 183)])
        #expect(
            executable("/app/run.sh", in: try check([base, script, arm], previous: marked).report)?.findings.first?.contains(
                "exec format error") == true)

        // The shell gone: the record's top layer had it, the new one has not.
        let missing = try check([base, script, notes], previous: marked).report
        #expect(
            executable("/app/run.sh", in: missing)?.findings
                == ["exec /app/run.sh: no such file or directory (its #! interpreter /bin/sh is missing from the image)"])
    }

    /// A directory of a layer the new image no longer has may have hidden a link of a shared
    /// layer (overlayfs merges a directory only with directories): here the old top layer's
    /// `/opt` hid the base's `/opt -> x`, so `env` found no `/opt/tool` and took `/bin/tool`;
    /// without that layer, `/opt/tool` is the base's `/x/tool`, built for another machine.
    @Test func aGoneLayersDirectoryMayHaveHiddenALink() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = try layer(
            "base", files: ["usr/bin/env": staticELF(machine: 62), "bin/tool": staticELF(machine: 62), "x/tool": staticELF(machine: 183)],
            links: ["opt": "x"])
        let script = try layer("script", files: ["app/run": Data("#!/usr/bin/env tool\n".utf8)])
        let hiding = try layer("hiding", files: ["opt/README": Data("notes\n".utf8)])
        let image = ImageConfiguration(architecture: "amd64", os: "linux", config: ContainerConfig(env: ["PATH=/opt:/bin"]))
        let first = try check([base, script, hiding], image: image)
        #expect(executable("/app/run", in: first.report)?.findings == [])
        let other = try layer("other", files: ["etc/motd": Data("hi\n".utf8)])
        let fresh = try check([base, script, other], image: image).report
        #expect(executable("/app/run", in: fresh)?.findings.isEmpty == false)
        #expect(try check([base, script, other], previous: first.record, image: image).report == fresh)
    }

    /// The rule, entry by entry, in overlayfs's terms.
    @Test func whichLayerEntriesTouchARecordedRead() {
        var record = ELFCheckRecord(key: "k", layers: [], candidates: [:])
        record.paths = ["/usr", "/usr/lib", "/usr/lib/libc.so.6", "/etc/ld.so.conf.d", "/opt"]
        record.files = [
            .init(path: "/a", linkage: "glibc 2.34", directories: [0, 1], others: [2]),
            .init(path: "/b", linkage: "glibc 2.34", directories: [0], listings: [3]),
            .init(path: "/c", linkage: "static", others: [4])
        ]
        func reused(_ entries: [LayerEntry]) -> [String] {
            record.reusableFiles(changedEntries: entries).keys.sorted()
        }
        #expect(reused([]) == ["/a", "/b", "/c"])
        // Plain directories above a new file merge with the ones read: nothing changes.
        #expect(reused([.init(path: "/usr", kind: .plainDirectory), .init(path: "/usr/lib", kind: .plainDirectory)]) == ["/a", "/b", "/c"])
        // An opaque or redirected directory hides what was read below it.
        #expect(reused([.init(path: "/usr/lib", kind: .replacingDirectory)]) == ["/b", "/c"])
        // A file, link or whiteout at a path read.
        #expect(reused([.init(path: "/usr/lib/libc.so.6", kind: .other)]) == ["/b", "/c"])
        #expect(reused([.init(path: "/usr", kind: .other)]) == ["/c"])
        // A path that was missing (or a link) gets a directory.
        #expect(reused([.init(path: "/opt", kind: .plainDirectory)]) == ["/a", "/b"])
        // A listed directory gains or loses an entry.
        #expect(reused([.init(path: "/etc/ld.so.conf.d/x.conf", kind: .other)]) == ["/a", "/c"])
        // Elsewhere.
        #expect(
            reused([.init(path: "/etc/hostname", kind: .other), .init(path: "/usr/share", kind: .plainDirectory)]) == ["/a", "/b", "/c"])
    }

    /// A record is a shortcut read from the store: one that does not hold together, or that
    /// names a layer outside the store's snapshots, is not used.
    @Test func aRecordThatLeadsElsewhereIsNotUsed() throws {
        let snapshots = URL(fileURLWithPath: "/var/lib/swiftbuild/snapshots")
        let layer = snapshots.path + "/" + String(repeating: "ab", count: 32) + "/fs"
        var record = ELFCheckRecord(key: "k", layers: [layer], candidates: [:])
        record.paths = ["/usr"]
        record.files = [.init(path: "/a", linkage: "static", directories: [0])]
        func decoded(_ record: ELFCheckRecord) throws -> ELFCheckRecord? {
            ELFCheckRecord.decode(try JSONEncoder().encode(record), layersIn: snapshots)
        }
        #expect(try decoded(record) == record)
        var outside = record
        outside.layers = ["/etc"]
        #expect(try decoded(outside) == nil)
        outside.layers = [snapshots.path + "/../../../../etc/fs"]
        #expect(try decoded(outside) == nil)
        var dangling = record
        dangling.files[0].others = [7]
        #expect(try decoded(dangling) == nil)
        var newer = record
        newer.format = ELFCheckRecord.currentFormat + 1
        #expect(try decoded(newer) == nil)
        #expect(ELFCheckRecord.decode(Data("{".utf8), layersIn: snapshots) == nil)
    }
}
