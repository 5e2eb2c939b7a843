import Dockerfile

/// Expands words with ARG and ENV values for the planner, locating errors by file and line.
struct ArgExpander {
    let file: String
    let escape: Character

    func expand(_ word: String, scope: [String: String], line: Int) throws(DockerfileError) -> String {
        do {
            return try WordExpander(escapeCharacter: escape).expand(word, environment: scope).value
        } catch {
            throw DockerfileError(file: file, line: line, message: "\(error)")
        }
    }
}
