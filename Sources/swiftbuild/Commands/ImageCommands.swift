import ArgumentParser
import Foundation
import OCI
import Store

/// `swiftbuild images`: lists the tagged images in the store.
struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "images", abstract: "List the images in the store.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var store: StoreOptions
    @Option(help: "Output format: table or json.") var format: Format = .table

    func run() throws {
        try reportingFailures {
            let images = try store.openStore().images()
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(images), as: UTF8.self))
            case .table:
                let rows = images.map { image in
                    [
                        image.name, String(image.digest.hex.prefix(12)), image.problem.map { "broken: \($0)" } ?? image.created ?? "",
                        Self.humanSize(image.size), image.platform
                    ]
                }
                print(Table.render(header: ["NAME", "IMAGE ID", "CREATED", "SIZE", "PLATFORM"], rows: rows), terminator: "")
            }
        }
    }

    static func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

/// `swiftbuild tag SRC DST`: gives an image another name.
struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Give an image in the store another name.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "An image name in the store.") var source: String
    @Argument(help: "The new name, NAME[:TAG].") var destination: String

    func run() throws {
        try reportingFailures { try store.openStore().tag(source, as: destination) }
    }
}

/// `swiftbuild rmi NAME...`: removes names from the store (`prune` frees the space).
struct RemoveImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmi", abstract: "Remove image names from the store; `prune` frees their space.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "Image names or IDs.") var names: [String]

    func run() throws {
        try reportingFailures {
            let opened = try store.openStore()
            for name in names {
                for removed in try opened.removeName(name) { print("Untagged: \(removed)") }
            }
        }
    }
}

/// `swiftbuild inspect NAME`: prints an image's manifest and config, and its referrers.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print an image's descriptor, manifest, config and referrers (its SBOM) as JSON (an index: each platform's).")

    @OptionGroup var store: StoreOptions
    @Argument(help: "An image name or ID in the store.") var name: String

    func run() throws {
        try reportingFailures {
            let opened = try store.openStore()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // An index (a multi-platform image): the index, and each platform's manifest and config.
            if let index = try opened.inspectIndex(name) {
                print(String(decoding: try encoder.encode(index), as: UTF8.self))
                return
            }
            print(String(decoding: try encoder.encode(opened.inspect(name)), as: UTF8.self))
        }
    }
}

/// `swiftbuild prune`: removes what no tag needs.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove blobs, snapshots and leftovers that no tagged image needs.")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Also remove the build cache (its records and the snapshots only it keeps).")
    var buildCache = false

    @Option(
        help: ArgumentHelp(
            "Remove build cache entries, least recently used first, until the store takes at most SIZE (e.g. 10GB, 512MB, 1.5GiB).",
            valueName: "SIZE"))
    var keepStorage: String?

    @Option(
        help: ArgumentHelp(
            "Remove only build cache entries last used longer ago than DURATION (until=24h, until=1h30m); repeatable as in buildx.",
            valueName: "until=DURATION"))
    var filter: [String] = []

    @Flag(
        help: ArgumentHelp(
            "Remove every image name first, then everything --build-cache removes: the store keeps no content.",
            discussion:
                "Rootless, this is how a store whose files belong to subordinate IDs is emptied; rm -rf of it then works as the user."))
    var all = false

    func run() throws {
        let keepBytes = try keepStorage.map { (text: String) throws -> Int64 in
            do { return try StorageSize.bytes(text) } catch { throw ValidationError("--keep-storage \(error)") }
        }
        let usedBefore = try PruneFilter.usedBefore(filter, now: Date())
        if (buildCache || all) && (keepBytes != nil || usedBefore != nil) {
            throw ValidationError(
                "--build-cache and --all remove the whole build cache; --keep-storage and --filter choose part of it: use one or the other")
        }
        try reportingFailures {
            let opened = try store.openStore()
            if all {
                for image in try opened.images() {
                    try opened.removeName(image.name == "<none>" ? image.digest.description : image.name)
                }
            }
            guard keepBytes != nil || usedBefore != nil else {
                print(Self.summary(try opened.prune(buildCache: buildCache || all), buildCache: buildCache || all), terminator: "")
                return
            }
            let report = try opened.prune(budget: BuildCacheBudget(keepStorage: keepBytes, usedBefore: usedBefore))
            print(Self.summary(report, keepStorage: keepBytes), terminator: "")
        }
    }
}

extension PruneCommand {
    /// The first line counts what was removed; then the space each kind freed, and,
    /// without `--build-cache`, what `--build-cache` would also free.
    static func summary(_ report: PruneReport, buildCache: Bool) -> String {
        let size = ImagesCommand.humanSize
        var lines = [
            "Removed \(report.blobs) blobs, \(report.snapshots) snapshots, \(report.cacheRecords) cache records, \(report.cacheMounts) cache mounts, \(report.workspaces) abandoned work directories; reclaimed \(size(report.bytes))",
            "  unreferenced blobs and snapshots: \(size(report.unreferencedBytes))",
            "  build cache (records and the snapshots only they keep): \(size(report.buildCacheBytes))",
            "  cache mounts: \(size(report.cacheMountBytes))",
            "  abandoned work directories: \(size(report.workspaceBytes))"
        ]
        if !buildCache {
            lines.append(
                "Kept, which prune --build-cache frees: build cache \(size(report.keptBuildCacheBytes)) (\(report.keptCacheRecords) records and the snapshots only they keep), \(report.keptCacheMounts) cache mounts \(size(report.keptCacheMountBytes))"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension PruneCommand {
    /// The unconditional part as ``summary(_:buildCache:)`` words it, then the least
    /// recently used entries removed and the store's size before and after.
    static func summary(_ report: BudgetPruneReport, keepStorage: Int64?) -> String {
        let size = ImagesCommand.humanSize
        var lines = summary(report.prune, buildCache: true).split(separator: "\n").map(String.init)
        lines.append(
            "Removed least recently used first: \(report.cacheRecords) cache records, \(report.cacheMounts) cache mounts, \(report.untaggedImages) unnamed images, and the \(report.snapshots) snapshots and \(report.blobs) blobs only they kept; reclaimed \(size(report.bytes))"
        )
        if report.heldCacheMounts > 0 { lines.append("Kept \(report.heldCacheMounts) cache mounts a running build holds") }
        var total = "Store: \(size(report.sizeBefore)) before, \(size(report.sizeAfter)) now"
        if let keepStorage {
            total +=
                report.sizeAfter <= keepStorage
                ? " (within --keep-storage \(size(keepStorage)))"
                : " (over --keep-storage \(size(keepStorage)): the rest is named images, what they need, or entries the filter keeps)"
        }
        lines.append(total)
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Renders rows as left-aligned columns, as `docker images` does.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
