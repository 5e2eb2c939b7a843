import Foundation
import OCI
import OCIArchive
import System

/// The members of an image archive (an OCI archive or a docker archive), read once.
///
/// Regular files are written to a directory under flat names (`0`, `1`, ...) and looked
/// up by their archive path; symlinks are kept as names and resolved within the
/// archive's own namespace, never on the file system. Nothing else is kept: devices,
/// FIFOs and hard links are not image content, and a path that leaves the archive
/// resolves to nothing. No owner or mode is applied, so this works without root.
struct ArchiveMembers {
    private var files: [String: URL] = [:]
    private var links: [String: String] = [:]

    /// Reads every member of `archive` (any compression) into `directory`.
    init(archive: URL, into directory: URL) throws {
        let reader = try TarReader(path: archive.path)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        let budget = try? DiskBudget(path: directory.path)
        while let entry = try reader.nextEntry() {
            guard let path = Self.normalise(entry.path.description) else { continue }
            switch entry.kind {
            case .file:
                let file = directory.appendingPathComponent("\(files.count)")
                try Self.copyData(of: reader, to: file, buffer: buffer, budget: budget)
                files[path] = file
                links[path] = nil
            case .symlink(let target):
                let base = (path as NSString).deletingLastPathComponent
                let joined = target.description.hasPrefix("/") ? target.description : base + "/" + target.description
                if let resolved = Self.normalise(joined) { links[path] = resolved }
            default:
                continue
            }
        }
    }

    /// The file holding the member at `path` (following the archive's symlinks), or nil.
    func file(at path: String) -> URL? {
        guard var current = Self.normalise(path) else { return nil }
        for _ in 0..<40 {
            if let file = files[current] { return file }
            guard let target = resolveLink(current) else { return nil }
            current = target
        }
        return nil
    }

    /// Every regular member's path.
    var paths: [String] { Array(files.keys) }

    /// `path` with its first symlinked component replaced by the link's target.
    private func resolveLink(_ path: String) -> String? {
        let components = path.split(separator: "/").map(String.init)
        for end in stride(from: components.count, to: 0, by: -1) {
            let prefix = components[..<end].joined(separator: "/")
            if let target = links[prefix] {
                return Self.normalise(([target] + components[end...]).joined(separator: "/"))
            }
        }
        return nil
    }

    /// A clean relative path (`./a//b/` -> `a/b`), or nil when `..` would leave the archive.
    static func normalise(_ path: String) -> String? {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." {
                guard components.popLast() != nil else { return nil }
            } else {
                components.append(component)
            }
        }
        return components.isEmpty ? nil : components.joined(separator: "/")
    }

    private static func copyData(
        of reader: TarReader, to file: URL, buffer: UnsafeMutableRawBufferPointer,
        budget: DiskBudget?
    ) throws {
        let outputFile = FileDescriptor(adopting: open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600))
        let output = outputFile.rawValue
        guard output >= 0 else { throw StoreError.io(path: file.path, operation: "create", errno: errno) }
        do {
            try reader.copyData(to: output, using: buffer, budget: budget)
        } catch {
            switch error {
            case .read(let failure): throw failure
            case .write(let failure): throw StoreError.io(path: file.path, operation: failure.operation, errno: failure.code)
            }
        }
    }
}
