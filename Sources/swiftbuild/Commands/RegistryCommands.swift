import ArgumentParser
import Foundation
import OCI
import Registry
import Store

/// `--tls-verify`, `--cert-dir`, `--authfile`: how `pull`, `push` and `login` reach a registry.
struct RegistryOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Verify TLS certificates; false also allows plain HTTP (always allowed for localhost and 127.0.0.1).", valueName: "BOOL"))
    var tlsVerify: Bool = true
    @Option(
        help: ArgumentHelp(
            "A directory with CA certificates (*.crt) to trust and a client certificate (*.cert with its *.key).", valueName: "DIR"))
    var certDir: String?
    @Option(
        help: ArgumentHelp("The credentials file (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).", valueName: "PATH"))
    var authfile: String?

    func configuration(credentials: RegistryCredentials? = nil) -> RegistryConfiguration {
        var configuration = RegistryConfiguration()
        configuration.tlsVerify = tlsVerify
        configuration.certificateDirectory = certDir
        configuration.credentials = credentials
        if let authfile { configuration.dockerConfigPath = authfile }
        return configuration
    }
}

/// `swiftbuild pull REF`: downloads an image from a registry into the store.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry into the store (NAME[:TAG], NAME@DIGEST, HOST[:PORT]/NAME...)."
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "The image reference; `alpine` is docker.io/library/alpine:latest.") var reference: String
    @Option(help: ArgumentHelp("The platform to pull from a multi-platform image (default: the host's).", valueName: "OS/ARCH[/VARIANT]"))
    var platform: String?
    @Flag(name: .shortAndLong, help: "Print nothing but the image ID.") var quiet = false
    @Option(help: "Progress output: auto (tty on a terminal), plain, tty or quiet.") var progress: ProgressMode = .auto

    func run() async throws {
        try await reportingFailures {
            let reference = try ImageReference(parsing: reference)
            let platform = try platform.map(parsePlatformFlag) ?? .host
            let store = try store.openStore()
            let view = TransferView(mode: quiet ? .quiet : progress, title: "Pulling", transfer: "pulling \(reference)")
            let pulled = try await view.showing { report in
                try await RegistryClient.withClient(configuration: registry.configuration()) { client in
                    try await client.pull(reference, platform: platform, into: store, progress: report)
                }
            }
            let quiet = view.mode == .quiet
            if !quiet { printToStandardError("Pulled \(reference) as \(pulled.name ?? "<none>")") }
            print(pulled.descriptor.digest)
        }
    }
}

/// `swiftbuild push NAME [DEST]`: uploads an image of the store to a registry.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image of the store to a registry, as NAME or as DEST."
    )

    @OptionGroup var store: StoreOptions
    @OptionGroup var registry: RegistryOptions
    @Argument(help: "An image name or ID in the store.") var name: String
    @Argument(help: "Where to push it (default: NAME), e.g. localhost:5000/team/app:1.0.") var destination: String?
    @Flag(name: .shortAndLong, help: "Print nothing but the manifest digest.") var quiet = false
    @Option(help: "Progress output: auto (tty on a terminal), plain, tty or quiet.") var progress: ProgressMode = .auto

    func run() async throws {
        try await reportingFailures {
            let store = try store.openStore()
            let index = try store.inspectIndex(name)
            let image = index == nil ? try store.inspect(name) : nil
            let reference = try ImageReference(parsing: destination ?? name)
            let view = TransferView(mode: quiet ? .quiet : progress, title: "Pushing", transfer: "pushing \(reference)")
            let pushed = try await view.showing { report in
                try await RegistryClient.withClient(configuration: registry.configuration()) { client in
                    if let index { return try await client.push(index, from: store, to: reference, progress: report) }
                    return try await client.push(image!, from: store, to: reference, progress: report)
                }
            }
            let quiet = view.mode == .quiet
            if !quiet { printToStandardError("Pushed \(reference): \(pushed.digest) (\(pushed.size) bytes)") }
            print(pushed.digest)
        }
    }
}

