import BuildChecks
import Dockerfile
import Testing

@Suite struct CheckOptionsTests {
    @Test func parsesSkipErrorAndExperimental() throws {
        let options = try CheckOptions(parsing: " skip = StageNameCasing, FromAsCasing ;error=true;experimental=all")
        #expect(options.skippedRules == ["StageNameCasing", "FromAsCasing"])
        #expect(options.errorOnWarning)
        #expect(options.experimentalAll)
        #expect(!options.skipAll)
        #expect(try CheckOptions(parsing: "skip=all").skipAll)
        #expect(try CheckOptions(parsing: "error=1").errorOnWarning)
        #expect(try !CheckOptions(parsing: "error=False").errorOnWarning)
        #expect(try CheckOptions(parsing: "") == CheckOptions())
    }

    @Test func rejectsWhatBuildKitRejects() {
        #expect(throws: CheckOptionError.self) { try CheckOptions(parsing: "skip") }
        #expect(throws: CheckOptionError.self) { try CheckOptions(parsing: "error=maybe") }
        #expect(throws: CheckOptionError.self) { try CheckOptions(parsing: "ignore=JSONArgsRecommended") }
        do {
            _ = try CheckOptions(parsing: "skip=A;warn=B")
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.description == #"invalid check option "warn""#)
        }
    }

    @Test func onlyThreePartsAreSplit() throws {
        // BuildKit splits at most three parts: the rest belongs to the third part's value.
        let options = try CheckOptions(parsing: "error=false;skip=A;experimental=B;skip=C")
        #expect(options.skippedRules == ["A"])
        #expect(options.experimentalRules == ["B;skip=C"])
    }

    @Test func skippedRulesDoNotWarn() throws {
        let text = "FROM alpine as Builder\nCMD run\n"
        #expect(try warnings(text).count == 3)
        #expect(
            try warnings(text, configuration: CheckOptions(parsing: "skip=StageNameCasing,FromAsCasing"))
                == ["JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 2)"]
        )
        #expect(try warnings(text, configuration: CheckOptions(parsing: "skip=all")).isEmpty)
        // Experimental rules are not the subject of skip=all; there are none swiftbuild runs.
        #expect(try warnings(text, configuration: CheckOptions(parsing: "skip=all;experimental=all")).isEmpty)
    }

    @Test func directiveOrBuildArgChooses() throws {
        let parsed = try DockerfileParser.parse("# check=skip=JSONArgsRecommended;error=true\nFROM alpine\nCMD run\n")
        let fromDirective = try CheckOptions.resolve(parsed, buildArgs: [:])
        #expect(fromDirective.skippedRules == ["JSONArgsRecommended"] && fromDirective.errorOnWarning)
        // The build arg replaces the directive wholesale, as in BuildKit.
        let fromArg = try CheckOptions.resolve(parsed, buildArgs: ["BUILDKIT_DOCKERFILE_CHECK": "skip=FromAsCasing"])
        #expect(fromArg.skippedRules == ["FromAsCasing"] && !fromArg.errorOnWarning)
        // Only the directive's first word is read.
        let spaced = try DockerfileParser.parse("# check=error=true skip=all\nFROM alpine\n")
        #expect(try CheckOptions.resolve(spaced, buildArgs: [:]) == CheckOptions(parsing: "error=true"))
    }

    @Test func invalidOptionsAreLocated() throws {
        let parsed = try DockerfileParser.parse("# syntax=docker/dockerfile:1\n# check=skip\nFROM alpine\n", file: "app.Dockerfile")
        do {
            _ = try CheckOptions.resolve(parsed, buildArgs: [:])
            Issue.record("an invalid directive was accepted")
        } catch {
            #expect("\(error)" == #"app.Dockerfile:2: failed to parse check options: invalid check option "skip""#)
        }
        do {
            _ = try CheckOptions.resolve(parsed, buildArgs: ["BUILDKIT_DOCKERFILE_CHECK": "error=maybe"])
            Issue.record("an invalid build arg was accepted")
        } catch {
            #expect("\(error)".hasPrefix(#"failed to parse BUILDKIT_DOCKERFILE_CHECK: failed to parse check option "error=maybe""#))
        }
    }

    @Test func reportsRenderAsDockerDoes() throws {
        let text = "FROM alpine\nRUN true\nRUN true\nCMD run\n"
        let found = try checkWarnings(text)
        #expect(
            CheckReport.short(found)
                == "1 warning found (use swiftbuild build --check to expand):\n - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 4)\n"
        )
        // The text ends with a newline, so (as in BuildKit) the empty line after it is quoted too.
        let expected = [
            "Check complete, 1 warning has been found!",
            "",
            "WARNING: JSONArgsRecommended - https://docs.docker.com/go/dockerfile/rule/json-args-recommended/",
            "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals",
            "Dockerfile:4",
            "--------------------",
            "   2 |     RUN true",
            "   3 |     RUN true",
            "   4 | >>> CMD run",
            "   5 |     ",
            "--------------------",
            ""
        ].joined(separator: "\n")
        #expect(CheckReport.verbose(found, file: "Dockerfile", text: text) == expected)
        #expect(CheckReport.verbose([], file: "Dockerfile", text: text) == "Check complete, no warnings found.\n")
    }
}
