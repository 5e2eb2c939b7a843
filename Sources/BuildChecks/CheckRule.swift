/// One of BuildKit's Dockerfile build checks: its name, what it is about and where it is documented.
///
/// The names, descriptions, URLs and message texts are BuildKit's (its linter's rule set),
/// so a CI log reads the same whichever tool ran the check, and `# check=skip=NAME`
/// names the same rules.
public struct CheckRule: Sendable, Hashable {
    /// The rule's name, as `skip=` and `experimental=` name it.
    public let name: String
    /// What the rule is about, in one sentence.
    public let description: String
    /// The rule's documentation page; nil for a rule BuildKit documents nowhere.
    public let url: String?
    /// An experimental rule runs only when `experimental=` names it (or says `all`).
    public let isExperimental: Bool

    init(_ name: String, _ description: String, url: String?, experimental: Bool = false) {
        self.name = name
        self.description = description
        self.url = url
        self.isExperimental = experimental
    }

    private static func page(_ slug: String) -> String { "https://docs.docker.com/go/dockerfile/rule/\(slug)/" }

    public static let stageNameCasing = CheckRule(
        "StageNameCasing", "Stage names should be lowercase", url: page("stage-name-casing"))
    public static let fromAsCasing = CheckRule(
        "FromAsCasing", "The 'as' keyword should match the case of the 'from' keyword", url: page("from-as-casing"))
    public static let noEmptyContinuation = CheckRule(
        "NoEmptyContinuation", "Empty continuation lines will become errors in a future release",
        url: page("no-empty-continuation"))
    public static let consistentInstructionCasing = CheckRule(
        "ConsistentInstructionCasing",
        "All commands within the Dockerfile should use the same casing (either upper or lower)",
        url: page("consistent-instruction-casing"))
    public static let duplicateStageName = CheckRule(
        "DuplicateStageName", "Stage names should be unique", url: page("duplicate-stage-name"))
    public static let reservedStageName = CheckRule(
        "ReservedStageName", "Reserved words should not be used as stage names", url: page("reserved-stage-name"))
    public static let jsonArgsRecommended = CheckRule(
        "JSONArgsRecommended",
        "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
        url: page("json-args-recommended"))
    public static let maintainerDeprecated = CheckRule(
        "MaintainerDeprecated", "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
        url: page("maintainer-deprecated"))
    public static let undefinedArgInFrom = CheckRule(
        "UndefinedArgInFrom", "FROM command must use declared ARGs", url: page("undefined-arg-in-from"))
    public static let workdirRelativePath = CheckRule(
        "WorkdirRelativePath",
        "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
        url: page("workdir-relative-path"))
    public static let undefinedVar = CheckRule(
        "UndefinedVar", "Variables should be defined before their use", url: page("undefined-var"))
    public static let multipleInstructionsDisallowed = CheckRule(
        "MultipleInstructionsDisallowed", "Multiple instructions of the same type should not be used in the same stage",
        url: page("multiple-instructions-disallowed"))
    public static let legacyKeyValueFormat = CheckRule(
        "LegacyKeyValueFormat", "Legacy key/value format with whitespace separator should not be used",
        url: page("legacy-key-value-format"))
    public static let invalidBaseImagePlatform = CheckRule(
        "InvalidBaseImagePlatform", "Base image platform does not match expected target platform", url: nil)
    public static let redundantTargetPlatform = CheckRule(
        "RedundantTargetPlatform",
        "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
        url: page("redundant-target-platform"))
    public static let secretsUsedInArgOrEnv = CheckRule(
        "SecretsUsedInArgOrEnv", "Sensitive data should not be used in the ARG or ENV commands",
        url: page("secrets-used-in-arg-or-env"))
    public static let invalidDefaultArgInFrom = CheckRule(
        "InvalidDefaultArgInFrom", "Default value for global ARG results in an empty or invalid base image name",
        url: page("invalid-default-arg-in-from"))
    public static let fromPlatformFlagConstDisallowed = CheckRule(
        "FromPlatformFlagConstDisallowed", "FROM --platform flag should not use a constant value",
        url: page("from-platform-flag-const-disallowed"))
    public static let exposeProtoCasing = CheckRule(
        "ExposeProtoCasing", "Protocol in EXPOSE instruction should be lowercase", url: page("expose-proto-casing"))
    public static let exposeInvalidFormat = CheckRule(
        "ExposeInvalidFormat",
        "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release",
        url: page("expose-invalid-format"))
    /// Experimental in BuildKit: a comment right above FROM or ARG should describe it.
    public static let invalidDefinitionDescription = CheckRule(
        "InvalidDefinitionDescription",
        "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.",
        url: page("invalid-definition-description"), experimental: true)

    /// Experimental in BuildKit: COPY or ADD of a context path that `.dockerignore` leaves out.
    public static let copyIgnoredFile = CheckRule(
        "CopyIgnoredFile", "Attempting to Copy file that is excluded by .dockerignore", url: page("copy-ignored-file"),
        experimental: true)

    /// Every rule swiftbuild runs, in BuildKit's order.
    public static let all: [CheckRule] = [
        stageNameCasing, fromAsCasing, noEmptyContinuation, consistentInstructionCasing, duplicateStageName,
        reservedStageName, jsonArgsRecommended, maintainerDeprecated, undefinedArgInFrom, workdirRelativePath,
        undefinedVar, multipleInstructionsDisallowed, legacyKeyValueFormat, invalidBaseImagePlatform,
        redundantTargetPlatform, secretsUsedInArgOrEnv, invalidDefaultArgInFrom, fromPlatformFlagConstDisallowed,
        exposeProtoCasing, exposeInvalidFormat
    ]
}
