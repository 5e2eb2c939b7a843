import Foundation
import Glibc

/// Where a build's SSH agent `ID` comes from (`--ssh ID[=SOCKET|KEYFILE[,KEYFILE...]]`,
/// docker buildx's forms): an agent's socket, or private key files that the build loads
/// into an agent of its own (``PrivateSSHAgent``). A step never sees either path: it gets
/// a socket of the build's own that forwards to the agent (``SSHAgentForwarder``).
public enum SSHSource: Sendable, Equatable {
    /// The Unix socket of a running agent (absolute).
    case socket(String)
    /// Private key files (absolute), loaded into a private agent while the build runs.
    case keys([String])

    /// Splits docker buildx's `--ssh` value: `ID` alone (the agent `$SSH_AUTH_SOCK` names)
    /// or `ID=PATH[,PATH...]`.
    public static func split(_ text: String) throws -> (id: String, paths: [String]) {
        let id = String(text.prefix(while: { $0 != "=" }))
        guard !id.isEmpty else { throw SSHSourceError("--ssh \(text): the agent has no id (ID or ID=PATH)") }
        guard text.count > id.count else { return (id, []) }
        let paths = text.dropFirst(id.count + 1).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !paths.contains(where: \.isEmpty) || paths == [""] else {
            throw SSHSourceError("--ssh \(text): an empty path in the list")
        }
        return (id, paths == [""] ? [] : paths)
    }

    /// Parses a `--ssh` value and looks at what it names, as buildx does: no path is the
    /// socket `$SSH_AUTH_SOCK`; one path that is a socket is that agent; otherwise every
    /// path must be a key file. A path that does not exist is an error naming it.
    public static func parse(
        _ text: String, environment: [String: String], currentDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> (id: String, source: SSHSource) {
        let (id, written) = try split(text)
        var paths = written
        if paths.isEmpty {
            guard let socket = environment["SSH_AUTH_SOCK"], !socket.isEmpty else {
                throw SSHSourceError(
                    "--ssh \(text): SSH_AUTH_SOCK is not set; start an agent or name its socket or key files (--ssh \(id)=PATH)")
            }
            paths = [socket]
        }
        paths = paths.map { $0.hasPrefix("/") ? $0 : (currentDirectory as NSString).appendingPathComponent($0) }
        var types: [mode_t] = []
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0 else {
                let reason = String(cString: strerror(errno))
                throw SSHSourceError("--ssh \(id): cannot use \(path): \(reason)")
            }
            types.append(status.st_mode & S_IFMT)
        }
        if paths.count == 1, types[0] == S_IFSOCK { return (id, .socket(paths[0])) }
        for (path, type) in zip(paths, types) where type != S_IFREG {
            throw SSHSourceError(
                "--ssh \(id): \(path) is neither an agent's socket nor a key file\(paths.count > 1 && type == S_IFSOCK ? " (a socket must be alone)" : "")"
            )
        }
        return (id, .keys(paths))
    }
}

/// A `--ssh` value that is not one of buildx's forms, or names what is not there.
public struct SSHSourceError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
