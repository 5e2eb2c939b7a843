import ELF
import FileNames
import Foundation
import System

/// Whether `execve` of a file in the image would start it, judged the way the kernel and the
/// image's loader would, without executing anything: the file exists and is an executable
/// regular file; an ELF file is for the image's platform and its loader and libraries
/// resolve; a `#!` script's interpreter (and, for `/usr/bin/env NAME`, `NAME` on the image's
/// `PATH`) can start in turn.
final class LaunchCheck {
    /// The image's filesystem.
    let root: ImageRoot
    /// Resolves loaders and libraries inside ``root``.
    let resolver: DependencyResolver
    /// The image's platform, nil when not known.
    let platform: ImagePlatform?
    /// The directories of the image's `PATH`.
    let searchPath: [String]
    /// Findings per interpreter path and depth (the depth limit can change them), so that
    /// many scripts with one interpreter resolve it once; with the reads that made them when
    /// the root records (noted again on each use).
    private var memo: [MemoKey: ([String], ReadSet)] = [:]

    private struct MemoKey: Hashable {
        var path: String
        var depth: Int
    }

    /// The kernel's limit on nested `#!` interpreters (`BINPRM_MAX_RECURSION` is 4).
    static let maximumInterpreterDepth = 4
    /// The bytes of a `#!` line the kernel reads (`BINPRM_BUF_SIZE`).
    static let shebangLimit = 256
    /// runc's and Docker's `PATH` when the image sets none.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    init(root: ImageRoot, resolver: DependencyResolver, platform: ImagePlatform?, environment: [String]) {
        self.root = root
        self.resolver = resolver
        self.platform = platform
        let path = environment.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? Self.defaultPath
        searchPath = path.split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
    }

    /// What a file starts as: the first bytes tell the kernel which loader handles it.
    enum Content: Equatable {
        case elf
        /// A `#!` line: the interpreter path and its single optional argument.
        case script(interpreter: String, argument: String?)
        /// `#!` with nothing after it: `execve` fails with `ENOEXEC`.
        case emptyShebang
        case other
    }

    /// Classifies the first bytes of a file (up to ``shebangLimit``) as the kernel does: the
    /// `#!` line ends at a newline or the end of the buffer; the interpreter is the first word
    /// after `#!` and blanks, the rest (trimmed) is one argument.
    static func content(of prefix: [UInt8]) -> Content {
        if prefix.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        guard prefix.starts(with: [0x23, 0x21]) else { return .other }
        var line = prefix.dropFirst(2).prefix { $0 != 0x0A }
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        while let first = line.first, isBlank(first) { line = line.dropFirst() }
        while let last = line.last, isBlank(last) { line = line.dropLast() }
        let interpreter = line.prefix { !isBlank($0) }
        guard !interpreter.isEmpty else { return .emptyShebang }
        var rest = line.dropFirst(interpreter.count)
        while let first = rest.first, isBlank(first) { rest = rest.dropFirst() }
        return .script(
            interpreter: FileName.decode(Array(interpreter)),
            argument: rest.isEmpty ? nil : FileName.decode(Array(rest)))
    }

    /// The first bytes of the file at `path` inside the image (already resolved), or nil.
    func prefix(ofResolved path: String) -> [UInt8]? {
        root.readPrefix(path, count: Self.shebangLimit)
    }

    /// The first directory of ``searchPath`` holding an executable regular file `name`, as
    /// runc's and `env`'s `PATH` lookup finds it.
    func lookUp(_ name: String) -> String? {
        for directory in searchPath {
            let candidate = (directory.hasSuffix("/") ? directory : directory + "/") + name
            guard let resolved = try? root.resolve(candidate) else { continue }
            if let status = root.status(resolved), status.st_mode & S_IFMT == S_IFREG,
                status.st_mode & 0o111 != 0
            {
                return candidate
            }
        }
        return nil
    }

    /// Why `execve(path)` would fail or the program would not get to `main`, worded as the
    /// run-time error; empty when it would start.
    func findings(exec path: String, depth: Int = 0) -> [String] {
        let resolved: String?
        do {
            resolved = try root.resolve(path)
        } catch {
            return ["exec \(path): too many levels of symbolic links"]
        }
        guard let resolved else { return ["exec \(path): no such file or directory"] }
        guard depth > 0 else { return uncachedFindings(exec: path, resolved: resolved, depth: depth) }
        let key = MemoKey(path: path, depth: depth)
        if let known = memo[key] {
            root.readLog?.note(known.1)
            return known.0
        }
        let (result, reads) =
            root.readLog.map { log in log.recording { uncachedFindings(exec: path, resolved: resolved, depth: depth) } }
            ?? (uncachedFindings(exec: path, resolved: resolved, depth: depth), ReadSet())
        memo[key] = (result, reads)
        return result
    }

    private func uncachedFindings(exec path: String, resolved: String, depth: Int) -> [String] {
        guard let status = root.status(resolved) else { return ["exec \(path): no such file or directory"] }
        guard status.st_mode & S_IFMT == S_IFREG else { return ["exec \(path): permission denied (not a regular file)"] }
        guard status.st_mode & 0o111 != 0 else { return ["exec \(path): permission denied (the file is not executable)"] }
        guard let prefix = prefix(ofResolved: resolved) else { return ["exec \(path): permission denied (the file cannot be read)"] }
        switch Self.content(of: prefix) {
        case .elf:
            return elfFindings(path: path, resolved: resolved)
        case .emptyShebang, .other:
            return ["exec \(path): exec format error (neither an ELF file nor a #! script)"]
        case .script(let interpreter, let argument):
            guard depth < Self.maximumInterpreterDepth else {
                return [
                    "exec \(path): too many levels of symbolic links (#! interpreters nested more than \(Self.maximumInterpreterDepth) deep)"
                ]
            }
            guard interpreter.hasPrefix("/") else {
                return ["exec \(path): no such file or directory (its #! interpreter \(interpreter) is not an absolute path)"]
            }
            guard (try? root.resolve(interpreter)) ?? nil != nil else {
                return ["exec \(path): no such file or directory (its #! interpreter \(interpreter) is missing from the image)"]
            }
            let inner = findings(exec: interpreter, depth: depth + 1)
            if !inner.isEmpty { return inner.map { "\($0) (the #! interpreter of \(path))" } }
            // `#!/usr/bin/env NAME`: env looks NAME up in the image's PATH.
            if interpreter.split(separator: "/").last == "env", let argument, !argument.hasPrefix("-"),
                !argument.contains(" "), !argument.contains("/")
            {
                guard let program = lookUp(argument) else {
                    return [
                        "\(interpreter): '\(argument)': No such file or directory (\(path) runs \(argument), which is in none of the image's PATH directories \(searchPath.joined(separator: ":")))"
                    ]
                }
                return findings(exec: program, depth: depth + 1).map { "\($0) (run by \(path) through \(interpreter))" }
            }
            return []
        }
    }

    /// The findings of an ELF file: its platform, then what its loader would fail on.
    private func elfFindings(path: String, resolved: String) -> [String] {
        let file: ELFFile
        do {
            file = try resolver.file(at: resolved)
        } catch {
            return ["exec \(path): exec format error (\(error.problem))"]
        }
        return Self.startFindings(exec: path, file: file, resolving: resolved, resolver: resolver, platform: platform).messages
    }

    /// Why the ELF executable `file` at `path` would not start in an image of `platform`
    /// (nil: unknown): the run-time errors (worded), the loader's findings behind them, and
    /// the resolution's warnings. `resolving` is the path given to `resolver`.
    static func startFindings(
        exec path: String, file: ELFFile, resolving: String, resolver: DependencyResolver, platform: ImagePlatform?
    ) -> (messages: [String], findings: [ResolutionFinding], warnings: [String]) {
        if let platform, !platform.runs(ELFPlatform(file)) {
            return (["exec \(path): exec format error (an \(ELFPlatform(file)) file in a \(platform) image)"], [], [])
        }
        guard file.interpreter != nil else { return ([], [], []) }
        do {
            let resolution = try resolver.resolve(resolving)
            return (resolution.findings.map(\.description), resolution.findings, resolution.warnings)
        } catch {
            return (["\(error)"], [], [])
        }
    }

    /// The program the image's ENTRYPOINT and CMD start (`argv[0]`, resolved through `PATH`
    /// when it has no `/`, or against `workingDirectory` when relative) and, for the shell
    /// form (`SHELL -c "command"`), the first word of a simple command, which the shell looks up.
    static func programs(argv: [String], workingDirectory: String?, lookUp: (String) -> String?) -> [Launch] {
        guard let first = argv.first, !first.isEmpty else { return [] }
        var launches: [Launch] = []
        if first.contains("/") {
            let base = workingDirectory ?? "/"
            launches.append(.init(path: first.hasPrefix("/") ? first : (base.hasSuffix("/") ? base : base + "/") + first, name: first))
        } else if let found = lookUp(first) {
            launches.append(.init(path: found, name: first))
        } else {
            launches.append(.init(path: nil, name: first))
        }
        if argv.count >= 3, argv[1] == "-c", let word = simpleCommandWord(argv[2]) {
            if word.contains("/") {
                launches.append(.init(path: word.hasPrefix("/") ? word : nil, name: word, viaShell: first))
            } else if !shellBuiltins.contains(word) {
                launches.append(.init(path: lookUp(word), name: word, viaShell: first))
            }
        }
        return launches
    }

    /// One program an image's ENTRYPOINT/CMD starts.
    struct Launch: Equatable {
        /// Its path in the image; nil when `PATH` has no such program.
        var path: String?
        /// As the configuration names it.
        var name: String
        /// The shell that runs it, for the shell form.
        var viaShell: String? = nil
    }

    /// The command word of `command` when it is a simple command whose first word is a
    /// program name: no quoting, expansion, redirection or control operators anywhere (so
    /// the word is exactly what the shell runs); `exec` before it is skipped.
    static func simpleCommandWord(_ command: String) -> String? {
        let special = Set("$`'\"\\;&|<>(){}*?[]~=#\n")
        guard !command.contains(where: { special.contains($0) }) else { return nil }
        var words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.first == "exec" { words.removeFirst() }
        return words.first
    }

    /// Words a POSIX shell runs without looking them up in `PATH`.
    static let shellBuiltins: Set<String> = [
        "exec", "echo", "printf", "test", "[", "true", "false", ":", ".", "cd", "set", "export", "exit", "trap",
        "wait", "read", "eval", "shift", "umask", "ulimit", "unset", "return", "break", "continue", "if", "for",
        "while", "until", "case", "type", "command", "pwd", "kill", "local", "readonly", "times", "alias"
    ]
}
