import BuildChecks
import Dockerfile
import OCI
import Planner
import Testing

/// The options every check test plans with: building on linux/amd64 for linux/amd64.
func checkOptions(target: String? = nil, buildArgs: [String: String] = [:]) -> PlanOptions {
    PlanOptions(
        target: target, buildArgs: buildArgs, buildPlatform: Platform(architecture: "amd64", os: "linux"),
        targetPlatform: Platform(architecture: "amd64", os: "linux"))
}

/// The warnings of `text` in their short form (`Rule: message (line N)`), in reporting order.
func warnings(
    _ text: String, buildArgs: [String: String] = [:], configuration: CheckOptions = CheckOptions(), stages: Set<Int>? = nil,
    baseImages: [Int: BaseImageFacts] = [:]
) throws -> [String] {
    try checkWarnings(text, buildArgs: buildArgs, configuration: configuration, stages: stages, baseImages: baseImages)
        .map(\.shortDescription)
}

func checkWarnings(
    _ text: String, buildArgs: [String: String] = [:], configuration: CheckOptions = CheckOptions(), stages: Set<Int>? = nil,
    baseImages: [Int: BaseImageFacts] = [:], dockerIgnore: DockerIgnore? = nil
) throws -> [CheckWarning] {
    let parsed = try DockerfileParser.parse(text, file: "Dockerfile")
    return BuildChecker.check(
        parsed, options: checkOptions(buildArgs: buildArgs), configuration: configuration, stages: stages, baseImages: baseImages,
        dockerIgnore: dockerIgnore)
}

/// An Alpine-like base image: its config sets PATH only.
let alpineFacts = BaseImageFacts(environment: ["PATH"], platform: Platform(architecture: "amd64", os: "linux"))
