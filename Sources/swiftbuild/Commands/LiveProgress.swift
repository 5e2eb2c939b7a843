import Builder
import Dockerfile
import Registry

/// What the tty progress display shows, as plain data: the build's steps in the order they
/// started, the registry transfers (pulls, pushes, cache import and export) and the notes
/// (the written image). ``lines(now:width:height:)`` turns it into the text to draw for a
/// terminal of that size; nothing here touches a terminal, so it is tested as values.
///
/// Times are seconds since the display started, given by the caller.
struct LiveProgressModel {
    /// How a step or transfer stands.
    enum State: Equatable {
        case running
        /// It ended after this many seconds.
        case done(seconds: Double)
        /// Its result came from the build cache.
        case cached
        /// It failed after this many seconds (the error message prints after the display).
        case failed(seconds: Double)
        /// The build ended while it was running: it failed or was stopped with it.
        case stopped
    }

    /// How the build ended.
    enum Outcome: Equatable {
        case finished
        case failed
        case canceled
    }

    /// One blob of a transfer.
    struct Blob: Equatable {
        /// `sha256:0123456789ab`.
        var name: String
        var size: Int64
        /// Bytes moved so far.
        var moved: Int64 = 0
        /// When its bytes started moving, if they did.
        var started: Double?
        /// Set once the blob is done: `done`, `already present`, `mounted from REPO`.
        var result: String?
    }

    /// A line of the display: a build step, a transfer or a note.
    struct Item: Equatable {
        /// `[builder 2/4] RUN make`, `pulling docker.io/library/busybox:latest`.
        var name: String
        var started: Double
        var state: State = .running
        /// The last lines of a step's output (at most ``LiveProgressModel/keptLines``).
        var recentLines: [String] = []
        /// A transfer's blobs, in the order they were first reported.
        var blobs: [Blob] = []
        /// True for a transfer: its finished line tells how many bytes moved.
        var isTransfer = false
    }

    /// How many of a running step's last output lines are shown (as BuildKit's six).
    static let keptLines = 6

    /// The header's verb: `Building`, `Pulling`, `Pushing`.
    var title = "Building"
    private(set) var items: [Item] = []
    private(set) var outcome: Outcome?
    private(set) var ended: Double?
    /// The running step of each stage: where its output lines go.
    private var runningStep: [String: Int] = [:]

    // MARK: Events

    /// Takes one build event (the ELF check report is printed after the display, not here).
    mutating func apply(_ event: BuildEvent, at now: Double) {
        switch event {
        case .stepStarted(let stage, let step, let total, let instruction):
            runningStep[stage] = items.count
            items.append(Item(name: "[\(stage) \(step)/\(total)] \(Self.displayable(instruction))", started: now))
        case .output(let stage, let line):
            guard let index = runningStep[stage] else { return }
            items[index].recentLines.append(Self.displayable(line))
            if items[index].recentLines.count > Self.keptLines { items[index].recentLines.removeFirst() }
        case .stepFinished(let stage, _, let duration, _):
            guard let index = runningStep.removeValue(forKey: stage) else { return }
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            items[index].state = .done(seconds: seconds)
        case .stepCached(let stage, _):
            guard let index = runningStep.removeValue(forKey: stage) else { return }
            items[index].state = .cached
        case .stepFailed(let stage, _, _):
            guard let index = runningStep.removeValue(forKey: stage) else { return }
            items[index].state = .failed(seconds: now - items[index].started)
        case .exported(let imageID, let tags):
            let name = "writing image \(imageID)" + (tags.isEmpty ? "" : " as \(tags.joined(separator: ", "))")
            items.append(Item(name: Self.displayable(name), started: now, state: .done(seconds: 0)))
        case .elfChecked:
            break
        }
    }

    /// Starts a transfer (`pulling REF`, `pushing REF`); returns its handle for the others.
    mutating func beginTransfer(_ title: String, at now: Double) -> Int {
        items.append(Item(name: Self.displayable(title), started: now, isTransfer: true))
        return items.count - 1
    }

