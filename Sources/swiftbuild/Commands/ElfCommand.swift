import ArgumentParser
import Builder
import ELF
import FileNames
import Foundation
import OCI
import OCIArchive
import Store

/// `swiftbuild elf`: reads ELF files, resolves what they load the way the image's own C
/// library would, and reports what would fail at run time. Never runs the files.
struct ElfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elf",
        abstract: "Check ELF binaries against an image's C library, without running them.",
        discussion: "Exit status: 0 when every file is clean, 1 when a file has findings or fails --require, 2 on usage errors."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    enum Requirement: String, ExpressibleByArgument, CaseIterable { case `static`, glibc, musl }

    @Option(help: ArgumentHelp("Treat DIR as the root filesystem the files run in (default: /).", valueName: "DIR"))
    var root: String?

    @Option(help: "Check the files inside this image from the store.")
    var image: String?

    @Option(help: ArgumentHelp("The store, for --image (default: $SWIFTBUILD_ROOT, else the usual store).", valueName: "DIR"))
    var store: String?

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    @Option(help: "Also fail unless every executable is static, glibc or musl.")
    var require: Requirement?

    @Option(
        help: ArgumentHelp(
            "Copy the executables with their loader and libraries (symlinks kept) into DIR instead of reporting.", valueName: "DIR"))
    var bundle: String?

    @Option(
        help: ArgumentHelp(
            "With --bundle: also write the bundle as an uncompressed layer tar (OCI layer, reproducible timestamps) to FILE.",
            valueName: "FILE"))
    var output: String?

    @Argument(help: "Files or directories (scanned recursively), as paths inside the root or image.")
    var paths: [String] = []

    func run() throws {
        guard root == nil || image == nil else { throw usage("give --root or --image, not both") }
        guard !paths.isEmpty else { throw usage("name at least one file or directory to check") }
        guard output == nil || bundle != nil else { throw usage("--output needs --bundle DIR") }
        if let bundle {
            guard require == nil else { throw usage("--bundle does not take --require") }
            try runBundle(into: bundle)
            return
        }
        let reports: [ElfFileReport]
        do {
            reports = try collectReports()
        } catch {
            printToStandardError("\(error)")
            throw ExitCode.failure
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(["files": reports]), as: UTF8.self))
        case .text:
            for report in reports { print(report.text) }
        }
        if reports.contains(where: { !$0.findings.isEmpty }) { throw ExitCode(1) }
    }

    /// Reports for the paths, in the image (mounted for the call) or in the root.
    private func collectReports() throws -> [ElfFileReport] {
        guard let image else { return try inspect(in: root ?? "/") }
        let imageStore = try ImageStore(root: StoreRoot.resolve(explicit: store))
        let details = try imageStore.inspect(image)
        return try ImageBuilder(store: imageStore).withRootFilesystem(of: details) { mounted in
            try inspect(in: mounted.path)
        }
    }

    /// `--bundle DIR`: copies the paths and their dependency closure from the root or image
    /// into `destination`; prints what was created (text) or `{"created", "findings"}` (JSON).
    /// Exits 1 when a library could not be found (the rest is still copied).
    private func runBundle(into destination: String) throws {
        let outcome: ELFBundle.Outcome
        do {
            let make = { (directory: String) throws -> ELFBundle.Outcome in
                try ELFBundle(source: ImageRoot(directory), destination: destination).bundle(paths)
            }
            if let image {
                let imageStore = try ImageStore(root: StoreRoot.resolve(explicit: store))
                let details = try imageStore.inspect(image)
                outcome = try ImageBuilder(store: imageStore).withRootFilesystem(of: details) { try make($0.path) }
            } else {
                outcome = try make(root ?? "/")
            }
        } catch {
            printToStandardError("swiftbuild elf: \(error)")
            throw ExitCode.failure
        }
        var layer: [String: String] = [:]
        if let output {
            do {
                let blob = try LayerPacker(compression: .none, sourceDateEpoch: 0).pack(directory: destination, to: output)
                layer = ["path": output, "diffID": blob.diffID.description, "size": String(blob.size)]
            } catch {
                printToStandardError("swiftbuild elf: \(output): \(error)")
                throw ExitCode.failure
            }
        }
        switch format {
        case .json:
            struct BundleReport: Encodable {
                var created: [String]
                var findings: [String]
                var layer: [String: String]?
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(
                String(
                    decoding: try encoder.encode(
                        BundleReport(
                            created: outcome.created, findings: outcome.findings,
                            layer: layer.isEmpty ? nil : layer)), as: UTF8.self))
        case .text:
            for path in outcome.created { print(FileName.display(path)) }
            for finding in outcome.findings { printToStandardError("! \(finding)") }
            if let diffID = layer["diffID"] { print("layer \(output ?? "") \(diffID)") }
        }
        if !outcome.findings.isEmpty { throw ExitCode(1) }
    }

    private func usage(_ message: String) -> ExitCode {
        printToStandardError("swiftbuild elf: \(message)")
        return ExitCode(2)
    }

    /// Reports for every path argument, read inside the root at `directory`.
    private func inspect(in directory: String) throws -> [ElfFileReport] {
        let imageRoot = ImageRoot(directory)
        let resolver = DependencyResolver(root: imageRoot)
        var reports: [ElfFileReport] = []
        for path in paths {
            let inside = path.hasPrefix("/") ? path : "/" + path
            guard let resolved = try imageRoot.resolve(inside) else {
                throw CommandFailure("\(path): no such file in \(image ?? directory)")
            }
            let host = imageRoot.hostPath(resolved)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: host, isDirectory: &isDirectory)
            if isDirectory.boolValue {
                for file in Self.regularFiles(under: host) {
                    let relative = inside.hasSuffix("/") ? inside + file.relative : inside + "/" + file.relative
                    if let report = try report(path: relative, resolver: resolver, skipNonELF: true) {
                        reports.append(report)
                    }
                }
            } else if let report = try report(path: path, resolver: resolver, skipNonELF: false) {
                reports.append(report)
            }
        }
        return reports
    }

    /// The report for the file at `path` (inside the root), read through the resolver so that
    /// resolving it does not read it again.
    private func report(path: String, resolver: DependencyResolver, skipNonELF: Bool) throws -> ElfFileReport? {
        let inside = path.hasPrefix("/") ? path : "/" + path
        let file: ELFFile
        do {
            file = try resolver.file(at: inside)
        } catch {
            // (A `catch where` on this typed error crashes Swift 6.3's ownership checker.)
            let problem = error.problem
            guard problem == .notELF else {
                // One damaged file is a finding about it, not the end of a directory scan.
                return checked(ElfFileReport(unreadable: path, problem: problem), file: nil)
            }
            return skipNonELF ? nil : checked(ElfFileReport(notELF: path), file: nil)
        }
        let kind = ELFKind(file)
        let resolution =
            file.interpreter != nil
            ? try resolver.resolve(inside)
            : kind == .sharedLibrary ? try resolver.resolveLibrary(inside) : nil
        var facts = Remedies.Facts()
        if let resolution, !resolution.findings.isEmpty {
            if file.goBuildInfo != nil, let real = try resolver.root.resolve(inside) {
                facts.cgo = GoCgoUse(root: resolver.root, path: real)
            }
            facts.imageGlibc = resolver.glibcVersion(for: resolution, platform: ELFPlatform(file))
        }
        return checked(ElfFileReport(path: path, file: file, resolution: resolution, facts: facts), file: file)
    }

    /// Adds a finding when the file (nil when it is not ELF) fails `--require`; shared
    /// libraries are not judged.
    private func checked(_ report: ElfFileReport, file: ELFFile?) -> ElfFileReport {
        guard let require, report.kind != "shared-library", report.kind != "debug-file",
            let requirement = LinkageRequirement(rawValue: require.rawValue)
        else { return report }
        if let file, requirement.isSatisfied(by: file) { return report }
        var report = report
        let go = report.go.map { " (\($0.summary))" } ?? ""
        report.findings.append("--require \(require.rawValue): this file is \(report.kind) with libc \(report.libc)\(go)")
        return report
    }

    /// Regular files below `directory` (symlinks not followed), sorted, with paths relative to it.
    private static func regularFiles(under directory: String) -> [(relative: String, host: String)] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            let host = directory + "/" + relative
            var status = stat()
            guard lstat(host, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { continue }
            files.append((relative, host))
        }
        return files.sorted { $0.0 < $1.0 }
    }
}
