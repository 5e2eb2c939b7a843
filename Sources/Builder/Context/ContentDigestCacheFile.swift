import Glibc
import OCI
import System

/// The file a ``ContentDigestCache`` is kept in: a JSON array with one entry a line,
/// `["sha256:<hex>","<path>",size,mtime_s,mtime_ns,inode,ctime_s,ctime_ns]`, read and
/// written a line at a time through a fixed buffer so that neither holds the file (or
/// a document tree of it) in memory.
enum ContentDigestCacheFile {
    private static let chunkSize = 64 * 1024

    /// Calls `entry` for each entry of the file at `path`; false when there is no file or
    /// it is not entirely in this form (the caller then drops whatever it was given).
    static func read(_ path: String, _ entry: (FileIdentity, SHA256Hash) -> Void) -> Bool {
        let descriptorFile = FileDescriptor(adopting: open(path, O_RDONLY | O_CLOEXEC))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { return false }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var state = ReadState.beforeHeader
        while true {
            guard let count = try? chunk.withUnsafeMutableBytes({ buffer throws(SystemError) in try readSome(descriptor, into: buffer) })
            else { return false }
            if count == 0 { return pending.isEmpty && state == .afterTrailer }
            pending += chunk[..<count]
            var lineStart = pending.startIndex
            while let newline = pending[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                guard state.advance(over: pending[lineStart..<newline], entry) else { return false }
                lineStart = newline + 1
            }
            pending.removeFirst(lineStart)
        }
    }

    /// Where a read is in the file, line by line.
    private enum ReadState {
        case beforeHeader, inEntries, afterTrailer

        /// Takes in one line (without its newline); false when it does not belong there.
        mutating func advance(over line: ArraySlice<UInt8>, _ entry: (FileIdentity, SHA256Hash) -> Void) -> Bool {
            switch self {
            case .beforeHeader:
                guard line.elementsEqual("[".utf8) else { return false }
                self = .inEntries
            case .inEntries:
                if line.elementsEqual("]".utf8) {
                    self = .afterTrailer
                    return true
                }
                let body = line.last == UInt8(ascii: ",") ? line.dropLast() : line
                var scanner = EntryScanner(bytes: body)
                guard let (identity, hash) = scanner.entry() else { return false }
                entry(identity, hash)
            case .afterTrailer:
                return false
            }
            return true
        }
    }

    /// Creates the file at `path`, which must not exist, with the entries `body` emits.
    /// Making it replace the memo whole is the caller's part (the store stages it in
    /// `tmp/` and renames it: ``ImageStore/replaceContextDigests(_:)``).
    static func write(
        _ path: String,
        _ body: (_ emit: (FileIdentity, SHA256Hash) throws(SystemError) -> Void) throws(SystemError) -> Void
    ) throws(SystemError) {
        let descriptorFile = FileDescriptor(adopting: open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644))
        let descriptor = descriptorFile.rawValue
        guard descriptor >= 0 else { throw SystemError(operation: "create \(path)", code: errno) }
        guard fchmod(descriptor, 0o644) == 0 else { throw SystemError(operation: "chmod \(path)", code: errno) }
        var buffer: [UInt8] = Array("[".utf8)
        buffer.reserveCapacity(chunkSize + 4096)
        var first = true
        try body { identity, hash throws(SystemError) in
            buffer += first ? "\n".utf8 : ",\n".utf8
            first = false
            appendEntry(identity, hash, to: &buffer)
            if buffer.count >= chunkSize {
                try writeAll(descriptor, buffer, path: path)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer += "\n]\n".utf8
        try writeAll(descriptor, buffer, path: path)
    }

    private static func appendEntry(_ identity: FileIdentity, _ hash: SHA256Hash, to buffer: inout [UInt8]) {
        buffer += "[\"sha256:".utf8
        buffer += hash.hexDigits
        buffer += "\",\"".utf8
        for byte in identity.path.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(byte)
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                buffer += "\\u00".utf8
                buffer.append(digits[Int(byte >> 4)])
                buffer.append(digits[Int(byte & 0xF)])
            default:
                buffer.append(byte)
            }
        }
        buffer += "\"".utf8
        let numbers = [
            String(identity.size), String(identity.modificationSeconds), String(identity.modificationNanoseconds),
            String(identity.inode), String(identity.changeSeconds), String(identity.changeNanoseconds)
        ]
        for number in numbers {
            buffer.append(UInt8(ascii: ","))
            buffer += number.utf8
        }
        buffer += "]".utf8
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        let failure = bytes.withUnsafeBytes { buffer -> SystemError? in
            do throws(SystemError) {
                try System.writeAll(descriptor, buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw SystemError(operation: "write \(path)", code: failure.code) }
    }
}

/// Reads one entry line of the cache file (without its trailing comma), accepting only
/// what ``ContentDigestCacheFile`` writes.
private struct EntryScanner {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    /// The entry, when the whole line is one.
    mutating func entry() -> (FileIdentity, SHA256Hash)? {
        guard take("["), take("\""), take("sha256:"), index + 64 <= bytes.endIndex,
            let hash = SHA256Hash(hex: bytes[index..<index + 64])
        else { return nil }
        index += 64
        guard take("\""), take(","), let path = string(),
            take(","), let size = signed(),
            take(","), let modificationSeconds = signed(),
            take(","), let modificationNanoseconds = signed(),
            take(","), let inode = unsigned(),
            take(","), let changeSeconds = signed(),
            take(","), let changeNanoseconds = signed(),
            take("]"), index == bytes.endIndex
        else { return nil }
        let identity = FileIdentity(
            path: path, size: size, modificationSeconds: Int(modificationSeconds),
            modificationNanoseconds: Int(modificationNanoseconds), inode: inode,
            changeSeconds: Int(changeSeconds), changeNanoseconds: Int(changeNanoseconds))
        return (identity, hash)
    }

    /// Skips `literal` when the line continues with it.
    private mutating func take(_ literal: String) -> Bool {
        let utf8 = literal.utf8
        guard bytes[index...].starts(with: utf8) else { return false }
        index += utf8.count
        return true
    }

    /// A `"`-quoted string with `\"`, `\\` and `\u00XX` escapes.
    private mutating func string() -> String? {
        guard take("\"") else { return nil }
        var text: [UInt8] = []
        while index < bytes.endIndex {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.endIndex else { return nil }
                let escaped = bytes[index]
                index += 1
                if escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") {
                    text.append(escaped)
                } else if escaped == UInt8(ascii: "u"), take("00"), index + 2 <= bytes.endIndex,
                    let value = UInt8(String(decoding: bytes[index..<index + 2], as: UTF8.self), radix: 16)
                {
                    index += 2
                    text.append(value)
                } else {
                    return nil
                }
            default:
                text.append(byte)
            }
        }
        return nil
    }

    /// A decimal number with an optional `-`.
    private mutating func signed() -> Int64? {
        let negative = take("-")
        guard let magnitude = unsigned() else { return nil }
        return negative
            ? (magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil)
            : Int64(exactly: magnitude)
    }

    /// A decimal number without a sign.
    private mutating func unsigned() -> UInt64? {
        let start = index
        var value: UInt64 = 0
        while index < bytes.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let (multiplied, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = multiplied.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
            index += 1
        }
        return index > start ? value : nil
    }
}
