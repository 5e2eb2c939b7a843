import Dockerfile
import Foundation
import StepPlan

/// Which checks run and what a warning does: the `# check=` directive's value, or the
/// `BUILDKIT_DOCKERFILE_CHECK` build arg's, in BuildKit's syntax:
/// `skip=Rule1,Rule2;error=true;experimental=Rule3` (`skip=all`, `experimental=all`).
public struct CheckOptions: Sendable, Equatable {
    /// Rules not to run (non-experimental ones; an experimental rule runs only when named).
    public var skippedRules: Set<String> = []
    /// `skip=all`: no non-experimental rule runs.
    public var skipAll = false
    /// Experimental rules to run.
    public var experimentalRules: Set<String> = []
    /// `experimental=all`.
    public var experimentalAll = false
    /// `error=true`: a build with a warning fails before it runs any step.
    public var errorOnWarning = false

    public init() {}

    /// The build arg that replaces the Dockerfile's `# check=` directive, as in BuildKit.
    public static let buildArgName = "BUILDKIT_DOCKERFILE_CHECK"

    /// Parses an option string the way BuildKit's linter does: at most three `;`-separated
    /// parts (a fourth `;` stays in the third part's value), each `key=value`, keys trimmed;
    /// an empty string is the default (every non-experimental rule, warnings only).
    ///
    /// - Throws: ``CheckOptionError`` for a part without `=`, an unknown key, or an
    ///   `error=` value that is not a Go boolean.
    public init(parsing text: String) throws(CheckOptionError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        for part in trimmed.split(separator: ";", maxSplits: 2, omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: "=") else {
                throw CheckOptionError("invalid check option \(GoFormat.quoted(String(part)))")
            }
            let key = part[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines)
            switch key {
            case "skip":
                if value == "all" { skipAll = true } else { skippedRules = Self.ruleList(value) }
            case "experimental":
                if value == "all" { experimentalAll = true } else { experimentalRules = Self.ruleList(value) }
            case "error":
                guard let flag = Self.goBool(value) else {
                    throw CheckOptionError(
                        "failed to parse check option \(GoFormat.quoted(String(part))): \(GoFormat.quoted(value)) is not a boolean (true or false)"
                    )
                }
                errorOnWarning = flag
            default:
                throw CheckOptionError("invalid check option \(GoFormat.quoted(key))")
            }
        }
    }

    /// Whether `rule` runs under these options.
    public func runs(_ rule: CheckRule) -> Bool {
        if rule.isExperimental { return experimentalAll || experimentalRules.contains(rule.name) }
        return !skipAll && !skippedRules.contains(rule.name)
    }

    private static func ruleList(_ value: String) -> Set<String> {
        Set(value.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    }

    /// Go's `strconv.ParseBool`, which BuildKit parses `error=` with.
    private static func goBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }
}

/// An option string that ``CheckOptions`` cannot parse.
public struct CheckOptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension CheckOptions {
    /// The options of a build: the `BUILDKIT_DOCKERFILE_CHECK` build arg when given (it
    /// replaces the directive, as in BuildKit), else the Dockerfile's `# check=` directive
    /// (its first word: BuildKit reads no further), else the defaults.
    ///
    /// - Throws: a ``DockerfileError`` at the directive's line for an invalid directive, or
    ///   a ``CheckOptionError`` naming the build arg for an invalid build arg.
    public static func resolve(_ dockerfile: ParsedDockerfile, buildArgs: [String: String]) throws -> CheckOptions {
        if let value = buildArgs[buildArgName] {
            do {
                return try CheckOptions(parsing: value)
            } catch {
                throw CheckOptionError("failed to parse \(buildArgName): \(error.message)")
            }
        }
        guard let directive = dockerfile.directives.check else { return CheckOptions() }
        let firstWord = directive.prefix(while: { $0 != " " })
        do {
            return try CheckOptions(parsing: String(firstWord))
        } catch {
            throw DockerfileError(
                file: dockerfile.file, line: dockerfile.directives.checkLine ?? 0,
                message: "failed to parse check options: \(error.message)")
        }
    }
}

extension CheckOptions {
    /// These options with a `check=` comment right above `instruction` added, as BuildKit
    /// reads one for that instruction alone: the first comment that is a `check=` directive
    /// (its first word) adds its skipped and experimental rules; an invalid one is ignored,
    /// and `error=` keeps the file's setting.
    func merging(commentsAbove instruction: Instruction) -> CheckOptions {
        for comment in instruction.precedingComments {
            guard let value = Self.checkDirective(in: comment) else { continue }
            guard let scoped = try? CheckOptions(parsing: String(value.prefix(while: { $0 != " " }))) else { return self }
            var merged = self
            merged.skipAll = merged.skipAll || scoped.skipAll
            merged.skippedRules.formUnion(scoped.skippedRules)
            merged.experimentalAll = merged.experimentalAll || scoped.experimentalAll
            merged.experimentalRules.formUnion(scoped.experimentalRules)
            return merged
        }
        return self
    }

    /// The value of a comment of the form `check=VALUE` (the name in any case, blanks
    /// around `=`), or nil.
    private static func checkDirective(in comment: String) -> String? {
        let text = comment.drop(while: \.isWhitespace)
        let name = text.prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber) })
        guard name.lowercased() == "check" else { return nil }
        let rest = text.dropFirst(name.count).drop(while: \.isWhitespace)
        guard rest.first == "=" else { return nil }
        let value = rest.dropFirst().trimmingCharacters(in: .whitespaces)
        return value.isEmpty ? nil : value
    }
}
