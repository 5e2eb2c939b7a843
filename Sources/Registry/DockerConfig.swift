import Foundation
import OCI
import System

/// The credentials part of Docker's client configuration file (`~/.docker/config.json`,
/// or `$DOCKER_CONFIG/config.json`): the `auths` object, keyed by registry, each entry
/// with a base64 `auth` of `username:password` (or `username` and `password` fields).
///
/// Writes keep every other key of the file as it was and replace the file atomically
/// with mode 0600. Credential helpers (`credsStore`, `credHelpers`) are not consulted.
public struct DockerConfig: Sendable {
    /// The file's path.
    public let path: String

    /// The file at `path`.
    public init(path: String) {
        self.path = path
    }

    /// The file Docker uses: `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let directory = environment["DOCKER_CONFIG"], !directory.isEmpty {
            return directory + "/config.json"
        }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.docker/config.json"
    }

    /// The `auths` key Docker writes for a registry: Docker Hub's is `https://index.docker.io/v1/`.
    public static func key(for registry: String) -> String {
        registry == ImageReference.dockerHub ? "https://index.docker.io/v1/" : registry
    }

    /// The credentials stored for `registry`, trying the keys other clients write too
    /// (`https://HOST`, `http://HOST`, `HOST/v1/`); nil when there are none.
    public func credentials(for registry: String) throws(RegistryError) -> RegistryCredentials? {
        guard let auths = try read()["auths"] as? [String: Any] else { return nil }
        var hosts = [registry]
        if registry == ImageReference.dockerHub {
            hosts += ["index.docker.io", "registry-1.docker.io"]
        }
        for (key, value) in auths {
            guard Self.host(of: key).map(hosts.contains) == true, let entry = value as? [String: Any] else { continue }
            if let auth = entry["auth"] as? String, !auth.isEmpty {
                guard let credentials = RegistryCredentials(basicValue: auth) else {
                    throw .credentialsFile(path: path, reason: "auths[\"\(key)\"].auth is not base64 of username:password")
                }
                return credentials
            }
            if let username = entry["username"] as? String, let password = entry["password"] as? String {
                return RegistryCredentials(username: username, password: password)
            }
        }
        return nil
    }

    /// Stores `credentials` for `registry`, replacing what the file had for it.
    public func store(_ credentials: RegistryCredentials, for registry: String) throws(RegistryError) {
        var document = try read()
        var auths = (document["auths"] as? [String: Any]) ?? [:]
        for key in auths.keys where Self.host(of: key) == registry { auths[key] = nil }
        auths[Self.key(for: registry)] = ["auth": credentials.basicValue]
        document["auths"] = auths
        try write(document)
    }

    /// Removes every entry for `registry`; returns false when there was none.
    @discardableResult
    public func remove(registry: String) throws(RegistryError) -> Bool {
        var document = try read()
        guard var auths = document["auths"] as? [String: Any] else { return false }
        let keys = auths.keys.filter { Self.host(of: $0) == registry || $0 == Self.key(for: registry) }
        guard !keys.isEmpty else { return false }
        for key in keys { auths[key] = nil }
        document["auths"] = auths
        try write(document)
        return true
    }

    /// The registry an `auths` key names: `https://host:5000/v1/` is `host:5000`, and
    /// Docker Hub's keys are `docker.io`.
    static func host(of key: String) -> String? {
        var text = Substring(key)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        let host = String(text.prefix { $0 != "/" })
        guard !host.isEmpty else { return nil }
        return ["index.docker.io", "registry-1.docker.io"].contains(host) ? ImageReference.dockerHub : host
    }

    private func read() throws(RegistryError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x09 || $0 == 0x0d }) { return [:] }
        do {
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw RegistryError.credentialsFile(path: path, reason: "not a JSON object")
            }
            return object
        } catch let error as RegistryError {
            throw error
        } catch {
            throw .credentialsFile(path: path, reason: "invalid JSON: \(error.localizedDescription)", cause: error)
        }
    }

    private func write(_ document: [String: Any]) throws(RegistryError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).\(UUID().uuidString).tmp"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw RegistryError.credentialsFile(path: temporary, reason: "cannot create the file")
            }
            guard rename(temporary, path) == 0 else {
                let error = SystemError.last("rename")
                throw RegistryError.credentialsFile(path: path, reason: error.message, cause: error)
            }
        } catch let error as RegistryError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw .credentialsFile(path: path, reason: error.localizedDescription, cause: error)
        }
    }
}
