import ArgumentParser

/// `swiftbuild version`: prints the version.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print swiftbuild's version.")

    func run() {
        print("swiftbuild \(SwiftBuildVersion.current)")
    }
}
