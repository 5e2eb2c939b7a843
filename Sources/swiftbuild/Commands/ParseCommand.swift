import ArgumentParser
import Dockerfile
import Foundation
import Planner

/// `swiftbuild parse`: reads a Dockerfile and prints the build plan, without building.
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse a Dockerfile and print its stages, graph and instructions."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var dockerfile: DockerfileOptions

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func run() throws {
        try reportingFailures {
            let plan = try dockerfile.loadPlan()
            for warning in plan.warnings { printToStandardError("warning: \(warning)") }
            switch format {
            case .json: print(try PlanJSON.encode(plan))
            case .text: print(PlanText.render(plan), terminator: "")
            }
        }
    }
}

/// Encodes a plan as the JSON `parse --format json` prints.
enum PlanJSON {
    static func encode(_ plan: BuildPlan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(PlanReport(plan)), as: UTF8.self)
    }
}

/// Renders a plan for people: one block per stage, instructions with their lines.
enum PlanText {
    static func render(_ plan: BuildPlan) -> String {
        var out = ""
        for arg in plan.globalArgs {
            out += "ARG \(arg.name)\(arg.value.map { "=\($0)" } ?? "") (global)\n"
        }
        for stage in plan.stages {
            let name = stage.name.map { " \"\($0)\"" } ?? ""
            let marks = [stage.skipped ? "skipped" : nil, stage.index == plan.targetIndex ? "target" : nil].compactMap { $0 }
            out += "stage \(stage.index)\(name) FROM \(stage.baseName)"
            if let platform = stage.platform { out += " (platform \(platform))" }
            if !marks.isEmpty { out += " [\(marks.joined(separator: ", "))]" }
            out += "\n"
            if !stage.dependsOn.isEmpty { out += "  depends on: \(stage.dependsOn.map(String.init).joined(separator: ", "))\n" }
            for instruction in stage.instructions {
                out += "  \(instruction.line): \(instruction.keyword.rawValue) \(summary(instruction))\n"
            }
        }
        let waves = plan.buildOrder.map { "[" + $0.map(String.init).joined(separator: " ") + "]" }
        out += "build order: \(waves.joined(separator: " -> "))\n"
        return out
    }

    private static func summary(_ instruction: Instruction) -> String {
        var words = instruction.flags.entries.map { entry -> String in
            switch entry.value {
            case .bool(let value): return "--\(entry.name)=\(value)"
            case .string(let value): return "--\(entry.name)=\(value)"
            case .list(let values): return values.map { "--\(entry.name)=\($0)" }.joined(separator: " ")
            }
        }
        let arguments = instruction.arguments.joined(separator: " ")
        words.append(instruction.isExecForm == true ? "\(instruction.arguments)" : arguments)
        let line = words.joined(separator: " ").replacingOccurrences(of: "\n", with: "\\n")
        return instruction.heredocs.isEmpty ? line : line + " (heredocs: \(instruction.heredocs.map(\.name).joined(separator: ", ")))"
    }
}
