import CSandbox
import Foundation
import Glibc
import Synchronization
import System

/// A build step running in a sandbox, from ``launch(_:output:)`` until ``wait()`` returns.
///
/// Each process has a dedicated thread that clones the sandbox, then blocks until it ends:
/// the sandbox's init dies with that thread (`PR_SET_PDEATHSIG`), so the thread must not be
/// one a pool might retire. When the init is gone, the thread removes the mount points it
/// created, then delivers the outcome.
public final class SandboxProcess: Sendable {
    private struct State {
        /// The init's pidfd while it is running (signals never reach a recycled pid).
        var pidfd: Int32 = -1
        /// Set by ``kill()``: an init killed without a step status was cancelled.
        var killed = false
        var outcome: Result<ExitStatus, SandboxError>?
        /// What the step used, from its cgroups, once it ended.
        var usage: StepUsage?
        var waiters: [CheckedContinuation<Result<ExitStatus, SandboxError>, Never>] = []
    }

    private let state = Mutex(State())

    private init() {}

    /// Prepares the root and starts `configuration`'s command in a new sandbox, writing
    /// its output to `output`. Returns once the sandbox's init runs; setup errors inside the
    /// sandbox come from ``wait()``.
    public static func launch(_ configuration: SandboxConfiguration, output: Int32) async throws(SandboxError)
        -> SandboxProcess
    {
        try configuration.validate()
        let process = SandboxProcess()
        let started = await withCheckedContinuation { continuation in
            let thread = Thread {
                process.supervise(configuration, output: output, started: continuation)
            }
            thread.name = "sandbox \(configuration.arguments[0])"
            thread.start()
        }
        try started.get()
        return process
    }

    /// Kills the step's whole process tree (SIGKILL to the sandbox's init ends its PID
    /// namespace); ``wait()`` then throws ``SandboxError/cancelled``. Does nothing once the
    /// step has ended.
    public func kill() {
        state.withLock { state in
            state.killed = true
            if state.pidfd >= 0 {
                // Fails only when the init is already gone, which is the goal.
                _ = csandbox_kill(state.pidfd, SIGKILL)
            }
        }
    }

    /// Sends `signal` to the sandbox's init, which forwards SIGTERM, SIGINT, SIGHUP and
    /// SIGQUIT to the step (and ignores other signals). Does nothing once the step has ended.
    public func signal(_ signal: Int32) {
        state.withLock { state in
            if state.pidfd >= 0 {
                // Fails only when the init is already gone.
                _ = csandbox_kill(state.pidfd, signal)
            }
        }
    }

    /// Waits for the step to end and for the root to be cleaned up.
    public func wait() async throws(SandboxError) -> ExitStatus {
        try await outcome().get()
    }

    /// What the step used (peak memory, CPU time, limits hit), from its cgroups; nil until
    /// it has ended, or when it never started.
    public var usage: StepUsage? { state.withLock { $0.usage } }

