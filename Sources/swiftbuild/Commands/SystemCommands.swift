import ArgumentParser
import Foundation
import OCI
import Store

/// `swiftbuild system`: the store as a whole (`system df`).
struct SystemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system", abstract: "Show the store's disk usage.", subcommands: [SystemDiskUsageCommand.self])
}

/// `swiftbuild system df`: the store's disk space by kind, as `docker system df` (and,
/// with `-v`, each image and build cache entry, as `docker system df -v` and
/// `docker buildx du --verbose`).
struct SystemDiskUsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "df",
        abstract: "Show the disk space images, the build cache and cache mounts take (allocated space, as du counts it).")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var store: StoreOptions
    @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Also list each image and build cache entry.")
    var verbose = false
    @Option(help: "Output format: table or json (exact byte counts, every entry).") var format: Format = .table

    func run() throws {
        try reportingFailures {
            let opened = try store.openStore()
            let usage = try opened.usage()
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(usage), as: UTF8.self))
            case .table:
                let created = Dictionary(
                    (try? opened.images())?.map { ($0.digest, $0.created ?? "") } ?? [], uniquingKeysWith: { first, _ in first })
                print(Self.render(usage, verbose: verbose, created: created, now: Date()), terminator: "")
            }
        }
    }

    /// The summary table, then with `verbose` the images and the build cache entries.
    static func render(_ usage: StoreUsage, verbose: Bool, created: [Digest: String], now: Date) -> String {
        let size = ImagesCommand.humanSize
        let rows = usage.rows.map { row in
            let percent = row.size > 0 ? " (\(row.reclaimable * 100 / row.size)%)" : ""
            return [row.type, "\(row.total)", "\(row.active)", size(row.size), size(row.reclaimable) + percent]
        }
        var text = Table.render(header: ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], rows: rows)
        guard verbose else { return text }
        text += "\nImages space usage:\n\n"
        let images = usage.images.flatMap { image in
            (image.names.isEmpty ? ["<none>"] : image.names).map { name in
                [
                    name, String(image.id.hex.prefix(12)), created[image.id] ?? "", size(image.size), size(image.sharedSize),
                    size(image.uniqueSize)
                ]
            }
        }
        text += Table.render(header: ["NAME", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE"], rows: images)
        text +=
            "\nBuild cache usage: \(size(usage.rows.filter { $0.type != "Images" && $0.type != "Unused" }.map(\.size).reduce(0, +)))\n\n"
        let entries = usage.buildCache.map { entry in
            [
                String(entry.id.prefix(12)), entry.type, size(entry.size), entry.created ?? "",
                Self.ago(entry.lastUsed, now: now), entry.inUse ? "true" : "false", entry.shared ? "true" : "false"
            ]
        }
        text += Table.render(header: ["CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "IN USE", "SHARED"], rows: entries)
        return text
    }

    /// How long ago `date` was, in the largest whole unit, as docker prints it.
    static func ago(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        let (value, unit): (Int, String) =
            switch seconds {
            case ..<60: (max(seconds, 0), "second")
            case ..<3600: (seconds / 60, "minute")
            case ..<86_400: (seconds / 3600, "hour")
            default: (seconds / 86_400, "day")
            }
        return "\(value) \(unit)\(value == 1 ? "" : "s") ago"
    }
}

/// `--keep-storage SIZE` and `--gc-keep-storage SIZE` as docker buildx reads them (go-units'
/// `RAMInBytes`): a number, optionally with a fraction, then an optional unit `k`, `m`, `g`,
/// `t` or `p` with an optional `i` and `b`, any case; every unit is a power of 1024
/// (`10GB` is 10 GiB, as in buildx).
enum StorageSize {
    static func bytes(_ text: String) throws -> Int64 {
        var rest = Substring(text.lowercased())
        if rest.hasSuffix("b") { rest = rest.dropLast() }
        if rest.hasSuffix("i") { rest = rest.dropLast() }
        var multiplier: Double = 1
        if let last = rest.last, let index = "kmgtp".firstIndex(of: last) {
            multiplier = pow(1024, Double("kmgtp".distance(from: "kmgtp".startIndex, to: index) + 1))
            rest = rest.dropLast()
        }
        if rest.hasSuffix(" ") { rest = rest.dropLast() }
        let number = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard !rest.isEmpty, number.count <= 2, number.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let value = Double(rest), value * multiplier < Double(Int64.max)
        else {
            throw StorageSizeError(text: text)
        }
        return Int64(value * multiplier)
    }
}

struct StorageSizeError: Error, CustomStringConvertible {
    var text: String
    var description: String { "\(text): expected a size such as 10GB, 512MB, 1.5GiB or a number of bytes" }
}

/// A duration as Go's `time.ParseDuration` reads it (BuildKit's `until=` filter): one or
/// more numbers, each with a unit `ns`, `us`, `µs`, `ms`, `s`, `m` or `h` (`24h`, `30m`,
/// `1h30m`, `1.5h`); `0` alone. Negative durations are refused: they name the future.
enum GoDuration {
    static func seconds(_ text: String) throws -> Double {
        let error = GoDurationError(text: text)
        if text == "0" { return 0 }
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)
        ]
        var rest = Substring(text)
        var total: Double = 0
        guard !rest.isEmpty else { throw error }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let value = Double(number) else { throw error }
            rest = rest.dropFirst(number.count)
            // Longest unit first: "ms" before "m".
            guard let unit = units.filter({ rest.hasPrefix($0.0) }).max(by: { $0.0.count < $1.0.count }) else { throw error }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return total
    }
}

