import Dockerfile
import Testing

/// Parses `text` as a Dockerfile named `Dockerfile`.
func parse(_ text: String) throws -> ParsedDockerfile {
    try DockerfileParser.parse(text, file: "Dockerfile")
}

/// The one instruction after `FROM scratch` in `text`.
func instruction(after text: String) throws -> Instruction {
    let parsed = try parse("FROM scratch\n" + text)
    try #require(parsed.instructions.count == 2)
    return parsed.instructions[1]
}

/// The error that parsing `text` gives, as `FILE:LINE: message`.
func parseError(_ text: String) -> String? {
    do {
        _ = try parse(text)
        return nil
    } catch let error as DockerfileError {
        return error.description
    } catch {
        return "unexpected error: \(error)"
    }
}