/// How standalone `pull` and `push` show their transfer: on a terminal (`auto`, `tty`;
/// plain when stderr is no terminal or `TERM` is `dumb`, as `build` decides) the live view
/// with each blob's bytes and rate, ending as one line with the bytes moved; `plain` a line
/// per blob event; `quiet` nothing.
struct TransferView {
    let mode: ProgressMode
    let title: String
    let transfer: String

    init(mode: ProgressMode, title: String, transfer: String) {
        self.title = title
        self.transfer = transfer
        switch mode {
        case .auto, .tty:
            self.mode =
                Terminal.canDrawLive(on: STDERR_FILENO, environment: ProcessInfo.processInfo.environment) ? .tty : .plain
        case .plain, .quiet:
            self.mode = mode
        }
    }

    /// Runs the transfer `body`, handing it the handler of its blob reports.
    func showing<T>(_ body: (@escaping @Sendable (TransferProgress) -> Void) async throws -> T) async throws -> T {
        guard mode == .tty else {
            let quiet = mode == .quiet
            return try await body { event in
                if !quiet, event.isMilestone { printToStandardError(event.description) }
            }
        }
        let live = LiveProgressDisplay(title: title)
        live.start()
        let handle = live.beginTransfer(transfer)
        let result: T
        do {
            result = try await body { live.report($0, transfer: handle) }
        } catch {
            live.finish(error is CancellationError ? .canceled : .failed)
            throw error
        }
        live.endTransfer(handle)
        live.finish(.finished)
        return result
    }
}

/// `swiftbuild login REGISTRY`: checks credentials with the registry and stores them.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in to a registry: check the credentials and store them in the docker config."
    )

    @OptionGroup var registry: RegistryOptions
    @Argument(help: "The registry, HOST[:PORT] (default docker.io).") var server: String = ImageReference.dockerHub
    @Option(name: .shortAndLong, help: "The user name.") var username: String
    @Option(name: .shortAndLong, help: "The password (prefer --password-stdin).") var password: String?
    @Flag(help: "Read the password from standard input.") var passwordStdin = false

    func validate() throws {
        guard (password != nil) != passwordStdin else {
            throw ValidationError("give the password with exactly one of --password and --password-stdin")
        }
    }

    func run() async throws {
        try await reportingFailures {
            let host = LogoutCommand.registryHost(server)
            let secret: String
            if let password {
                secret = password
            } else {
                let input = FileHandle.standardInput.readDataToEndOfFile()
                secret = String(decoding: input, as: UTF8.self).trimmingCharacters(in: .newlines)
            }
            let credentials = RegistryCredentials(username: username, password: secret)
            let configuration = registry.configuration(credentials: credentials)
            try await RegistryClient.withClient(configuration: configuration) { client in
                try await client.checkLogin(registry: host)
            }
            try DockerConfig(path: configuration.dockerConfigPath).store(credentials, for: host)
            print("Login Succeeded")
        }
    }
}

/// `swiftbuild logout REGISTRY`: removes stored credentials.
struct LogoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove a registry's credentials from the docker config."
    )

    @OptionGroup var registry: RegistryOptions
    @Argument(help: "The registry, HOST[:PORT] (default docker.io).") var server: String = ImageReference.dockerHub

    func run() throws {
        try reportingFailures {
            let host = Self.registryHost(server)
            let config = DockerConfig(path: registry.configuration().dockerConfigPath)
            guard try config.remove(registry: host) else {
                throw ValidationError("not logged in to \(host) (no entry in \(config.path))")
            }
            print("Removed login credentials for \(host)")
        }
    }

    /// The registry a login names: `https://host:5000/v1/` is `host:5000`; Docker Hub's
    /// names are `docker.io`.
    static func registryHost(_ text: String) -> String {
        var host = Substring(text)
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        let name = String(host.prefix { $0 != "/" })
        return ["index.docker.io", "registry-1.docker.io"].contains(name) ? ImageReference.dockerHub : name
    }
}
