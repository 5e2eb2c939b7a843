import ArgumentParser
import Foundation
import Planner

/// `swiftbuild build` (the default): builds an image from a Dockerfile and a context directory.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image from a Dockerfile (the default command)."
    )

    @OptionGroup var dockerfile: DockerfileOptions

    @Option(name: [.customShort("t"), .customLong("tag")], help: "Name the result NAME[:TAG] (repeatable).")
    var tags: [String] = []

    @Argument(help: "The build context directory.")
    var context: String = "."

    func run() throws {
        try reportingFailures {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: context, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandFailure("\(context): the build context must be a directory")
            }
            let plan = try dockerfile.loadPlan(defaultDirectory: context)
            for warning in plan.warnings { printToStandardError("warning: \(warning)") }
            throw CommandFailure("\(plan.file): planned \(plan.buildOrder.joined().count) stage(s), but this swiftbuild cannot run build steps yet; `swiftbuild parse` shows the plan")
        }
    }
}
