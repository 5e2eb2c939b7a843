import ArgumentParser
import Dispatch
import Glibc
import Sandbox

/// The process's entry point: an unprivileged user's process first enters a user namespace
/// of its own (rootless mode, see ``UserNamespaceEntry``), then the process moves into a
/// private mount namespace of its own (see ``MountNamespaceStatus``) and runs the command.
///
/// The entry is synchronous so that the move comes before any thread exists: a mount
/// namespace belongs to each thread, and an async `main` runs on Swift's executors, whose
/// threads are the runtime's to start. The command then runs as an async `main` would: a
/// task on the main actor, served by `dispatchMain()`, and the process exits when it ends
/// (ArgumentParser exits with the command's error code itself).
@main
enum SwiftBuildMain {
    static func main() {
        switch UserNamespaceEntry.enterIfUnprivileged() {
        case .notNeeded, .entered(_, nil): break
        case .entered(_, let warning?): writeToStandardError("swiftbuild: \(warning)\n")
        case .failed(let message):
            writeToStandardError("swiftbuild: error: \(message)\n")
            exit(1)
        }
        MountNamespaceStatus.enterPrivate()
        Task {
            // buildx's `--sbom=true` and `--sbom=false`, which a flag cannot take; on another
            // subcommand's line, one error saying `--sbom` is build's.
            let others = Set(SwiftBuild.configuration.subcommands.compactMap { $0.configuration.commandName })
                .subtracting([BuildCommand.configuration.commandName].compactMap { $0 })
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let misplaced = AttestOption.sbomOutsideBuild(arguments, otherSubcommands: others) {
                SwiftBuild.exit(withError: ValidationError(misplaced))
            }
            await SwiftBuild.main(AttestOption.rewritingSBOMValues(arguments, otherSubcommands: others))
            exit(0)
        }
        dispatchMain()
    }
}

/// One line to standard error with write(2): no stdio, no Foundation before the namespaces.
private func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        bytes = bytes.dropFirst(written)
    }
}

/// The `swiftbuild` command: builds container images from Dockerfiles, with no daemon.
struct SwiftBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftbuild",
        abstract: "Build OCI container images from Dockerfiles, without a daemon.",
        discussion: "With no subcommand, swiftbuild runs `build`: swiftbuild -f Dockerfile -t app:latest .",
        version: SwiftBuildVersion.current,
        subcommands: [
            BuildCommand.self, ParseCommand.self, LoadCommand.self, SaveCommand.self, ImagesCommand.self,
            TagCommand.self, RemoveImageCommand.self, InspectCommand.self, PruneCommand.self, ElfCommand.self,
            PullCommand.self, PushCommand.self, LoginCommand.self, LogoutCommand.self, VersionCommand.self, SystemCommand.self
        ],
        defaultSubcommand: BuildCommand.self
    )
}

/// The version this binary reports.
enum SwiftBuildVersion {
    static let current = "0.1.0"
}
