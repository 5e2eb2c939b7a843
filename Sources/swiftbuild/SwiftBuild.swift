import ArgumentParser

/// The `swiftbuild` command: builds container images from Dockerfiles, with no daemon.
@main
struct SwiftBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftbuild",
        abstract: "Build OCI container images from Dockerfiles, without a daemon.",
        discussion: "With no subcommand, swiftbuild runs `build`: swiftbuild -f Dockerfile -t app:latest .",
        version: SwiftBuildVersion.current,
        subcommands: [
            BuildCommand.self, ParseCommand.self, LoadCommand.self, SaveCommand.self, ImagesCommand.self,
            TagCommand.self, RemoveImageCommand.self, InspectCommand.self, PruneCommand.self, ElfCommand.self,
            PullCommand.self, PushCommand.self, LoginCommand.self, LogoutCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: BuildCommand.self
    )
}

/// The version this binary reports.
enum SwiftBuildVersion {
    static let current = "0.1.0"
}
