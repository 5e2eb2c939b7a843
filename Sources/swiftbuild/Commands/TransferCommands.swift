import ArgumentParser
import Foundation
import Store

/// `swiftbuild load -i FILE`: imports images from an archive or a layout directory.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load images from an OCI archive, a docker archive (docker/podman save) or an OCI layout directory."
    )

    @OptionGroup var store: StoreOptions
    @Option(name: [.customShort("i"), .customLong("input")], help: "The archive file or layout directory.") var input: String

    func run() throws {
        try reportingFailures {
            let report = try store.openStore().load(from: URL(fileURLWithPath: input))
            for name in report.names { print("Loaded image: \(name)") }
            for reason in report.skipped { printToStandardError("warning: \(input): \(reason)") }
        }
    }
}

/// `swiftbuild save NAME -o FILE`: exports an image.
struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save an image as an OCI archive, a docker archive or an OCI layout directory.")

    @OptionGroup var store: StoreOptions
    @Argument(help: "An image name in the store.") var name: String
    @Option(name: [.customShort("o"), .customLong("output")], help: "The file (or directory, for oci-dir) to write.") var output: String
    @Option(help: "oci-archive, docker-archive or oci-dir.") var format: ExportFormat = .ociArchive

    func run() throws {
        try reportingFailures {
            try store.openStore().save(name, to: URL(fileURLWithPath: output), format: format)
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
