import ELF
import Foundation

/// What one build's ELF check found, kept for the next build of the same Dockerfile: the
/// image's layers, the candidates each step layer holds, and for each file that checked
/// clean, its result and what the check read to get it (``ReadSet``).
///
/// A later image whose layers start with the same ones (a rebuild after an edit) reuses a
/// file's result when the file is in those layers and no layer that differs, added or
/// taken away, holds an entry at a path the result was read from. Anything else (a file
/// with findings, the entry point, name service warnings, remedies naming other stages) is
/// checked again every time. Layers are named by their `fs` directory in the store:
/// snapshots never change once committed, and a name is never reused for other content.
struct ELFCheckRecord: Codable, Equatable {
    /// Changes when what is recorded changes meaning.
    static let currentFormat = 1

    var format = Self.currentFormat
    /// The inputs besides the layers: the checker (the running executable) and what the
    /// image's configuration gives the check (platform, PATH). A record with another key is
    /// not used.
    var key: String
    /// The image's layers, bottom first: their `fs` directories.
    var layers: [String]
    /// The candidates (``ELFCandidates``) of each step layer, by its `fs` directory.
    var candidates: [String: [String]]
    /// The paths the results' reads name, each once; results refer to them by index.
    var paths: [String] = []
    /// The files that checked clean (or are not programs the check reports).
    var files: [File] = []

    /// One file's result.
    struct File: Codable, Equatable {
        var path: String
        /// Nil for a candidate that is not a program the check reports (an object file, a
        /// script without the executable bit, a separate debug file).
        var linkage: String?
        var isLibrary = false
        /// CPU-dependent warnings (`glibc-hwcaps`).
        var warnings: [String] = []
        /// A dynamically linked glibc program, and a Go one: the name service check's input.
        var glibcProgram = false
        var goProgram = false
        /// Indexes into ``ELFCheckRecord/paths``.
        var directories: [Int] = []
        var others: [Int] = []
        var listings: [Int] = []
    }

    /// The record in `data`, nil when it is not one this build can use: another format, an
    /// index that leads nowhere, or a layer that is not a snapshot's `fs` directory in
    /// `snapshots` (a layer that differs is listed, so a record never leads the check to a
    /// directory elsewhere on the host).
    static func decode(_ data: Data, layersIn snapshots: URL) -> ELFCheckRecord? {
        guard let record = try? JSONDecoder().decode(ELFCheckRecord.self, from: data), record.format == currentFormat else {
            return nil
        }
        let valid = record.paths.indices
        for file in record.files {
            guard (file.directories + file.others + file.listings).allSatisfy(valid.contains) else { return nil }
        }
        let prefix = snapshots.path + "/"
        for layer in record.layers {
            guard layer.hasPrefix(prefix), layer.hasSuffix("/fs") else { return nil }
            let name = layer.dropFirst(prefix.count).dropLast("/fs".count)
            guard name.utf8.count == 64, name.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        }
        return record
    }

    /// Adds a file's result and its reads.
    mutating func add(_ checked: CheckedFile, reads: ReadSet, index: inout [String: Int]) {
        files.append(
            File(
                path: checked.path, linkage: checked.executable?.linkage, isLibrary: checked.executable?.isLibrary ?? false,
                warnings: checked.warnings, glibcProgram: checked.glibcProgram, goProgram: checked.goProgram,
                directories: indexes(of: reads.directories.sorted(), index: &index),
                others: indexes(of: reads.others.sorted(), index: &index),
                listings: indexes(of: reads.listings.sorted(), index: &index)))
    }

    /// Adds a result `previous` recorded, with its reads.
    mutating func add(reused file: File, from previous: ELFCheckRecord, index: inout [String: Int]) {
        var copy = file
        copy.directories = indexes(of: file.directories.map { previous.paths[$0] }, index: &index)
        copy.others = indexes(of: file.others.map { previous.paths[$0] }, index: &index)
        copy.listings = indexes(of: file.listings.map { previous.paths[$0] }, index: &index)
        files.append(copy)
    }

    /// The indexes of `names` in ``paths``, which gets those it lacks.
    private mutating func indexes(of names: [String], index: inout [String: Int]) -> [Int] {
        names.map { path in
            if let known = index[path] { return known }
            paths.append(path)
            index[path] = paths.count - 1
            return paths.count - 1
        }
    }

    /// The results this record still gives, by path, given every entry of the layers
    /// that differ from the record's (``changedLayers(for:key:)``, both sides). A result is
    /// left out when an entry may change what it read, in overlayfs's terms:
    /// - any entry at a path read as a file, a link or an absence (a whiteout is an entry);
    /// - a non-directory, or a directory that hides or replaces the one below (opaque,
    ///   redirected), at a path walked as a directory or listed;
    /// - any entry directly in a listed directory.
    /// A plain directory at a path walked as a directory merges with it and changes nothing
    /// that was read (every new layer has such directories above the files it adds).
    func reusableFiles(changedEntries: [LayerEntry]) -> [String: File] {
        guard !files.isEmpty else { return [:] }
        let position = Dictionary(paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var entryAt = Set<Int>()  // any entry at the path
        var replacedAt = Set<Int>()  // an entry other than a plain directory at the path
        var entryIn = Set<Int>()  // an entry directly in the directory
        for entry in changedEntries {
            if let index = position[entry.path] {
                entryAt.insert(index)
                if entry.kind != .plainDirectory { replacedAt.insert(index) }
            }
            if let index = position[entry.parent] { entryIn.insert(index) }
        }
        var reusable: [String: File] = [:]
        for file in files {
            let touched =
                file.others.contains { entryAt.contains($0) }
                || file.directories.contains { replacedAt.contains($0) }
                || file.listings.contains { replacedAt.contains($0) || entryIn.contains($0) }
            if !touched { reusable[file.path] = file }
        }
        return reusable
    }

    /// The layers of an image with `layers` that differ from this record's: those above the
    /// longest common start, on both sides (a layer taken away changes paths too). Nil when
    /// no layer is shared, or the record is of another key (then nothing is reused).
    func changedLayers(for layers: [String], key: String) -> (shared: Int, added: [String], removed: [String])? {
        guard key == self.key else { return nil }
        var shared = 0
        while shared < layers.count, shared < self.layers.count, layers[shared] == self.layers[shared] { shared += 1 }
        guard shared > 0 else { return nil }
        return (shared, Array(layers[shared...]), Array(self.layers[shared...]))
    }
}
