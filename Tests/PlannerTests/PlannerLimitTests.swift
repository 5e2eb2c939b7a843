import Dockerfile
import Planner
import Testing

/// Planning costs time linear in the file, and runaway values stop at the limits.
@Suite("Planning limits")
struct PlannerLimitTests {
    /// 5,000 stages each FROM the previous (quadratic time and recursion as deep as the
    /// chain before): planned, with every stage in its own wave and the ENV of the first
    /// stage reaching the last.
    @Test func aLongChainOfStagesPlans() throws {
        var text = "FROM busybox AS s0\nENV FIRST=one\n"
        for index in 1..<5_000 { text += "FROM s\(index - 1) AS s\(index)\nCOPY --from=s\(index - 1) /a /b\n" }
        text += "FROM s4999\nCOPY --from=${FIRST:-missing} /x /y\n"
        let error = planError(text)
        // `one` is no stage: it is an image reference, so planning succeeds.
        #expect(error == nil)
        let planned = try plan(text)
        #expect(planned.buildOrder.count == 5_001)
        #expect(planned.buildOrder.allSatisfy { $0.count == 1 })
        #expect(planned.stages.last?.imageReferences == ["one"])
    }

    /// A stage's wave is one after the latest of its dependencies'.
    @Test func wavesFollowTheLongestPath() throws {
        let planned = try plan(
            """
            FROM scratch AS a
            FROM scratch AS b
            FROM a AS c
            COPY --from=b / /
            FROM c AS d
            FROM scratch AS e
            COPY --from=a / /
            FROM d
            COPY --from=e / /
            """)
        #expect(planned.buildOrder == [[0, 1], [2, 4], [3], [5]])
    }

    /// 25 ENV lines that each double the previous value used to take minutes and
    /// gigabytes; the value now stops at 1 MiB with an error naming the line.
    @Test func aDoublingValueStopsAtTheLimit() {
        var text = "FROM scratch\nENV v0=0123456789abcdef\n"
        for line in 1...25 { text += "ENV v\(line)=$v\(line - 1)$v\(line - 1)\n" }
        #expect(
            planError(text)
                == "Dockerfile:19: failed to process \"$v16$v16\": the expanded value is longer than 1048576 bytes, the limit for one word")
    }

    /// 20,000 nested `${a:-` used to crash `parse` (stack overflow).
    @Test func deeplyNestedExpansionIsAnError() {
        let word = String(repeating: "${a:-", count: 20_000) + "x" + String(repeating: "}", count: 20_000)
        let error = planError("ARG V=\(word)\nFROM scratch\n")
        #expect(error?.hasPrefix("Dockerfile:1: failed to process \"${a:-${a:-") == true)
        #expect(error?.hasSuffix("more bytes]\": ${...} nested more than 100 deep") == true)
    }
}
