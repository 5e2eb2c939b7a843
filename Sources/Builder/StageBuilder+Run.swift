import Dockerfile
import Foundation
import Sandbox
import StepPlan

extension StageBuilder {
    /// Runs a RUN step in the sandbox over a new snapshot.
    ///
    /// - Returns: whether the step changed the filesystem.
    func executeRun(
        _ run: RunStep, mounts: [SandboxMount] = [], secretEnvironment: [String] = [], instruction: Instruction, step: String,
        chain: inout LayerChain
    ) async throws -> Bool {
        let arguments = Self.processArguments(run.command, heredocs: run.heredocs, shell: run.shell)
        try checkEmulator(for: run.target.platform, instruction: instruction)
        return try await inStepMount(for: instruction, target: run.target, step: step, chain: &chain) { root in
            let users = try UserDatabase(root: root.path)
            let user = try users.runUser(run.user)
            var configuration = SandboxConfiguration(rootfs: root.path, arguments: arguments)
            configuration.environment = ProcessEnvironment.prepared(run.environment, home: users.home(uid: user.uid))
            // `env=` secrets win over the image's variables of the same name; not in the key.
            let secretNames = Set(secretEnvironment.map { $0.prefix(while: { $0 != "=" }) })
            configuration.environment.removeAll { secretNames.contains($0.prefix(while: { $0 != "=" })) }
            configuration.environment += secretEnvironment
            // Cleaned, as BuildKit's executor resolves it: `/a/../b` is `/b`, and no `/a` is made.
            configuration.workingDirectory = "/" + RootedPath.clean(run.workingDirectory)
            configuration.uid = user.uid
            configuration.gid = user.gid
            configuration.supplementaryGroups = users.processGroups(of: user)
            configuration.network =
                switch run.network {
                case .none: .none
                case .host: .host
                case .private: .bridge(request.networkSubnet)
                }
            configuration.security = run.insecure ? .insecure : .sandboxed
            configuration.mounts = mounts
            // The build's own values, which the step's key holds as `run.defaults`.
            configuration.extraHosts = request.extraHosts
            configuration.resourceLimits = request.resourceLimits
            if let size = request.sharedMemorySize { configuration.sharedMemorySize = size }
            configuration.cgroupLimits = request.cgroupLimits
            configuration.cgroupParent = request.cgroupParent
            let output = try StepOutput(stage: label, events: events)
            let result: SandboxResult
            do {
                result = try await PhaseTrace.measure(step, "run-process") {
                    try await Sandbox.execute(configuration, output: output.writeDescriptor)
                }
            } catch {
                _ = await output.finish()
                if (error as? SandboxError) == .cancelled { throw CancellationError() }
                throw failure(instruction, error)
            }
            let tail = await output.finish()
            let (status, usage) = (result.status, result.usage)
            stepUsage.record(usage)
            if status != .exited(0), let message = Self.limitFailure(usage: usage, limits: request.cgroupLimits) {
                throw failure(instruction, message, outputTail: tail)
            }
            switch status {
            case .exited(0):
                return
            case .exited(let code):
                throw failure(
                    instruction, "the command exited with status \(code)\(Self.pidsNote(usage, request.cgroupLimits))", outputTail: tail)
            case .signaled(let signal):
                throw failure(
                    instruction, "the command was killed by signal \(signal)\(Self.pidsNote(usage, request.cgroupLimits))", outputTail: tail
                )
            }
        }
    }

    /// The message of a failed step the kernel's OOM killer hit at the memory limit:
    /// `killed: out of memory (limit 64 MiB)`; nil when it did not.
    static func limitFailure(usage: StepUsage, limits: CgroupLimits) -> String? {
        guard usage.outOfMemoryKills > 0 else { return nil }
        return "killed: out of memory" + (limits.memory.map { " (limit \(CgroupLimits.describe(bytes: $0)))" } ?? "")
    }

    /// For a failed step whose fork or clone failed at the process limit: what it hit
    /// (the step's own error, such as `can't fork`, is in its output).
    static func pidsNote(_ usage: StepUsage, _ limits: CgroupLimits) -> String {
        guard usage.pidsLimitHits > 0, let limit = limits.pidsLimit else { return "" }
        let flag = limits.pidsLimitIsDefault ? "the default --pids-limit" : "--pids-limit"
        return " after reaching its process limit (\(flag) \(limit))"
    }

    /// The process's argv, as BuildKit builds it: exec form as written; shell form through
    /// the SHELL; a shell form that is only a here-document runs its body as the script
    /// (through its own `#!` interpreter when it has one); other here-documents are
    /// appended so the shell reads them as its own.
    static func processArguments(_ form: CommandForm, heredocs: [Heredoc], shell: [String]) -> [String] {
        guard case .shell(let text) = form else { return form.arguments }
        if heredocs.count == 1, let only = heredocs.first,
            text.trimmingCharacters(in: .whitespaces).range(
                of: #"^[0-9]*<<-?["']?"# + NSRegularExpression.escapedPattern(for: only.name) + #"["']?$"#,
                options: .regularExpression) != nil
        {
            return only.content.hasPrefix("#!") ? executableScript(only.content) : shell + [only.content]
        }
        guard !heredocs.isEmpty else { return shell + [text] }
        let bodies = heredocs.map { $0.content + $0.name }.joined(separator: "\n")
        return shell + [text + "\n" + bodies + "\n"]
    }

    /// Runs a `#!` script as a file, as BuildKit does: written to the step's own `/dev/shm`
    /// (a tmpfs that never reaches the layer), then run by the interpreter its first line
    /// names, with that line's one optional argument, as the kernel would (`/dev/shm` is
    /// mounted `noexec`, so the file is not exec'd itself).
    private static func executableScript(_ content: String) -> [String] {
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let file = "/dev/shm/swiftbuild-heredoc-\(token)"
        let marker = "SWIFTBUILD_HEREDOC_\(token)"
        let body = content.hasSuffix("\n") ? content : content + "\n"
        let shebang = content.dropFirst(2).prefix(while: { $0 != "\n" }).trimmingCharacters(in: .whitespaces)
        let interpreter = shebang.prefix(while: { !$0.isWhitespace })
        let argument = shebang.dropFirst(interpreter.count).trimmingCharacters(in: .whitespaces)
        let words = [String(interpreter)] + (argument.isEmpty ? [] : [argument]) + [file]
        let command = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return ["/bin/sh", "-c", "cat > \(file) <<'\(marker)'\n\(body)\(marker)\nexec \(command)"]
    }
}
