import Foundation
import Testing

/// `--progress tty` in a real terminal: swiftbuild runs in a tmux pane (a private tmux
/// server, killed at the end) and the screen is read with `capture-pane`. Steps that must
/// still be running when the screen is read wait for a gate file the test creates in the
/// build context (bound into the step), so no assertion depends on timing: the test polls
/// the screen until what it waits for shows or a generous limit passes.
@Suite("Live progress in a terminal", .enabled(if: ExternalTool.isRoot, "RUN needs root"))
struct TTYProgressTests {
    let workspace: BuildWorkspace

    init() throws {
        workspace = try BuildWorkspace(busybox: true)
        try FileManager.default.createDirectory(at: gate, withIntermediateDirectories: true)
    }

    var gate: URL { workspace.context.appendingPathComponent("gate") }

    /// A RUN step that prints two lines, then waits until the test creates `gate/open`.
    static let gatedStep =
        "RUN --mount=type=bind,source=gate,target=/gate sh -c 'echo waiting-at-gate; until [ -e /gate/open ]; do sleep 0.1; done; echo passed-gate'"

    static let twoStages = """
        FROM busybox AS first
        RUN echo first-stage-ran
        FROM busybox AS second
        COPY --from=first /etc/passwd /copied
        \(gatedStep)
        RUN echo last-step
        """

    /// Runs `swiftbuild build --progress tty` on `dockerfile` in a tmux pane of `columns`.
    func startBuild(_ dockerfile: String, in tmux: Tmux, environment: [String: String] = [:]) throws {
        try Data(dockerfile.utf8).write(to: workspace.context.appendingPathComponent("Dockerfile"))
        try tmux.run(
            [
                SwiftBuildProcess.binary.path, "build", "--root", workspace.store.path, "--progress", "tty", "-t", "tty-test",
                workspace.context.path
            ], environment: environment)
    }

    @Test func showsRunningStepsRedrawsOnResizeAndEndsWithTheSummary() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        try startBuild(Self.twoStages, in: tmux)

        // While the gated step runs: the header, the first stage's step collapsed to DONE,
        // the running step with its elapsed time and its output line under it.
        var screen = try tmux.waitForScreen { $0.contains(" => => # waiting-at-gate") }
        var lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building ") && !$0.contains("FINISHED") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix(" => DONE [first 1/1] RUN echo first-stage-ran") }, "\(screen.text)")
        let running = try #require(lines.first { $0.hasPrefix(" => [second 2/3] RUN --mount=type=bind") }, "\(screen.text)")
        #expect(running.range(of: #" [0-9]+\.[0-9]s$"#, options: .regularExpression) != nil, "\(running)")
        #expect(running.count <= 79)
        #expect(lines.filter { $0.hasPrefix("[+] Building") }.count == 1, "one frame on the screen:\n\(screen.text)")

        // Narrower: the next frame is cut to 39 columns, nothing wraps, and the old frame
        // (rewrapped by tmux) was erased: one header on the screen.
        try tmux.resize(columns: 40, rows: 24)
        screen = try tmux.waitForScreen { screen in
            screen.lines.contains { $0.hasPrefix(" => [second 2/3] RUN --mount") && $0.count <= 39 }
                && screen.lines.filter { $0.hasPrefix("[+] Building") }.count == 1
        }
        lines = screen.lines
        // capture-pane joins wrapped lines: a line that wrapped would be longer here.
        #expect(lines.allSatisfy { $0.count <= 39 }, "\(screen.text)")
        let narrowRunning = try #require(lines.first { $0.hasPrefix(" => [second 2/3]") })
        #expect(narrowRunning.range(of: #" [0-9]+\.[0-9]s$"#, options: .regularExpression) != nil, "\(narrowRunning)")
        #expect(lines.contains(" => => # waiting-at-gate"), "\(screen.text)")

