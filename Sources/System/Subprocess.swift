import CSystemShim
import Glibc

/// Programs swiftbuild runs for itself (git, ip, iptables, ssh-agent, ssh-add), started with
/// `posix_spawn`: standard input from `/dev/null`, an empty signal mask and every signal at
/// its default disposition. A child inherits the mask of the thread that starts it, and
/// swiftbuild's threads (and a test runner's) block signals such as SIGTERM and SIGCHLD: a
/// helper started with Foundation's `Process` then ignored SIGTERM and never saw its own
/// children end.
public enum Subprocess {
    /// What a program that ran to its end said, and how it ended.
    public struct Output: Sendable {
        /// The exit status, or 128 + the signal that killed it (as a shell reports it).
        public var status: Int32
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]
    }

    /// Runs `executable` (a path) with `arguments` and `environment` (nil: this process's)
    /// to its end. Both outputs are read while it runs, so neither pipe fills up and stops it.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws(SystemError) -> Output {
        var outputEnds: [Int32] = [-1, -1]
        var errorEnds: [Int32] = [-1, -1]
        guard csystem_pipe_cloexec(&outputEnds) == 0 else { throw .last("pipe") }
        let outputRead = FileDescriptor(adopting: outputEnds[0])
        guard csystem_pipe_cloexec(&errorEnds) == 0 else {
            close(outputEnds[1])
            throw .last("pipe")
        }
        let errorRead = FileDescriptor(adopting: errorEnds[0])
        let pid: pid_t
        do {
            pid = try spawn(
                executable, arguments, environment: environment, standardOutput: outputEnds[1], standardError: errorEnds[1])
        } catch {
            close(outputEnds[1])
            close(errorEnds[1])
            throw error
        }
        // The parent's write ends close, so each read ends when the program's do.
        close(outputEnds[1])
        close(errorEnds[1])
        var collected: ([UInt8], [UInt8]) = ([], [])
        var readFailure: SystemError?
        do {
            collected = try readBoth(outputRead.rawValue, errorRead.rawValue)
        } catch {
            readFailure = error
        }
        let status = wait(pid)
        if let readFailure { throw readFailure }
        return Output(status: status, standardOutput: collected.0, standardError: collected.1)
    }

    /// Starts `executable` and returns its pid; its standard output and error go to the
    /// given descriptors (nil: `/dev/null`). The caller waits for it (``wait(_:)``).
    /// `extraDescriptors` are (descriptor, number in the child) pairs, for programs that take
    /// descriptors (slirp4netns); every descriptor must be above the numbers given.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        standardOutput: Int32? = nil, standardError: Int32? = nil, extraDescriptors: [(Int32, Int32)] = []
    ) throws(SystemError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var every = sigset_t()
        sigfillset(&every)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &every)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (descriptor, target) in [(standardOutput, Int32(1)), (standardError, Int32(2))] {
            if let descriptor {
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        for (descriptor, target) in extraDescriptors {
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        }
        let environmentList = (environment ?? currentEnvironment()).map { "\($0.key)=\($0.value)" }
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        var envp = environmentList.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard result == 0 else { throw SystemError(operation: "run", path: executable, code: result) }
        return pid
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that killed it.
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Whether `pid` (a child not yet waited for) still runs; a child that ended is reaped,
    /// and its status is returned in `status`.
    public static func hasEnded(_ pid: pid_t, status: inout Int32?) -> Bool {
        var raw: Int32 = 0
        let result = retryingOnInterrupt { waitpid(pid, &raw, WNOHANG) }
        guard result == pid else { return result < 0 }
        let signal = raw & 0x7f
        status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        return true
    }

    /// Reads two descriptors to their ends at once.
    private static func readBoth(_ first: Int32, _ second: Int32) throws(SystemError) -> ([UInt8], [UInt8]) {
        var results: [[UInt8]] = [[], []]
        var open = [true, true]
        let descriptors = [first, second]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.contains(true) {
            var polled = descriptors.indices.map { pollfd(fd: open[$0] ? descriptors[$0] : -1, events: Int16(POLLIN), revents: 0) }
            let ready = retryingOnInterrupt { poll(&polled, nfds_t(polled.count), -1) }
            guard ready >= 0 else { throw .last("poll") }
            for index in polled.indices where open[index] && polled[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { bytes in
                    retryingOnInterrupt { read(descriptors[index], bytes.baseAddress, bytes.count) }
                }
                guard count >= 0 else { throw .last("read") }
                if count == 0 { open[index] = false } else { results[index] += buffer[0..<count] }
            }
        }
        return (results[0], results[1])
    }

    private static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