    /// Takes one blob report of transfer `handle`.
    mutating func apply(_ progress: TransferProgress, toTransfer handle: Int, at now: Double) {
        guard items.indices.contains(handle) else { return }
        let name = "\(progress.descriptor.digest.algorithm):\(progress.descriptor.digest.hex.prefix(12))"
        var blobs = items[handle].blobs
        let index: Int
        if let found = blobs.firstIndex(where: { $0.name == name }) {
            index = found
        } else {
            blobs.append(Blob(name: name, size: progress.descriptor.size))
            index = blobs.count - 1
        }
        switch progress.state {
        case .downloading, .uploading:
            if blobs[index].started == nil { blobs[index].started = now }
        case .transferred(let bytes):
            if blobs[index].started == nil { blobs[index].started = now }
            blobs[index].moved = bytes
        case .downloaded, .uploaded:
            blobs[index].moved = blobs[index].size
            blobs[index].result = "done"
        case .alreadyPresent:
            blobs[index].result = "already present"
        case .mounted(let repository):
            blobs[index].result = Self.displayable("mounted from \(repository)")
        }
        items[handle].blobs = blobs
    }

    /// Ends transfer `handle` (its blobs collapse into its one line).
    mutating func endTransfer(_ handle: Int, at now: Double) {
        guard items.indices.contains(handle), items[handle].state == .running else { return }
        items[handle].state = .done(seconds: now - items[handle].started)
    }

    /// Ends the build: what still runs is marked stopped, and the header says how it ended.
    mutating func end(_ outcome: Outcome, at now: Double) {
        guard ended == nil else { return }
        self.outcome = outcome
        ended = now
        for index in items.indices where items[index].state == .running {
            items[index].state = .stopped
            items[index].blobs.removeAll()
        }
        runningStep.removeAll()
    }

    // MARK: Drawing

    /// The lines to draw on a terminal `width` columns wide and `height` rows high: none
    /// wider than `width - 1` columns (a full last column makes some terminals wrap), at
    /// most `height - 1` of them while the build runs (the cursor stays on the screen).
    /// Once it ended, every line is kept: that frame stays in the scrollback.
    func lines(now: Double, width: Int, height: Int) -> [String] {
        let columns = max(width - 1, 1)
        let clock = ended ?? now
        let completed = items.filter {
            if case .failed = $0.state { return false }
            return $0.state != .running && $0.state != .stopped
        }.count
        var header = "[+] \(title) \(Self.seconds(clock)) (\(completed)/\(items.count))"
        switch outcome {
        case .finished: header += " FINISHED"
        case .failed: header += " FAILED"
        case .canceled: header += " CANCELED"
        case nil: break
        }
        let headerLine = DisplayWidth.truncate(header, to: columns)
        if ended != nil {
            return [headerLine] + items.flatMap { rows(of: $0, now: clock, columns: columns, logLines: Self.keptLines) }
        }
        // While running: drop finished lines (oldest first), then fewer output lines per
        // running step, until the frame fits; then keep its last rows.
        let budget = max(height - 2, 1)
        var shown = items.map { (item: $0, rows: rows(of: $0, now: now, columns: columns, logLines: Self.keptLines)) }
        var count = shown.reduce(0) { $0 + $1.rows.count }
        while count > budget, let oldest = shown.firstIndex(where: { $0.item.state != .running }) {
            count -= shown.remove(at: oldest).rows.count
        }
        var logLines = Self.keptLines
        while count > budget, logLines > 0 {
            logLines -= 1
            for index in shown.indices { shown[index].rows = rows(of: shown[index].item, now: now, columns: columns, logLines: logLines) }
            count = shown.reduce(0) { $0 + $1.rows.count }
        }
        let body = shown.flatMap(\.rows)
        return [headerLine] + body.suffix(budget)
    }

    /// What prints after the last frame of a failed build, as BuildKit's: each failed
    /// step named, with its last output lines, between dashes.
    func failureSummary() -> [String] {
        items.flatMap { item -> [String] in
            guard case .failed = item.state else { return [] }
            return ["------", " > \(item.name):"] + item.recentLines + ["------"]
        }
    }

