import Testing

@testable import swiftbuild

/// `--sbom[=VALUE]` and `--attest type=sbom,...` read as buildx reads them (pure; the
/// end-to-end forms are in SBOMTests).
struct AttestOptionTests {
    static let others: Set<String> = ["push", "images", "system"]

    @Test func sbomValuesAreRewrittenOnlyOnABuildCommandLineBeforeTheTerminator() {
        #expect(
            AttestOption.rewritingSBOMValues(["build", "--sbom=true", "-t", "a", "."], otherSubcommands: Self.others)
                == ["build", "--sbom-value=true", "-t", "a", "."])
        // No subcommand: build is the default.
        #expect(
            AttestOption.rewritingSBOMValues(["--sbom=false", "--sbom", "."], otherSubcommands: Self.others)
                == ["--sbom-value=false", "--sbom", "."])
        // An empty value is no request.
        #expect(AttestOption.rewritingSBOMValues(["build", "--sbom=", "."], otherSubcommands: Self.others) == ["build", "."])
        #expect(
            AttestOption.rewritingSBOMValues(["build", "--", "--sbom=true"], otherSubcommands: Self.others)
                == ["build", "--", "--sbom=true"])
        #expect(AttestOption.rewritingSBOMValues(["push", "--sbom=true"], otherSubcommands: Self.others) == ["push", "--sbom=true"])
        #expect(
            AttestOption.rewritingSBOMValues(["build", "--build-arg=--sbom=true", "."], otherSubcommands: Self.others)
                == ["build", "--build-arg=--sbom=true", "."])
    }

    @Test func sbomOnAnotherSubcommandsLineIsNamedBeforeTheTerminatorOnly() {
        #expect(
            AttestOption.sbomOutsideBuild(["push", "--sbom=true", "app"], otherSubcommands: Self.others)
                == "--sbom=true: --sbom is an option of build, not of push; build --sbom stores the SBOM with the image, and push and save carry it"
        )
        #expect(AttestOption.sbomOutsideBuild(["push", "app", "--sbom"], otherSubcommands: Self.others)?.hasPrefix("--sbom: ") == true)
        #expect(AttestOption.sbomOutsideBuild(["push", "--", "--sbom=true"], otherSubcommands: Self.others) == nil)
        #expect(AttestOption.sbomOutsideBuild(["push", "--sbomx", "app"], otherSubcommands: Self.others) == nil)
        #expect(AttestOption.sbomOutsideBuild(["build", "--sbom=true", "."], otherSubcommands: Self.others) == nil)
        #expect(AttestOption.sbomOutsideBuild(["--sbom=true", "."], otherSubcommands: Self.others) == nil)
    }

    @Test func theLastSpecDecidesAndSBOMValuesComeAfterAttest() throws {
        func wants(_ attest: [String], flag: Bool = false, _ values: [String] = []) throws -> Bool {
            try AttestOption.wantsSBOM(attest: attest, sbomFlag: flag, sbomValues: values)
        }
        #expect(try !wants([]))
        #expect(try wants([], flag: true))
        #expect(try wants(["type=sbom"]))
        #expect(try !wants(["type=sbom,disabled=true"]))
        #expect(try wants(["type=sbom,disabled=true", "type=sbom"]))
        #expect(try !wants(["type=sbom"], ["false"]))
        #expect(try wants(["type=sbom,disabled=1"], ["T"]))
        #expect(try !wants([], flag: true, ["0"]))
        #expect(try !wants([], ["disabled=TRUE"]))
        #expect(AttestOption.sbomSpec("True") == "type=sbom")
        #expect(AttestOption.sbomSpec("f") == "type=sbom,disabled=true")
        #expect(AttestOption.sbomSpec("yes") == "type=sbom,yes")
        #expect(throws: (any Error).self) { try wants(["type=sbom,generator=image"]) }
        #expect(throws: (any Error).self) { try wants([], ["generator=image"]) }
        #expect(throws: (any Error).self) { try wants(["type=sbom,disabled=yes"]) }
        #expect(throws: (any Error).self) { try wants(["type=provenance"]) }
        #expect(throws: (any Error).self) { try wants(["type=sbom,mode=max"]) }
    }
}
