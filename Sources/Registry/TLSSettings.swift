import Foundation
import NIOSSL

/// The TLS configuration for one registry: the system's CAs, plus the `*.crt` files of
/// its certificate directory, plus that directory's `*.cert`/`*.key` client certificate,
/// laid out as containers' and Docker's `certs.d/HOST[:PORT]/` directories are.
enum TLSSettings {
    /// The directories searched when no `--cert-dir` is given, in order.
    static let defaultRoots = ["/etc/containers/certs.d", "/etc/docker/certs.d"]

    /// The configuration for `registry`; `verify` false accepts any certificate.
    static func configuration(for registry: String, directory explicit: String?, verify: Bool) throws(RegistryError)
        -> TLSConfiguration
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if !verify { configuration.certificateVerification = .none }
        let directory =
            explicit
            ?? defaultRoots.map { "\($0)/\(registry)" }.first {
                FileManager.default.fileExists(atPath: $0)
            }
        guard let directory else { return configuration }
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .certificates(path: directory, reason: error.localizedDescription, cause: error)
        }
        do {
            for file in files where file.hasSuffix(".crt") {
                configuration.additionalTrustRoots.append(.certificates(try NIOSSLCertificate.fromPEMFile("\(directory)/\(file)")))
            }
            if let certificate = files.first(where: { $0.hasSuffix(".cert") }) {
                let key = String(certificate.dropLast(".cert".count)) + ".key"
                guard files.contains(key) else {
                    throw RegistryError.certificates(path: directory, reason: "\(certificate) has no matching \(key)")
                }
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile("\(directory)/\(certificate)").map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: "\(directory)/\(key)", format: .pem))
            }
        } catch let error as RegistryError {
            throw error
        } catch {
            throw .certificates(path: directory, reason: "\(error)", cause: error)
        }
        return configuration
    }
}