    /// The step's outcome, once known.
    func outcome() async -> Result<ExitStatus, SandboxError> {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if let outcome = state.outcome {
                    continuation.resume(returning: outcome)
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    /// The dedicated thread's work: prepare (mount points, the step's cgroups), spawn, report
    /// the start, wait, clean up.
    private func supervise(
        _ configuration: SandboxConfiguration, output: Int32,
        started: CheckedContinuation<Result<Void, SandboxError>, Never>
    ) {
        let mountPoints: MountPoints
        do throws(SandboxError) {
            mountPoints = try MountPoints(
                rootfs: configuration.rootfs, kept: ["/proc", "/sys", "/dev", "/etc"], directories: [],
                files: ["/etc/hosts"] + (configuration.resolvConf == nil ? [] : ["/etc/resolv.conf"]))
        } catch {
            started.resume(returning: .failure(error))
            return
        }
        let stepMounts: StepMounts
        do throws(SandboxError) {
            stepMounts = try StepMounts(configuration.mounts, rootfs: configuration.rootfs)
        } catch {
            try? mountPoints.remove()
            started.resume(returning: .failure(error))
            return
        }

        let cgroup: StepCgroup?
        let network: (any PreparedNetwork)?
        let specification: SpawnSpecification
        do throws(SandboxError) {
            cgroup = try StepCgroup.create(limits: configuration.cgroupLimits, cgroupParent: configuration.cgroupParent)
            do throws(SandboxError) {
                if case .bridge(let subnet) = configuration.network {
                    network =
                        RootlessProcess.isRootless ? try UserModeNetwork.start() : try BridgeNetwork.acquire(subnet: subnet)
                } else {
                    network = nil
                }
                do throws(SandboxError) {
                    specification = try SpawnSpecification(
                        configuration, output: output, cgroupProcs: cgroup?.procsDescriptors ?? [],
                        network: network?.namespace ?? -1,
                        resolvConf: network?.resolvConf(host: configuration.resolvConf))
                } catch {
                    try? network?.release()
                    throw error
                }
            } catch {
                try? cgroup?.remove()
                throw error
            }
        } catch {
            try? stepMounts.detach()
            try? mountPoints.remove()
            started.resume(returning: .failure(error))
            return
        }
        var pidfd: Int32 = -1
        var reports: Int32 = -1
        let pid = withExtendedLifetime(specification) {
            withUnsafePointer(to: specification.spec) { csandbox_spawn($0, &pidfd, &reports) }
        }
        guard pid >= 0 else {
            let error = SandboxError.system(.last("clone the sandbox for", path: configuration.rootfs))
            try? network?.release()
            try? cgroup?.remove()
            try? stepMounts.detach()
            try? mountPoints.remove()
            started.resume(returning: .failure(error))
            return
        }
        state.withLock { $0.pidfd = pidfd }
        started.resume(returning: .success(()))

        let reportsFile = FileDescriptor(adopting: reports)
        var outcome = Self.readReports(reportsFile.rawValue, rootfs: configuration.rootfs)
        try? reportsFile.close()
        var initStatus: Int32 = 0
        if csandbox_wait(pidfd, &initStatus) != 0, outcome == nil {
            outcome = .failure(.system(.last("wait for the sandbox of", path: configuration.rootfs)))
        }
        let killed = state.withLock { state in
            close(state.pidfd)
            state.pidfd = -1
            return state.killed
        }
        var result = outcome ?? .failure(killed ? .cancelled : .initEnded(ExitStatus(waitStatus: initStatus)))

        // Read before removal: the init is gone, so every process of the step is.
        let killedBySignal9: Bool
        switch result {
        case .success(.signaled(SIGKILL)), .success(.exited(128 + SIGKILL)): killedBySignal9 = true
        default: killedBySignal9 = false
        }
        let usage = cgroup?.usage(killedBySignal9: killedBySignal9)
        do throws(SandboxError) {
            try cgroup?.remove()
        } catch {
            if case .success = result { result = .failure(error) }
        }
        do throws(SandboxError) {
            try network?.release()
        } catch {
            if case .success = result { result = .failure(error) }
        }
        do throws(SandboxError) {
            try stepMounts.detach()
            try mountPoints.remove()
        } catch {
            if case .success = result { result = .failure(error) }
        }
        let waiters = state.withLock { state in
            state.usage = usage
            state.outcome = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter.resume(returning: result)
        }
    }

    /// Reads the init's reports until it is gone: the step's status, or the first failure.
    /// Nil when the init said nothing (it was killed).
    private static func readReports(_ fd: Int32, rootfs: String) -> Result<ExitStatus, SandboxError>? {
        var failure: SandboxError?
        var status: ExitStatus?
        var report = csandbox_report()
        while true {
            let count = csandbox_read_report(fd, &report)
            if count == 0 { break }
            guard count > 0 else {
                failure =
                    failure
                    ?? .system(.last("read the reports of the sandbox of", path: rootfs))
                break
            }
            let operation = withUnsafeBytes(of: report.operation) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let path = withUnsafeBytes(of: report.path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            switch report.kind {
            case Int32(CSANDBOX_REPORT_SETUP_FAILED.rawValue):
                failure =
                    failure
                    ?? .setup(SystemError(operation: operation, path: path, code: report.error), rootfs: rootfs)
            case Int32(CSANDBOX_REPORT_EXEC_FAILED.rawValue):
                failure = failure ?? .exec(SystemError(operation: "exec", path: path, code: report.error))
            default:
                status = ExitStatus(waitStatus: report.status)
            }
        }
        if let failure { return .failure(failure) }
        return status.map { .success($0) }
    }
}
