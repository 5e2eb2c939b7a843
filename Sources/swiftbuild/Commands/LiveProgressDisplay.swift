import Builder
import Dispatch
import Foundation
import Glibc
import Registry
import Synchronization

/// The tty progress display: keeps a ``LiveProgressModel`` from the build's events and
/// redraws it in place on standard error from a timer, ten times a second at most (never
/// per event, so a step that prints fast costs no terminal output). Each redraw reads the
/// terminal's size again (TIOCGWINSZ), so a resize is drawn at the next tick.
///
/// This is the thin terminal layer: the size, the escape sequences that move the cursor
/// back over the last frame and erase it, the hidden cursor, and the timer. What to draw
/// is the model's.
final class LiveProgressDisplay: Sendable {
    /// A transfer started with ``beginTransfer(_:)``.
    struct Transfer: Sendable {
        fileprivate let handle: Int
    }

    private struct State {
        var model = LiveProgressModel()
        /// The display width of each line of the frame on the screen: how many rows to go
        /// back up over, for the terminal's current width.
        var drawnWidths: [Int] = []
        var drawnFrame: [String] = []
        var drawnColumns = 0
        var ended = false
        /// Lines that print after the final frame (the ELF check report).
        var after: [String] = []
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let descriptor: Int32
    /// Resumed at once but scheduled only by ``start()`` (a suspended source must not be
    /// released, and the display may never start). Dispatch sources are thread-safe.
    nonisolated(unsafe) private let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "swiftbuild.progress"))

    /// How often the display redraws.
    static let interval: DispatchTimeInterval = .milliseconds(100)

    /// A display on `descriptor` (a terminal); it draws once ``start()`` is called.
    init(descriptor: Int32 = STDERR_FILENO, title: String = "Building") {
        self.descriptor = descriptor
        state.withLock { $0.model.title = title }
        timer.setEventHandler { [weak self] in self?.redraw() }
        timer.resume()
    }

    /// Hides the cursor and starts redrawing; lines printed with `printToStandardError`
    /// go above the live area from now on.
    func start() {
        LiveProgressDisplay.active.withLock { $0 = self }
        cursorHidden.store(true, ordering: .sequentiallyConsistent)
        _ = Self.registerCursorRestore
        write(Terminal.hideCursor)
        timer.schedule(deadline: .now(), repeating: Self.interval)
    }

    /// Ends the display: the last frame is drawn in full (it stays in the scrollback),
    /// the cursor shown again, then the lines kept for after the display are printed.
    func finish(_ outcome: LiveProgressModel.Outcome) {
        LiveProgressDisplay.active.withLock { if $0 === self { $0 = nil } }
        timer.cancel()
        state.withLock { state in
            guard !state.ended else { return }
            state.ended = true
            state.model.end(outcome, at: elapsed)
            draw(&state)
            var text = Terminal.showCursor
            for line in state.model.failureSummary() + state.after { text += line + "\n" }
            write(text)
            cursorHidden.store(false, ordering: .sequentiallyConsistent)
        }
    }

    /// Takes a build event.
    func handle(_ event: BuildEvent) {
        let now = elapsed
        state.withLock { $0.model.apply(event, at: now) }
    }

    /// Keeps `line` to print once the display ended.
    func printAfter(_ line: String) {
        let printNow = state.withLock { state -> Bool in
            if state.ended { return true }
            state.after.append(line)
            return false
        }
        if printNow { write(line + "\n") }
    }

    /// Prints `line` above the live area: the line is written over the frame's first row,
    /// the frame drawn again under it.
    func printAbove(_ line: String) {
        state.withLock { state in
            guard !state.ended else { return write(line + "\n") }
            write(backToFrameStart(&state) + Terminal.clearLine + line + "\n")
            draw(&state)
        }
    }

    func beginTransfer(_ title: String) -> Transfer {
        let now = elapsed
        return Transfer(handle: state.withLock { $0.model.beginTransfer(title, at: now) })
    }

    func report(_ progress: TransferProgress, transfer: Transfer) {
        let now = elapsed
        state.withLock { $0.model.apply(progress, toTransfer: transfer.handle, at: now) }
    }

    func endTransfer(_ transfer: Transfer) {
        let now = elapsed
        state.withLock { $0.model.endTransfer(transfer.handle, at: now) }
    }

    // MARK: Terminal

    private var elapsed: Double {
        let duration = ContinuousClock.now - started
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func redraw() {
        state.withLock { state in
            guard !state.ended else { return }
            draw(&state)
        }
    }

    /// Draws the model's frame over the last one, unless it would look the same.
    private func draw(_ state: inout State) {
        let size = Terminal.size(of: descriptor)
        let frame = state.model.lines(now: elapsed, width: size.columns, height: size.rows)
        if frame == state.drawnFrame, size.columns == state.drawnColumns, !state.ended { return }
        // Each line replaces a row of the last frame (the whole row is erased first, which
        // also makes a terminal forget that a resize had rewrapped it), and what is left
        // below is erased last, from a row that is never the screen's first (tmux moves the
        // screen into its history when told to erase it from the top-left corner).
        var text = backToFrameStart(&state)
        for line in frame { text += Terminal.clearLine + line + "\n" }
        write(text + Terminal.clearToEndOfScreen)
        state.drawnFrame = frame
        state.drawnWidths = frame.map(DisplayWidth.of)
        state.drawnColumns = size.columns
    }

    /// The escape sequence that moves the cursor to the first row of the drawn frame. A
    /// terminal made narrower since may have rewrapped the frame's lines, so each takes as
    /// many rows as its width needs at the current width.
    private func backToFrameStart(_ state: inout State) -> String {
        let columns = max(Terminal.size(of: descriptor).columns, 1)
        let rows = state.drawnWidths.reduce(0) { $0 + max(1, ($1 + columns - 1) / columns) }
        state.drawnWidths = []
        state.drawnFrame = []
        return "\r" + (rows > 0 ? "\u{1B}[\(rows)A" : "")
    }

    private func write(_ text: String) {
        Terminal.writeAll(text, to: descriptor)
    }

    /// The display that `printToStandardError` goes through while it runs.
    static let active = Mutex<LiveProgressDisplay?>(nil)

    /// Shows the cursor again if the process exits with the display running.
    private static let registerCursorRestore: Void = {
        _ = atexit {
            if cursorHidden.load(ordering: .sequentiallyConsistent) {
                Terminal.writeAll(Terminal.showCursor, to: STDERR_FILENO)
            }
        }
    }()
}

/// True while a display hid the cursor, for the exit handler.
private let cursorHidden = Atomic<Bool>(false)

/// The few terminal effects the display needs.
enum Terminal {
    static let hideCursor = "\u{1B}[?25l"
    static let showCursor = "\u{1B}[?25h"
    static let clearLine = "\u{1B}[2K"
    static let clearToEndOfScreen = "\u{1B}[J"

    /// The terminal's size (TIOCGWINSZ), 80×24 when it cannot be read.
    static func size(of descriptor: Int32) -> (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Writes all of `text`, retrying on EINTR and short writes; gives up on other errors
    /// (a closed terminal must not stop the build).
    static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Whether progress on `descriptor` can be drawn live: a terminal, and `TERM` is not
    /// `dumb` (a terminal that cannot move its cursor).
    static func canDrawLive(on descriptor: Int32, environment: [String: String]) -> Bool {
        isatty(descriptor) == 1 && environment["TERM"] != "dumb"
    }
}
