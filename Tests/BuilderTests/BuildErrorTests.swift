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
        let error = BuildError(file: "Dockerfile", line: 2, instruction: "RUN\u{1b}[2J false",
                               message: "the command exited with status 1", outputTail: ["oops"])
        #expect(error.cause is StepFailure)
        #expect(error.description == "Dockerfile:2: RUN\\x1B[2J false: the command exited with status 1\n  last output:\n    oops")
    }
}