    /// An item's line, then (while it runs or after it stopped) its recent output or blobs.
    private func rows(of item: Item, now: Double, columns: Int, logLines: Int) -> [String] {
        let status: String
        let timer: String
        switch item.state {
        case .running:
            (status, timer) = ("", Self.seconds(now - item.started))
        case .done(let seconds):
            (status, timer) = ("DONE ", Self.seconds(seconds))
        case .cached:
            (status, timer) = ("CACHED ", "")
        case .failed(let seconds):
            (status, timer) = ("ERROR ", Self.seconds(seconds))
        case .stopped:
            // Stopped with a step that failed, it was canceled, as BuildKit marks it.
            let canceled = outcome == .canceled || items.contains { if case .failed = $0.state { true } else { false } }
            (status, timer) = (canceled ? "CANCELED " : "ERROR ", Self.seconds(now - item.started))
        }
        var name = item.name
        if item.isTransfer, item.state != .running {
            let moved = item.blobs.reduce(Int64(0)) { $0 + $1.moved }
            if moved > 0 { name += " (\(Self.size(moved)))" }
        }
        var rows = [Self.aligned(" => " + status + name, timer, columns: columns)]
        if case .failed = item.state {
            for line in item.recentLines.suffix(logLines) { rows.append(DisplayWidth.truncate(" => => # " + line, to: columns)) }
            return rows
        }
        guard item.state == .running || item.state == .stopped else { return rows }
        for line in item.recentLines.suffix(logLines) {
            rows.append(DisplayWidth.truncate(" => => # " + line, to: columns))
        }
        if item.state == .running {
            for blob in item.blobs where blob.result == nil || logLines > 0 {
                rows.append(Self.aligned(" => => " + blobText(blob, now: now), blobTimer(blob, now: now), columns: columns))
            }
        }
        return rows
    }

    /// `sha256:0123456789ab 1.2 MB / 3.4 MB 2.0 MB/s` while moving; its result after.
    private func blobText(_ blob: Blob, now: Double) -> String {
        if let result = blob.result {
            return "\(blob.name) \(result)" + (blob.moved > 0 ? " \(Self.size(blob.moved))" : " (\(Self.size(blob.size)))")
        }
        var text = "\(blob.name) \(Self.size(blob.moved)) / \(Self.size(blob.size))"
        if let started = blob.started, now - started >= 0.2 {
            text += " \(Self.size(Int64(Double(blob.moved) / (now - started))))/s"
        }
        return text
    }

    private func blobTimer(_ blob: Blob, now: Double) -> String {
        guard blob.result == nil, let started = blob.started else { return "" }
        return Self.seconds(now - started)
    }

    /// `left` then `right` at the right edge of `columns`, `left` cut to make room; on a
    /// terminal too narrow for both, `left` alone.
    static func aligned(_ left: String, _ right: String, columns: Int) -> String {
        let rightWidth = right.isEmpty ? 0 : DisplayWidth.of(right) + 1
        guard columns - rightWidth >= 12 else { return DisplayWidth.truncate(left, to: columns) }
        let cut = DisplayWidth.truncate(left, to: columns - rightWidth)
        guard !right.isEmpty else { return cut }
        let padding = columns - rightWidth - DisplayWidth.of(cut)
        return cut + String(repeating: " ", count: padding + 1) + right
    }

    /// `1.2s`, as BuildKit's timers.
    static func seconds(_ value: Double) -> String {
        let tenths = Int((max(value, 0) * 10 + 1e-6).rounded(.down))
        return "\(tenths / 10).\(tenths % 10)s"
    }

    /// `1.2 MB`, as the plain transfer lines print sizes.
    static func size(_ bytes: Int64) -> String {
        TransferProgress.humanSize(bytes)
    }

    /// Text from the Dockerfile, a step or a registry, safe to draw: control characters
    /// escaped (they could move the cursor or rewrite the screen), a tab as one space.
    static func displayable(_ text: String) -> String {
        text.withControlCharactersEscaped.replacingOccurrences(of: "\t", with: " ")
    }
}

/// How many terminal columns text takes: wide (East Asian, emoji) characters two, combining
/// marks and format characters none, others one; and cutting text to a number of columns
/// without splitting a character.
enum DisplayWidth {
    /// The columns `character` takes.
    static func of(_ character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if isWide(first) || (character.unicodeScalars.count > 1 && first.properties.isEmoji) { return 2 }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control: return 0
        default: return 1
        }
    }

    /// The columns `text` takes.
    static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// The longest start of `text` that fits in `columns`.
    static func truncate(_ text: String, to columns: Int) -> String {
        var used = 0
        var end = text.startIndex
        for index in text.indices {
            let width = of(text[index])
            if used + width > columns { return String(text[..<index]) }
            used += width
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// Characters of East Asian width W or F, and emoji drawn as pictures.
    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isEmojiPresentation { return true }
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
