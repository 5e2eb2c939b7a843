import BuildChecks
import Dockerfile
import Foundation
import Testing

/// The checks over the parser corpus (Tests/Corpus/dockerfiles, real Dockerfiles): every
/// file that parses is checked without a crash, and every warning points inside its file.
@Suite struct CorpusCheckTests {
    @Test func everyWarningPointsInsideItsFile() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus/dockerfiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        var checked = 0
        var warned = 0
        for name in names {
            let text = String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
            guard let parsed = try? DockerfileParser.parse(text, file: name) else { continue }
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            let found = BuildChecker.check(
                parsed, options: checkOptions(), configuration: try CheckOptions(parsing: "experimental=all"))
            for warning in found {
                #expect(warning.lines.lowerBound >= 1 && warning.lines.upperBound <= lineCount, "\(name): \(warning)")
                #expect(!warning.message.isEmpty)
            }
            let report = CheckReport.verbose(found, file: name, text: text)
            #expect(report.components(separatedBy: "\nWARNING: ").count == found.count + 1, "\(name)")
            checked += 1
            if !found.isEmpty { warned += 1 }
        }
        // The corpus is mostly real-world files: most parse, and real files do warn.
        #expect(checked > names.count / 2)
        #expect(warned > 0)
    }
}
