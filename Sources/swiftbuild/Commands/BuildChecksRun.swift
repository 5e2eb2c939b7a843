import ArgumentParser
import BuildChecks
import Builder
import Dockerfile
import Planner
import Store

/// The CLI's side of the build checks: which options apply, the base images' facts from the
/// store, and the two ways the warnings are printed (`build --check`, or a normal build).
struct BuildChecksRun {
    let dockerfile: ParsedDockerfile
    let options: PlanOptions
    let configuration: CheckOptions

    /// Resolves the check options (`BUILDKIT_DOCKERFILE_CHECK` or `# check=`); an invalid one fails here.
    init(dockerfile: ParsedDockerfile, options: PlanOptions) throws {
        self.dockerfile = dockerfile
        self.options = options
        do {
            self.configuration = try CheckOptions.resolve(dockerfile, buildArgs: options.buildArgs)
        } catch let error as CheckOptionError {
            throw CommandFailure(error.message, cause: error)
        }
    }

    /// Runs the checks over `stages` (nil: all), with what `store` knows of the base images.
    ///
    /// An image the store lacks (or a named context standing in for it) is not fetched
    /// for the checks: its stage is checked without its environment.
    ///
    /// `context` and `dockerfilePath` pick the ignore file CopyIgnoredFile reads, as the
    /// build does (`Dockerfile.dockerignore` next to the Dockerfile, else the context's).
    func warnings(stages: Set<Int>?, store: ImageStore?, context: String, dockerfilePath: String?) -> [CheckWarning] {
        var facts: [Int: BaseImageFacts] = [:]
        let references = BuildChecker.baseImageReferences(of: dockerfile, options: options)
        if let store, !references.isEmpty {
            let stored = (try? store.images()) ?? []
            for (index, reference) in references where !options.namedContexts.contains(reference) {
                guard let entry = try? store.descriptor(named: reference), let details = try? store.inspect(reference) else { continue }
                var known = BaseImageFacts(config: details.config)
                // Of an index, or of several images by one name, the store picks the host's,
                // which need not be the stage's platform: its platform says nothing then (its
                // environment is still the image's).
                let namesakes = stored.filter { $0.name == details.name }.count
                if entry.mediaType.isIndex || namesakes > 1 { known.platform = nil }
                facts[index] = known
            }
        }
        let ignore = try? BuildContext(directory: context, dockerfile: dockerfilePath).ignore
        return BuildChecker.check(
            dockerfile, options: options, configuration: configuration, stages: stages, baseImages: facts, dockerIgnore: ignore)
    }

    /// `error=true` with warnings: the error a build fails with before it runs any step,
    /// worded as BuildKit's (each rule once, in the order first found).
    func violation(_ warnings: [CheckWarning]) -> CommandFailure? {
        guard configuration.errorOnWarning, !warnings.isEmpty else { return nil }
        var rules: [String] = []
        for warning in warnings where !rules.contains(warning.rule.name) { rules.append(warning.rule.name) }
        return CommandFailure("lint violation found for rules: \(rules.joined(separator: ", "))")
    }

    /// Prints a normal build's short summary of `warnings` on standard error (nothing when none).
    static func printSummary(_ warnings: [CheckWarning]) {
        guard !warnings.isEmpty else { return }
        var text = CheckReport.short(warnings)
        if text.hasSuffix("\n") { text.removeLast() }
        printToStandardError(text)
    }
}

extension BuildCommand {
    /// `build --check`: the checks over every stage (or those `--target` needs) and nothing
    /// else. The report goes to standard output, as docker's; the status is 1 when there is
    /// a warning, as docker's, and a Dockerfile the planner refuses fails after the report.
    func runChecksOnly(_ dockerfile: DockerfileOptions, context: String, givenText: String?, store openedStore: ImageStore?) throws {
        let (name, text) = try givenText.map { ("<stdin>", $0) } ?? dockerfile.readDockerfile(defaultDirectory: context)
        let parsed = try DockerfileParser.parse(text, file: name)
        // With several platforms, the checks run for each (base platforms and the
        // platform ARGs differ), and each finding is reported once.
        var found: [CheckWarning] = []
        var plans: [Result<BuildPlan, any Error>] = []
        let checkedStore = openedStore ?? (try? store.openStore())
        for options in try dockerfile.planOptionsPerPlatform() {
            let checks = try BuildChecksRun(dockerfile: parsed, options: options)
            let plan = Result { try BuildPlanner.plan(parsed, options: options) }
            plans.append(plan)
            let stages = options.target == nil ? nil : (try? plan.get()).map { Set($0.stages.filter { !$0.skipped }.map(\.index)) }
            for warning in checks.warnings(
                stages: stages, store: checkedStore, context: context,
                dockerfilePath: givenText == nil && dockerfile.file != "-" ? name : nil) where !found.contains(warning)
            {
                found.append(warning)
            }
        }
        print(CheckReport.verbose(found, file: name, text: text), terminator: "")
        for plan in plans { _ = try plan.get() }
        if !found.isEmpty { throw ExitCode(1) }
    }
}
