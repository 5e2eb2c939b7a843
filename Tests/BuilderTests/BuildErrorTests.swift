import Builder
import StepPlan
import Testing

/// The located build error keeps what caused it, and reads as it always did.
@Suite("Located build errors")
struct BuildErrorTests {
    @Test func itCarriesItsCauseAndSaysIt() throws {
        let cause = StageConfigurationError("invalid signal: SIGNOPE")
        let error = BuildError(file: "app/Dockerfile", line: 4, instruction: "STOPSIGNAL SIGNOPE", cause: cause)
        #expect((error.cause as? StageConfigurationError)?.description == "invalid signal: SIGNOPE")
        #expect(error.message == "invalid signal: SIGNOPE")
        #expect(error.description == "app/Dockerfile:4: STOPSIGNAL SIGNOPE: invalid signal: SIGNOPE")
    }

    @Test func aMessageIsAStepFailureAndTheOutputFollows() throws {
        let error = BuildError(
            file: "Dockerfile", line: 2, instruction: "RUN\u{1b}[2J false",
            message: "the command exited with status 1", outputTail: ["oops"])
        #expect(error.cause is StepFailure)
        #expect(error.description == "Dockerfile:2: RUN\\x1B[2J false: the command exited with status 1\n  last output:\n    oops")
    }
}

/// A failure the builder reports with what it was doing keeps the error underneath.
@Suite("Step failures")
struct StepFailureTests {
    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    @Test func itSaysWhatFailedThenItsCause() throws {
        let failure = StepFailure("pulling 'registry.test/app:1' failed", cause: Unreachable())
        #expect(failure.description == "pulling 'registry.test/app:1' failed: connection refused")
        #expect(failure.cause is Unreachable)
        #expect(StepFailure("the command exited with status 2").description == "the command exited with status 2")
        let located = BuildError(file: "Dockerfile", line: 1, instruction: "FROM registry.test/app:1", cause: failure)
        #expect(((located.cause as? StepFailure)?.cause as? Unreachable) != nil)
        #expect(located.description == "Dockerfile:1: FROM registry.test/app:1: pulling 'registry.test/app:1' failed: connection refused")
    }
}
