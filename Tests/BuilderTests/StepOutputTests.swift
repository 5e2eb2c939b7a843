import Foundation
import Testing

@testable import Builder

/// How a step's output is cut into lines: in one pass, with a bounded line.
@Suite("Step output lines")
struct StepOutputTests {
    func lines(of chunks: [[UInt8]]) -> [String] {
        var splitter = OutputLines()
        var emitted: [String] = []
        for chunk in chunks {
            chunk.withUnsafeBytes { splitter.feed($0) { emitted.append($0) } }
        }
        splitter.finish { emitted.append($0) }
        return emitted
    }

    @Test func linesSplitAcrossChunksAreJoined() {
        #expect(lines(of: [Array("ab".utf8), Array("c\nde\n\nf".utf8), Array("g".utf8)]) == ["abc", "de", "", "fg"])
        #expect(lines(of: [Array("x\n".utf8)]) == ["x"])
        #expect(lines(of: []) == [])
    }

    @Test func aLongLineIsCutAndCounted() {
        let limit = OutputLines.lineLimit
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: limit + 1000)
        let result = lines(of: [Array(long[..<300]), Array(long[300...]) + Array("\nnext".utf8)])
        #expect(result.count == 2)
        #expect(result[0] == String(repeating: "a", count: limit) + " [1000 more bytes of this line not shown]")
        #expect(result[1] == "next")
    }

    /// 256 MiB in one line, fed 64 KiB at a time, keeps only the limit: a quadratic
    /// reader would not finish this test.
    @Test func aHugeLineIsReadInOnePass() {
        var splitter = OutputLines()
        let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 64 * 1024)
        var emitted: [String] = []
        chunk.withUnsafeBytes { bytes in
            for _ in 0..<(4 * 1024) { splitter.feed(bytes) { emitted.append($0) } }
        }
        splitter.finish { emitted.append($0) }
        #expect(emitted.count == 1)
        #expect(emitted.first?.hasSuffix(" [\(256 * 1024 * 1024 - OutputLines.lineLimit) more bytes of this line not shown]") == true)
    }
}