struct GoDurationError: Error, CustomStringConvertible {
    var text: String
    var description: String { "\(text): expected a duration such as 24h, 30m or 1h30m (units h, m, s, ms, us, ns)" }
}

/// `prune --filter`: BuildKit's `until=DURATION` (entries last used longer ago than that).
enum PruneFilter {
    static func usedBefore(_ filters: [String], now: Date) throws -> Date? {
        var cutoff: Date?
        for filter in filters {
            guard let equals = filter.firstIndex(of: "="), filter[..<equals] == "until" else {
                throw ValidationError("--filter \(filter): only until=DURATION is supported (e.g. until=24h)")
            }
            do {
                cutoff = now.addingTimeInterval(-(try GoDuration.seconds(String(filter[filter.index(after: equals)...]))))
            } catch {
                throw ValidationError("--filter \(filter): \(error)")
            }
        }
        return cutoff
    }
}

/// The automatic garbage collection after a build: `--gc-keep-storage SIZE`, else
/// `SWIFTBUILD_GC_KEEP_STORAGE`; unset, none.
enum AutomaticGarbageCollection {
    static let environmentVariable = "SWIFTBUILD_GC_KEEP_STORAGE"

    /// The budget the flag or the environment sets, if any.
    static func budget(flag: String?, environment: [String: String]) throws -> Int64? {
        if let flag {
            do { return try StorageSize.bytes(flag) } catch { throw ValidationError("--gc-keep-storage \(error)") }
        }
        guard let value = environment[environmentVariable], !value.isEmpty else { return nil }
        do { return try StorageSize.bytes(value) } catch { throw ValidationError("\(environmentVariable)=\(error)") }
    }

    /// Collects when the store is over `keepStorage`, and says in one line on stderr what
    /// was freed (or why nothing was). A failure is a warning: the build succeeded.
    static func run(_ store: ImageStore, keepStorage: Int64) {
        let size = ImagesCommand.humanSize
        do {
            switch try store.collectGarbage(keepStorage: keepStorage) {
            case .withinBudget:
                break
            case .busy:
                printToStandardError("gc: skipped: another swiftbuild process is using the store (the next idle build collects)")
            case .collected(let report):
                let freed = report.bytes + report.prune.bytes
                printToStandardError(
                    "gc: store was \(size(report.sizeBefore)), over the budget of \(size(keepStorage)): removed \(report.cacheRecords) cache records, \(report.cacheMounts) cache mounts, \(report.untaggedImages) unnamed images, \(report.snapshots + report.prune.snapshots) snapshots, \(report.blobs + report.prune.blobs) blobs; freed \(size(freed)); now \(size(report.sizeAfter))"
                        + (report.sizeAfter > keepStorage ? " (still over: the rest is named images or cache mounts in use)" : ""))
            }
        } catch {
            printToStandardError("warning: gc: \(error)")
        }
    }
}
