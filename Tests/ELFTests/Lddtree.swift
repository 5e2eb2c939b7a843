import Foundation

/// Runs pax-utils' `lddtree` (Debian: `pax-utils` with `python3-pyelftools`) and reads its
/// tree output: for each file, the interpreter and every library name with the path lddtree
/// found for it (nil for "None").
enum Lddtree {
    /// What lddtree reports for one file.
    struct Tree: Equatable {
        /// The `(interpreter => ...)` value, nil for "None".
        var interpreter: String?
        /// Library name to the path lddtree found, nil when it found none.
        var libraries: [String: String?] = [:]
    }

    /// The command that runs lddtree: Debian's `/usr/bin/python3` (which has pyelftools) on
    /// the script when both exist, since `python3` first in PATH may be another Python.
    static func command() -> [String]? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/lddtree" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return nil }
        return FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? ["/usr/bin/python3", path] : [path]
    }

    /// The trees of `paths`, from one lddtree process per batch of `batchSize` files, with
    /// the batches run on every core.
    static func trees(_ paths: [String], command: [String], batchSize: Int = 60) throws -> [String: Tree] {
        let batches = stride(from: 0, to: paths.count, by: batchSize).map { Array(paths[$0..<min($0 + batchSize, paths.count)]) }
        let outputs = Shell.LockedResults(count: batches.count)
        DispatchQueue.concurrentPerform(iterations: batches.count) { index in
            outputs.set(index, Result { try Shell.run(command + batches[index], allowFailure: true) })
        }
        var result: [String: Tree] = [:]
        for output in outputs.values {
            result.merge(parse(try output.get())) { first, _ in first }
        }
        return result
    }

    /// Parses lddtree's default (tree) output: an unindented `PATH (interpreter => INTERP)`
    /// line per file, then indented `NAME => PATH` lines (`None` when not found); circular
    /// loop markers are skipped.
    static func parse(_ output: String) -> [String: Tree] {
        var result: [String: Tree] = [:]
        var current: String?
        for line in output.split(separator: "\n").map(String.init) {
            if !line.hasPrefix(" ") {
                guard let marker = line.range(of: " (interpreter => ", options: .backwards), line.hasSuffix(")") else {
                    current = nil
                    continue
                }
                let path = String(line[..<marker.lowerBound])
                let interpreter = String(line[marker.upperBound..<line.index(before: line.endIndex)])
                current = path
                result[path] = Tree(interpreter: interpreter == "None" ? nil : interpreter)
            } else if let current, let arrow = line.range(of: " => ") {
                let name = line[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
                let found = String(line[arrow.upperBound...])
                if found.hasPrefix("!!!") { continue }
                result[current]?.libraries[name] = found == "None" ? .some(nil) : .some(found)
            }
        }
        return result
    }
}

extension Shell {
    /// Results filled in by concurrent workers, one slot each.
    final class LockedResults: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<String, Error>?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Result<String, Error>) { lock.withLock { slots[index] = value } }
        var values: [Result<String, Error>] { lock.withLock { slots.compactMap { $0 } } }
    }
}
