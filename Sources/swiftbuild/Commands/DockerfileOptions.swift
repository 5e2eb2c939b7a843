import ArgumentParser
import Dockerfile
import Foundation
import OCI
import Planner

/// The options that pick and plan a Dockerfile, shared by `build` and `parse`.
struct DockerfileOptions: ParsableArguments {
    @Option(name: [.customShort("f"), .customLong("file")], help: "The Dockerfile to read ('-' for standard input).")
    var file: String?

    @Option(help: "Build only up to this stage (by name).")
    var target: String?

    @Option(name: .customLong("build-arg"), help: ArgumentHelp("Set a build-time ARG value.", valueName: "KEY=VALUE"))
    var buildArgs: [String] = []

    @Option(
        help: ArgumentHelp(
            "The platform to build for, as os/arch[/variant] (default: the host's); several, comma-separated, build an image index.",
            valueName: "PLATFORM[,PLATFORM...]"))
    var platform: String?

    /// The build args as a dictionary; `--build-arg NAME` alone takes NAME from the environment, as docker does.
    func buildArgValues() throws -> [String: String] {
        var values: [String: String] = [:]
        for argument in buildArgs {
            if let equals = argument.firstIndex(of: "=") {
                values[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
            } else if let value = ProcessInfo.processInfo.environment[argument] {
                values[argument] = value
            }
        }
        return values
    }

    /// Names of `--build-context`s (set by `build`; not an option of its own here).
    var namedContexts: Set<String> = []

    func planOptions() throws -> PlanOptions {
        var options = PlanOptions(target: target, buildArgs: try buildArgValues())
        options.namedContexts = namedContexts
        if let first = try targetPlatforms().first {
            options.targetPlatform = first
        }
        return options
    }

    /// `--platform`'s platforms, in order, each once (normalised): none without the flag,
    /// several for buildx's comma-separated list (`linux/amd64,linux/arm64`).
    func targetPlatforms() throws -> [Platform] {
        guard let platform else { return [] }
        var platforms: [Platform] = []
        for text in platform.split(separator: ",", omittingEmptySubsequences: false) {
            let parsed = try parsePlatformFlag(text.trimmingCharacters(in: .whitespaces))
            if !platforms.contains(where: { $0.normalized == parsed.normalized }) { platforms.append(parsed) }
        }
        return platforms
    }

    /// The plan options of each target platform: one per `--platform` platform, else
    /// the one ``planOptions()`` makes.
    func planOptionsPerPlatform() throws -> [PlanOptions] {
        let platforms = try targetPlatforms()
        guard platforms.count > 1 else { return [try planOptions()] }
        return try platforms.map { platform in
            var options = try planOptions()
            options.targetPlatform = platform
            return options
        }
    }

    /// Reads and plans the Dockerfile; `defaultDirectory` is where `Dockerfile` is looked for without `-f`.
    /// `givenText`, when set, is the Dockerfile itself (`docker build - < Dockerfile`).
    func loadPlan(defaultDirectory: String = ".", givenText: String? = nil) throws -> BuildPlan {
        let (name, text) = try givenText.map { ("<stdin>", $0) } ?? readDockerfile(defaultDirectory: defaultDirectory)
        let parsed = try DockerfileParser.parse(text, file: name)
        return try BuildPlanner.plan(parsed, options: planOptions())
    }

    /// The Dockerfile's name (as errors show it) and text.
    func readDockerfile(defaultDirectory: String) throws -> (String, String) {
        if file == "-" {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return ("<stdin>", String(decoding: data, as: UTF8.self))
        }
        let path = file ?? (defaultDirectory == "." ? "Dockerfile" : (defaultDirectory as NSString).appendingPathComponent("Dockerfile"))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(
                "\(path): cannot read the Dockerfile (\(FileManager.default.fileExists(atPath: path) ? "permission denied or a directory" : "no such file"))"
            )
        }
        return (path, String(decoding: data, as: UTF8.self))
    }
}

/// A failure already explained in `message`: printed on stderr, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    /// The error behind the message, when one is (its text is part of the message).
    var cause: (any Error)?
    init(_ message: String, cause: (any Error)? = nil) {
        self.message = message
        self.cause = cause
    }
    var description: String { message }
}
