import Foundation
import Testing

@testable import ELF

@Suite("ld.so.cache reader")
struct LdSoCacheTests {
    @Test func machineCacheAgreesWithLdconfig() throws {
        let path = "/etc/ld.so.cache"
        guard FileManager.default.fileExists(atPath: path) else { return }
        let cache = try LdSoCache(path: path)
        let listing = try Shell.run(["ldconfig", "-p", "-C", path])
        var expected: [(name: String, path: String, flags: String)] = []
        for line in listing.split(separator: "\n") where line.hasPrefix("\t") {
            guard let arrow = line.range(of: " => "), let open = line.range(of: " (") else { continue }
            let flags = line[open.upperBound..<(line[open.upperBound...].firstIndex(of: ")") ?? line.endIndex)]
            expected.append(
                (
                    String(line[line.index(after: line.startIndex)..<open.lowerBound]),
                    String(line[arrow.upperBound...]), String(flags)
                ))
        }
        #expect(cache.entries.count == expected.count)
        #expect(cache.entries.map(\.name) == expected.map(\.name))
        #expect(cache.entries.map(\.path) == expected.map(\.path))
        for (entry, line) in zip(cache.entries, expected) where line.flags == "libc6,x86-64" {
            #expect(entry.flags == 0x0303, "\(entry.name)")
        }
        // Whatever else is installed (gcc-multilib adds /lib32 and /libx32 C libraries),
        // the lookup by name returns what ldconfig lists under that name, in its order.
        let libc = cache.entries(named: "libc.so.6")
        #expect(libc.map(\.path) == expected.filter { $0.name == "libc.so.6" }.map(\.path))
    }

    /// An old-format (`ld.so-1.7.0`) cache with two entries.
    static func oldFormat() -> [UInt8] {
        var writer = SyntheticELF.Writer(bigEndian: false)
        writer.bytes = Array("ld.so-1.7.0".utf8) + [0]
        writer.u32(2)
        let strings = Array("liba.so.1\0/lib/liba.so.1\0libb.so.2\0/usr/lib/libb.so.2\0".utf8)
        for (flags, key, value) in [(0x0303, 0, 10), (0x0003, 25, 35)] as [(UInt64, UInt64, UInt64)] {
            writer.u32(flags)
            writer.u32(key)
            writer.u32(value)
        }
        return writer.bytes + strings
    }

    @Test func oldFormatIsRead() throws {
        let cache = try LdSoCache(bytes: Self.oldFormat(), path: "old")
        #expect(
            cache.entries == [
                LdSoCache.Entry(name: "liba.so.1", path: "/lib/liba.so.1", flags: 0x0303, hwcap: 0),
                LdSoCache.Entry(name: "libb.so.2", path: "/usr/lib/libb.so.2", flags: 0x0003, hwcap: 0)
            ])
    }

    @Test func truncatedCachesAreErrorsNotCrashes() throws {
        var caches = [Self.oldFormat()]
        if let machine = FileManager.default.contents(atPath: "/etc/ld.so.cache") {
            caches.append([UInt8](machine.prefix(4096)))
        }
        for bytes in caches {
            for length in [0, 5, 11, 16, 20, 30, 47, 48, 60, 100, bytes.count - 1] where length < bytes.count {
                #expect(throws: ELFFinding.self) { try LdSoCache(bytes: Array(bytes[..<length]), path: "cut") }
            }
        }
    }
}
