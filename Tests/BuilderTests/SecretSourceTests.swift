import Builder
import Testing

/// `--secret` values in docker buildx's forms.
@Suite("--secret values")
struct SecretSourceTests {
    @Test func buildxForms() throws {
        let none: [String: String] = [:]
        #expect(try SecretSource.parse("id=a,src=/k", environment: none) == ("a", SecretSource.file("/k")))
        #expect(try SecretSource.parse("id=a,source=/k,type=file", environment: none) == ("a", SecretSource.file("/k")))
        #expect(try SecretSource.parse("id=a,env=VAR", environment: none) == ("a", SecretSource.environment("VAR")))
        #expect(try SecretSource.parse("id=a,src=VAR,type=env", environment: none) == ("a", SecretSource.environment("VAR")))
        #expect(try SecretSource.parse("id=a,type=env", environment: none) == ("a", SecretSource.environment("a")))
        // `id` alone: the variable of that name when it is set, else the file of that name.
        #expect(try SecretSource.parse("id=TOKEN", environment: ["TOKEN": "x"]) == ("TOKEN", SecretSource.environment("TOKEN")))
        #expect(try SecretSource.parse("id=TOKEN", environment: none) == ("TOKEN", SecretSource.file("TOKEN")))
    }

    @Test func badValuesAreRefusedByTheirKey() {
        for (text, words) in [
            ("id=a,path=/k", "unexpected key 'path'"), ("id=a,type=ssh", "unsupported type 'ssh'"),
            ("token", "expected KEY=VALUE"), ("src=/k", "has no id")
        ] {
            let error = #expect(throws: SecretSourceError.self) { try SecretSource.parse(text, environment: [:]) }
            #expect(error?.description.contains(words) == true, "\(text): \(String(describing: error))")
        }
    }
}
