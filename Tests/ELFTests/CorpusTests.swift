import Foundation
import Testing

@testable import ELF

/// Compares the parser with `readelf -d -l -V -W` on the machine's own binaries and libraries.
@Suite("Corpus: /usr/bin, /usr/sbin and /usr/lib/x86_64-linux-gnu against readelf")
struct CorpusTests {
    /// What readelf reports for one file, in the parser's terms.
    struct Facts: Equatable, CustomStringConvertible {
        var interpreter: String?
        var needed: [String] = []
        var soname: String?
        var rpath: String?
        var runpath: String?
        var isDynamic = false
        var requirements: [String] = []
        var definitions: [String] = []

        var description: String {
            "interp=\(interpreter ?? "-") needed=\(needed) soname=\(soname ?? "-") rpath=\(rpath ?? "-") "
                + "runpath=\(runpath ?? "-") dynamic=\(isDynamic) verneed=\(requirements) verdef=\(definitions)"
        }

        /// The same facts taken from a parsed file.
        init(_ file: ELFFile) {
            interpreter = file.interpreter
            needed = file.needed
            soname = file.soname
            rpath = file.rpath
            runpath = file.runpath
            isDynamic = file.isDynamic
            requirements = file.versionRequirements.flatMap { requirement in
                ["file " + requirement.file] + requirement.versions.map(\.name)
            }
            definitions = file.versionDefinitions.map(\.name)
        }

        init() {}
    }

    /// Regular files (not symlinks) under the corpus directories, sorted by path; libraries
    /// only when their name contains ".so".
    static func candidates() -> [String] {
        var paths: [String] = []
        for (directory, librariesOnly) in [("/usr/bin", false), ("/usr/sbin", false), ("/usr/lib/x86_64-linux-gnu", true)] {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for name in names where !librariesOnly || name.contains(".so") {
                let path = "\(directory)/\(name)"
                var status = stat()
                if lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG { paths.append(path) }
            }
        }
        return paths.sorted()
    }

    /// Runs readelf over `paths` (one process per batch) and parses its report per file.
    static func readelf(_ paths: [String]) throws -> [String: Facts] {
        var result: [String: Facts] = [:]
        for start in stride(from: 0, to: paths.count, by: 100) {
            let batch = Array(paths[start..<min(start + 100, paths.count)])
            // With one file readelf prints no "File:" line, so always pass at least two.
            let arguments = batch.count == 1 ? batch + batch : batch
            let output = try Shell.run(["readelf", "-d", "-l", "-V", "-W"] + arguments, allowFailure: true)
            var current: String?
            var facts = Facts()
            func flush() { if let current { result[current] = facts } }
            for line in output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
                if line.hasPrefix("File: ") {
                    flush()
                    current = String(line.dropFirst(6))
                    facts = Facts()
                } else if let value = bracketed(line, after: "[Requesting program interpreter: ") {
                    facts.interpreter = value
                } else if line.hasPrefix("Dynamic section at offset") {
                    facts.isDynamic = true
                } else if line.contains("(NEEDED)"), let value = bracketed(line, after: "Shared library: [") {
                    facts.needed.append(value)
                } else if line.contains("(SONAME)"), let value = bracketed(line, after: "Library soname: [") {
                    facts.soname = value
                } else if line.contains("(RPATH)"), let value = bracketed(line, after: "Library rpath: [") {
                    facts.rpath = value
                } else if line.contains("(RUNPATH)"), let value = bracketed(line, after: "Library runpath: [") {
                    facts.runpath = value
                } else if let file = field(line, after: "  File: ", before: "  Cnt:") {
                    facts.requirements.append("file " + file)
                } else if let name = field(line, after: "   Name: ", before: "  Flags:") {
                    facts.requirements.append(name)
                } else if line.contains("  Index: "), let name = field(line, after: "  Name: ", before: nil) {
                    facts.definitions.append(name)
                }
            }
            flush()
        }
        return result
    }

    /// The text between `prefix` and the last "]" of `line`, if `line` contains `prefix`.
    static func bracketed(_ line: String, after prefix: String) -> String? {
        guard let start = line.range(of: prefix), let end = line.range(of: "]", options: .backwards),
            start.upperBound <= end.lowerBound
        else { return nil }
        return String(line[start.upperBound..<end.lowerBound])
    }

    /// The text between `prefix` and `suffix` (or the end of the line).
    static func field(_ line: String, after prefix: String, before suffix: String?) -> String? {
        guard let start = line.range(of: prefix) else { return nil }
        let rest = line[start.upperBound...]
        guard let suffix else { return String(rest) }
        guard let end = rest.range(of: suffix) else { return nil }
        return String(rest[..<end.lowerBound])
    }

    @Test func parserAgreesWithReadelf() throws {
        let clock = ContinuousClock()
        let began = clock.now
        let all = Self.candidates()
        var elfFiles: [String: ELFFile] = [:]
        var rejected: [String] = []
        for path in all {
            do {
                elfFiles[path] = try ELFFile(path: path)
            } catch  where error.problem == .notELF {
                continue
            } catch {
                rejected.append(error.description)
            }
        }
        #expect(rejected.isEmpty, "\(rejected)")
        let paths = elfFiles.keys.sorted()
        let reference = try Self.readelf(paths)
        var disagreements: [String] = []
        for path in paths {
            guard let file = elfFiles[path] else { continue }
            #expect(file.findings.isEmpty, "\(file.findings)")
            guard let expected = reference[path] else {
                disagreements.append("\(path): readelf said nothing")
                continue
            }
            if file.interpreter != nil {
                #expect(LibC(file) == .glibc, "\(path): \(LibC(file))")
            }
            let actual = Facts(file)
            if actual != expected {
                disagreements.append("\(path):\n  parser  \(actual)\n  readelf \(expected)")
            }
        }
        #expect(
            disagreements.isEmpty, "\(disagreements.count) of \(paths.count) differ:\n\(disagreements.prefix(10).joined(separator: "\n"))")
        #expect(paths.count > 100)
        let kinds = Dictionary(grouping: elfFiles.values, by: { "\(ELFKind($0))" }).mapValues(\.count)
        print(
            "ELF corpus: \(all.count) regular files, \(paths.count) ELF, \(paths.count - disagreements.count) agree with readelf; kinds \(kinds.sorted { $0.key < $1.key }); \(clock.now - began)"
        )
    }
}
