import Foundation

/// A private tmux server (its own socket in a temporary directory) with one session whose
/// pane keeps the screen its command left: a shell runs the command, prints its exit status
/// and sleeps until the server is killed.
struct Tmux {
    struct Screen {
        var text: String
        var status: Int32?
        var lines: [String] { text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        func contains(_ text: String) -> Bool { self.text.contains(text) }
    }

    let directory: URL
    var socket: String { directory.appendingPathComponent("tmux.socket").path }

    init(columns: Int, rows: Int) throws {
        directory = try makeTemporaryDirectory()
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "\(columns)", "-y", "\(rows)", "sleep 3600"])
        try tmux(["set-option", "-g", "status", "off"])
        try tmux(["set-option", "-g", "window-size", "manual"])
    }

    /// Runs `tmux -S SOCKET arguments...` with no signal blocked or ignored, its output going
    /// to a file, and waits for it with `waitpid` on its pid (with Foundation's `Process`,
    /// `waitUntilExit` did not return for the tmux client that starts the server).
    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let output = directory.appendingPathComponent("tmux-output")
        let argv = ["tmux", "-S", socket] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // The test's threads block signals (SIGCHLD, SIGHUP), and a blocked signal stays
        // blocked across exec: the server would never see its panes' processes end.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, cArguments, environ)
        guard spawned == 0 else { throw Failure(message: "cannot run tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(message: "waitpid tmux: \(String(cString: strerror(errno)))") }
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        // Exited normally with status 0: WIFEXITED and WEXITSTATUS, which Swift does not import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(message: "`\(argv.joined(separator: " "))` failed (wait status \(status)): \(text)")
        }
        return text
    }

    /// Runs `command` in the pane, replacing what runs there, with `environment` added
    /// (`env` sets it last, over tmux's own `TERM`), through a shell that then prints
    /// `swiftbuild-exit=STATUS` and sleeps: the pane stays as the command left it. The
    /// shell's trap lets Ctrl-C reach the command without ending the shell.
    func run(_ command: [String], environment: [String: String]) throws {
        let words = ["env"] + environment.map { "\($0.key)=\($0.value)" } + command
        let quoted = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        try tmux(["respawn-pane", "-k", "-t", "t", "sh", "-c", "trap true INT; \(quoted); echo swiftbuild-exit=$?; exec sleep 3600"])
    }

    /// The visible screen, wrapped lines joined (`-J`: a line that wrapped shows as one
    /// longer than the pane), trailing blanks cut; and the exit status once the command ended.
    func capture() throws -> Screen {
        let text = try tmux(["capture-pane", "-p", "-J", "-t", "t"])
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.reversed().drop { $0 == " " }.reversed()) }
        var status: Int32?
        if let index = lines.firstIndex(where: { $0.hasPrefix("swiftbuild-exit=") }) {
            status = Int32(lines[index].dropFirst("swiftbuild-exit=".count))
            lines.removeSubrange(index...)
        }
        while lines.last == "" { lines.removeLast() }
        return Screen(text: lines.joined(separator: "\n"), status: status)
    }

    /// Polls the screen until `condition` holds; throws after two minutes.
    func waitForScreen(_ condition: (Screen) -> Bool) throws -> Screen {
        let limit = Date().addingTimeInterval(120)
        while true {
            let screen = try capture()
            if condition(screen) { return screen }
            if Date() > limit || screen.status != nil {
                throw Failure(message: "the screen never showed what was expected:\n\(screen.text)")
            }
            usleep(100_000)
        }
    }

    /// Polls until the pane's command exited; its screen and exit status.
    func waitForExit() throws -> Screen {
        let limit = Date().addingTimeInterval(180)
        while true {
            let screen = try capture()
            if screen.status != nil { return screen }
            if Date() > limit { throw Failure(message: "the build did not end:\n\(screen.text)") }
            usleep(100_000)
        }
    }

    func resize(columns: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", "t", "-x", "\(columns)", "-y", "\(rows)"])
    }

    func sendInterrupt() throws {
        try tmux(["send-keys", "-t", "t", "C-c"])
    }

    /// tmux's record of whether the program in the pane shows its cursor.
    func cursorVisible() throws -> Bool {
        try tmux(["display-message", "-p", "-t", "t", "#{cursor_flag}"]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// Kills the server (and what runs in it) and removes the socket's directory.
    func kill() {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: directory)
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
