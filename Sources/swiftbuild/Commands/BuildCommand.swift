import ArgumentParser
import BuildChecks
import Builder
import Foundation
import OCI
import OCIArchive
import Planner
import Registry
import Sandbox
import Store

/// `swiftbuild build` (the default): builds an image from a Dockerfile and a context directory.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image from a Dockerfile (the default command)."
    )

    @OptionGroup var dockerfile: DockerfileOptions
    @OptionGroup var store: StoreOptions
    @OptionGroup var registry: RegistryOptions

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Name the result NAME[:TAG] (repeatable).")
    var tags: [String] = []

    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "Also write the result: type=oci|docker|local|tar,dest=PATH[,tar=false], type=image|registry[,name=NAME,push=true]; image outputs take compression=gzip|zstd|uncompressed,compression-level=N,force-compression=true (repeatable).",
            valueName: "SPEC"))
    var outputs: [String] = []

    @Option(help: "Write the image ID to this file.")
    var iidfile: String?

    @Option(
        name: .customLong("build-context"),
        help: ArgumentHelp(
            "A named context for COPY --from=NAME and FROM NAME (repeatable): a directory, docker-image://REF or oci-layout://PATH[:TAG].",
            valueName: "NAME=VALUE"))
    var buildContexts: [String] = []

    @Option(
        name: .customLong("secret"),
        help: ArgumentHelp(
            "A secret for RUN --mount=type=secret (repeatable): id=ID,src=PATH or id=ID,env=VAR (type=file|env optional).",
            valueName: "SPEC"))
    var secrets: [String] = []

    @Option(
        name: .customLong("ssh"),
        help: ArgumentHelp(
            "An SSH agent for RUN --mount=type=ssh (repeatable): ID (the agent $SSH_AUTH_SOCK names; usually 'default') or ID=SOCKET|KEYFILE[,KEYFILE...].",
            valueName: "ID[=PATH]"))
    var ssh: [String] = []

    @Option(
        name: .customLong("add-host"),
        help: ArgumentHelp("Add a line to the /etc/hosts of every RUN step (repeatable).", valueName: "HOST:IP"))
    var addHosts: [String] = []

    @Option(
        name: .customLong("ulimit"),
        help: ArgumentHelp("A resource limit of every RUN step (repeatable), as docker's.", valueName: "NAME=SOFT[:HARD]"))
    var ulimits: [String] = []

    @Option(name: .customLong("shm-size"), help: ArgumentHelp("The size of every RUN step's /dev/shm (default 64m).", valueName: "SIZE"))
    var shmSize: String?

    @Option(name: .customLong("memory"), help: ArgumentHelp("The memory limit of every RUN step (e.g. 512m, 2g).", valueName: "SIZE"))
    var memory: String?

    @Option(
        name: .customLong("memory-swap"),
        help: ArgumentHelp("Memory plus swap of every RUN step; -1 for unlimited swap (default: twice --memory).", valueName: "SIZE"))
    var memorySwap: String?

    @Option(name: .customLong("cpus"), help: ArgumentHelp("The CPUs every RUN step may use (CFS quota, e.g. 0.5 or 2).", valueName: "N"))
    var cpus: String?

    @Option(
        name: .customLong("cpu-shares"), help: ArgumentHelp("The relative CPU weight of every RUN step (default 1024).", valueName: "N"))
    var cpuShares: Int?

    @Option(
        name: .customLong("pids-limit"),
        help: ArgumentHelp("The process limit of every RUN step; -1 for none (default 4096).", valueName: "N"))
    var pidsLimit: Int?

    @Option(
        name: .customLong("cgroup-parent"),
        help: ArgumentHelp("The cgroup RUN steps' cgroups are made under (default: swiftbuild's own).", valueName: "PATH"))
    var cgroupParent: String?

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp("Set a label on the image (repeatable); it wins over the Dockerfile's LABEL.", valueName: "KEY=VALUE"))
    var labels: [String] = []

    @Option(
        name: .customLong("annotation"),
        help: ArgumentHelp("Add an annotation to the image manifest (repeatable).", valueName: "[manifest:]KEY=VALUE"))
    var annotations: [String] = []

    @Option(
        help: ArgumentHelp("Write the build's result (digests, names) as JSON to this file, with docker buildx's keys.", valueName: "PATH"))
    var metadataFile: String?

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print only the image ID on success.")
    var quiet = false

    @Option(help: "Progress output: auto, plain, tty or quiet.")
    var progress: ProgressMode = .auto

    @Option(help: "The network RUN steps use by default: host, none or private.")
    var network: StepNetwork = .host

    @Option(help: "The IPv4 range (CIDR) of --network private, default \(IPv4Subnet.default).")
    var networkSubnet: String?

    @Option(
        help: ArgumentHelp(
            "Allow a privileged feature (repeatable): security.insecure, for RUN --security=insecure.", valueName: "ENTITLEMENT"))
    var allow: [Entitlement] = []

    @Option(
        help: ArgumentHelp(
            "Check the executables the build adds against the image's C library: warn, error (exit 3, nothing tagged) or off.",
            valueName: "MODE"))
    var elfCheck: ELFCheckPolicy = .warn

    @Option(help: ArgumentHelp("Build at most N independent stages at the same time (default: the number of cores).", valueName: "N"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Run every step, even those whose result is in the build cache (the results are still recorded).")
    var noCache = false

    @Flag(help: "Run the build checks (BuildKit's Dockerfile linter) and print their findings instead of building; status 1 on a warning.")
    var check = false

    @Flag(help: "Pull every FROM image from its registry, even when the store has one by that name.")
    var pull = false

    @Flag(help: "Push the result to the registry of each -t name.")
    var push = false

    @Flag(
        help:
            "Make an SPDX SBOM of the image (of each platform's image), stored and pushed with it (an OCI artifact referring to it); sbom.spdx.json in --output type=local; also written --sbom=true or --sbom=false."
    )
    var sbom = false

    /// What each `--sbom=VALUE` becomes before parsing (see ``AttestOption/rewritingSBOMValues(_:otherSubcommands:)``).
    @Option(name: .customLong("sbom-value"), help: .hidden)
    var sbomValues: [String] = []

    @Option(help: ArgumentHelp("An attestation, as docker buildx: type=sbom is --sbom (repeatable; no other type).", valueName: "SPEC"))
    var attest: [String] = []

    @Option(
        help: ArgumentHelp("Import the build cache from a registry first (repeatable): type=registry,ref=HOST/REPO:TAG.", valueName: "SPEC")
    )
    var cacheFrom: [String] = []

    @Option(
        help: ArgumentHelp(
            "Export the cache records of this build's steps to a registry: type=registry,ref=HOST/REPO:TAG.", valueName: "SPEC"))
    var cacheTo: [String] = []

    @Option(
        help: ArgumentHelp(
            "After a successful build, when the store takes more than SIZE, remove build cache entries least recently used first until it fits (default: $SWIFTBUILD_GC_KEEP_STORAGE, else no collection).",
            valueName: "SIZE"))
    var gcKeepStorage: String?

    @Argument(
        help: "The build context: a directory, a tar archive, '-' (a tar or a Dockerfile on standard input) or a git URL (URL#REF:SUBDIR).")
    var context: String = "."

    func run() async throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if push && tags.isEmpty { throw ValidationError("--push needs at least one -t NAME to push to") }
        let makeSBOM = try AttestOption.wantsSBOM(attest: attest, sbomFlag: sbom, sbomValues: sbomValues)
        let cacheSources = try cacheFrom.map { try CacheLocation(parsing: $0, option: "--cache-from") }
        let cacheTargets = try cacheTo.map { try CacheLocation(parsing: $0, option: "--cache-to") }
        let labelValues = try LabelOption.dictionary(labels)
        let extraHosts = try AddHostOption.entries(addHosts)
        var namedContexts: [String: NamedContext] = [:]
        for text in buildContexts {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--build-context \(text): expected NAME=VALUE")
            }
            do {
                namedContexts[String(text[..<equals])] = try NamedContext(parsing: String(text[text.index(after: equals)...]))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        var secretSources: [String: SecretSource] = [:]
        for text in secrets {
            do {
                let (id, source) = try SecretSource.parse(text, environment: ProcessInfo.processInfo.environment)
                secretSources[id] = source
            } catch {
                throw ValidationError("\(error)")
            }
        }
        var sshSources: [String: SSHSource] = [:]
        for text in ssh {
            do {
                let (id, source) = try SSHSource.parse(text, environment: ProcessInfo.processInfo.environment)
                sshSources[id] = source
            } catch {
                throw ValidationError("\(error)")
            }
        }
        let resourceLimits = try ulimits.map { (text: String) throws -> ResourceLimit in
            do { return try ResourceLimit(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        let sharedMemorySize = try shmSize.map(SharedMemorySizeOption.bytes)
        var cgroupLimits = CgroupLimits()
        do {
            try cgroupLimits.setMemory(memory, swap: memorySwap)
            if let cpus { try cgroupLimits.setCPUs(cpus) }
            if let cpuShares { try cgroupLimits.setCPUShares(cpuShares) }
            if let pidsLimit { try cgroupLimits.setPidsLimit(pidsLimit) }
        } catch {
            throw ValidationError("\(error)")
        }
        let subnet = try networkSubnet.map { text throws -> IPv4Subnet in
            guard let subnet = IPv4Subnet(text) else {
                throw ValidationError(
                    "--network-subnet \(text): expected an IPv4 network such as 10.213.0.0/16 (prefix 1 to 30, no host bits)")
            }
            return subnet
        }
        if let cgroupParent, !CgroupLimits.isValidCgroupParent(cgroupParent) {
            throw ValidationError("--cgroup-parent \(cgroupParent): expected a cgroup path without . or .. components")
        }
        let manifestAnnotations = try AnnotationOption.dictionary(annotations)
        let garbageBudget = try AutomaticGarbageCollection.budget(flag: gcKeepStorage, environment: ProcessInfo.processInfo.environment)
        try await reportingBuildFailures {
            let outputs = try self.outputs.map(BuildOutput.init(parsing:))
            let compression = try BuildOutput.buildCompression(of: outputs)
            let tags = self.tags + outputs.flatMap(\.names)
            if outputs.contains(where: \.push) && tags.isEmpty {
                throw ValidationError("--output type=registry (or push=true) needs a name: -t NAME or name=NAME")
            }
            if context == "-" && dockerfile.file == "-" {
                throw CommandFailure("the Dockerfile and the build context cannot both come from standard input")
            }
            var openedStore: ImageStore?
            let source = try BuildContextSource.prepare(context) {
                let opened = try store.openStore()
                openedStore = opened
                return opened
            }
            defer { source.cleanUp() }
            let context = source.directory
            var dockerfile = self.dockerfile
            if source.isPrepared, let file = dockerfile.file, file != "-", !file.hasPrefix("/") {
                dockerfile.file = (context as NSString).appendingPathComponent(file)
            }
            dockerfile.namedContexts = Set(namedContexts.keys)
            if check {
                return try runChecksOnly(dockerfile, context: context, givenText: source.dockerfileText, store: openedStore)
            }
            let plan = try dockerfile.loadPlan(defaultDirectory: context, givenText: source.dockerfileText)
            for warning in plan.warnings { printToStandardError("warning: \(warning)") }
            let imageStore = try openedStore ?? store.openStore()
            // `--platform P1,P2,...`: the graph is planned (and checked) once per platform.
            let platformOptions = try dockerfile.planOptionsPerPlatform()
            let platformTargets =
                platformOptions.count < 2
                ? []
                : try platformOptions.map {
                    PlatformTarget(platform: $0.targetPlatform, plan: try BuildPlanner.plan(plan.dockerfile, options: $0))
                }
            let checks = try BuildChecksRun(dockerfile: plan.dockerfile, options: dockerfile.planOptions())
            var checkWarnings: [CheckWarning] = []
            let checkRuns: [(PlanOptions, BuildPlan)] =
                platformTargets.isEmpty ? [(try dockerfile.planOptions(), plan)] : Array(zip(platformOptions, platformTargets.map(\.plan)))
            for (options, checkedPlan) in checkRuns {
                for warning in try BuildChecksRun(dockerfile: plan.dockerfile, options: options).warnings(
                    stages: Set(checkedPlan.stages.filter { !$0.skipped }.map(\.index)), store: imageStore, context: context,
                    dockerfilePath: dockerfile.file == "-" || source.dockerfileText != nil ? nil : plan.file)
                where !checkWarnings.contains(warning) {
                    checkWarnings.append(warning)
                }
            }
            if let violation = checks.violation(checkWarnings) {
                BuildChecksRun.printSummary(checkWarnings)
                throw violation
            }
            let renderer = ProgressRenderer(mode: resolvedProgress)
            let quietTransfers = resolvedProgress == .quiet
            // The check summary comes after the build (also a failed one), before the image ID.
            var summaryPending = true
            defer { if summaryPending { BuildChecksRun.printSummary(checkWarnings) } }
            let result = try await RegistryClient.withClient(configuration: registry.configuration()) { client in
                var request = BuildRequest(
                    plan: plan, options: try dockerfile.planOptions(), contextDirectory: URL(fileURLWithPath: context),
                    dockerfilePath: dockerfile.file == "-" || source.dockerfileText != nil ? nil : URL(fileURLWithPath: plan.file),
                    tags: tags,
                    network: network, sourceDateEpoch: ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int($0) },
                    elfCheck: elfCheck, jobs: jobs, noCache: noCache,
                    baseImageFetcher: RegistryImageFetcher(client: client, quiet: quietTransfers, live: renderer.live), alwaysPull: pull,
                    entitlements: Set(allow))
                request.labels = labelValues
                request.extraHosts = extraHosts
                request.namedContexts = namedContexts
                request.secrets = secretSources
                request.sshSources = sshSources
                request.resourceLimits = resourceLimits
                request.sharedMemorySize = sharedMemorySize
                request.cgroupLimits = cgroupLimits
                request.cgroupParent = cgroupParent
                if let subnet { request.networkSubnet = subnet }
                request.manifestAnnotations = manifestAnnotations
                request.platformTargets = platformTargets
                if let compression {
                    request.compression = compression.layers
                    request.forceCompression = compression.force
                }
                var session = BuildSession(
                    request: request, registry: RegistryBuildTransfers(client: client, quiet: quietTransfers, live: renderer.live))
                session.cacheImports = cacheSources.map(\.reference)
                session.cacheExports = cacheTargets.map(\.reference)
                session.push = push
                session.sbom = makeSBOM
                session.outputs = outputs
                session.imageIDFile = iidfile.map(URL.init(fileURLWithPath:))
                session.metadataFile = metadataFile.map(URL.init(fileURLWithPath:))
                let configured = session
                return try await renderer.displaying {
                    try await configured.run(
                        in: imageStore, events: { renderer.handle($0) },
                        warning: { printToStandardError("warning: \($0)") },
                        interruptible: BuildInterruption.cancellingOnSignals)
                }
            }
            summaryPending = false
            BuildChecksRun.printSummary(checkWarnings)
            if let garbageBudget { AutomaticGarbageCollection.run(imageStore, keepStorage: garbageBudget) }
            print(result.descriptor.digest.description)
        }
    }

    private var resolvedProgress: ProgressMode {
        if quiet { return .quiet }
        guard progress == .auto || progress == .tty else { return progress }
        return Terminal.canDrawLive(on: STDERR_FILENO, environment: ProcessInfo.processInfo.environment) ? .tty : .plain
    }
}

extension ProgressMode: ExpressibleByArgument {}
extension StepNetwork: ExpressibleByArgument {}
extension Entitlement: ExpressibleByArgument {}
extension ELFCheckPolicy: ExpressibleByArgument {}