        // Wider again, then open the gate: the build ends with the summary and every step
        // collapsed to one line, which stay on the screen.
        try tmux.resize(columns: 100, rows: 24)
        _ = try tmux.waitForScreen { $0.lines.contains { $0.hasPrefix(" => [second 2/3]") && $0.count > 40 } }
        FileManager.default.createFile(atPath: gate.appendingPathComponent("open").path, contents: Data())
        screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        lines = screen.lines
        let header = try #require(lines.first { $0.hasPrefix("[+] Building") }, "\(screen.text)")
        // Four steps and the written image.
        #expect(header.range(of: #"^\[\+\] Building [0-9]+\.[0-9]s \(5/5\) FINISHED$"#, options: .regularExpression) != nil, "\(header)")
        #expect(lines.filter { $0.hasPrefix("[+] Building") }.count == 1, "\(screen.text)")
        for step in [
            "[first 1/1] RUN echo first-stage-ran", "[second 1/3] COPY --from=first", "[second 2/3] RUN --mount",
            "[second 3/3] RUN echo last-step"
        ] {
            #expect(lines.contains { $0.hasPrefix(" => DONE \(step)") }, "\(step)\n\(screen.text)")
        }
        #expect(lines.contains { $0.hasPrefix(" => DONE writing image sha256:") }, "\(screen.text)")
        #expect(!lines.contains { $0.hasPrefix(" => => #") }, "output lines collapse with their step:\n\(screen.text)")
    }

    @Test func aFailedStepKeepsItsLastLinesAboveTheError() throws {
        let tmux = try Tmux(columns: 80, rows: 30)
        defer { tmux.kill(); workspace.remove() }
        try startBuild("FROM busybox AS app\nRUN echo building; echo reason-for-failure; exit 3\n", in: tmux)
        let screen = try tmux.waitForExit()
        #expect(screen.status == 1, "\(screen.text)")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix("(0/1) FAILED") }, "\(screen.text)")
        let step = try #require(lines.firstIndex { $0.hasPrefix(" => ERROR [app 1/1] RUN echo building") }, "\(screen.text)")
        let output = try #require(lines.firstIndex(of: " => => # reason-for-failure"), "\(screen.text)")
        let error = try #require(lines.firstIndex { $0.hasPrefix("ERROR: failed to solve:") }, "\(screen.text)")
        #expect(step < output && output < error)
    }

    @Test func ctrlCLeavesTheTerminalCleanWithTheCursorShown() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        try startBuild("FROM busybox AS app\n\(Self.gatedStep)\n", in: tmux)
        _ = try tmux.waitForScreen { $0.contains(" => => # waiting-at-gate") }
        #expect(try tmux.cursorVisible() == false, "the cursor is hidden while the display runs")
        try tmux.sendInterrupt()
        let screen = try tmux.waitForExit()
        #expect(screen.status == 130, "\(screen.text)")
        #expect(try tmux.cursorVisible(), "the cursor is shown again")
        let lines = screen.lines
        #expect(lines.contains { $0.hasPrefix("[+] Building") && $0.hasSuffix("(0/1) CANCELED") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix(" => CANCELED [app 1/1] RUN --mount") }, "\(screen.text)")
        #expect(lines.contains { $0.hasPrefix("build interrupted by SIGINT") }, "\(screen.text)")
    }

    @Test func aDumbTerminalGetsThePlainLines() throws {
        let tmux = try Tmux(columns: 80, rows: 24)
        defer { tmux.kill(); workspace.remove() }
        FileManager.default.createFile(atPath: gate.appendingPathComponent("open").path, contents: Data())
        try startBuild(Self.twoStages, in: tmux, environment: ["TERM": "dumb"])
        let screen = try tmux.waitForExit()
        #expect(screen.status == 0, "\(screen.text)")
        #expect(screen.lines.contains { $0.hasPrefix("#1 [first 1/1] RUN echo first-stage-ran") }, "\(screen.text)")
        #expect(screen.lines.contains { $0.hasSuffix(" passed-gate") && $0.hasPrefix("#") }, "\(screen.text)")
        #expect(!screen.text.contains("[+] Building"), "\(screen.text)")
    }
}

/// A private tmux server (its own socket in a temporary directory) with one session whose
/// pane stays after its command exits, so its screen and exit status can be read.
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
