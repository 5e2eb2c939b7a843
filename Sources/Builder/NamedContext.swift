import Foundation
import OCI

/// A named build context (`--build-context NAME=VALUE`, as docker buildx): what
/// `COPY --from=NAME` reads, and what `FROM NAME` starts from, in place of an image of
/// that name. A stage of the same name still wins, as in BuildKit.
public enum NamedContext: Sendable, Equatable {
    /// A local directory (read like the main context, with its own `.dockerignore`);
    /// only `COPY --from` and `ADD --from` can use it.
    case directory(URL)
    /// `docker-image://REF`: an image, from the store or its registry.
    case image(ImageReference)
    /// `oci-layout://PATH[:TAG|@DIGEST]`: an image in an OCI layout directory.
    case ociLayout(path: String, reference: String?)

    /// Parses buildx's forms; a value without a scheme is a directory.
    public init(parsing value: String) throws(NamedContextError) {
        if value.hasPrefix("docker-image://") {
            let reference = String(value.dropFirst("docker-image://".count))
            guard !reference.isEmpty else { throw NamedContextError(value: value, reason: "docker-image:// needs an image reference") }
            do {
                self = .image(try ImageReference(parsing: reference))
            } catch {
                throw NamedContextError(value: value, reason: error.description)
            }
        } else if value.hasPrefix("oci-layout://") {
            var rest = String(value.dropFirst("oci-layout://".count))
            var reference: String?
            if rest.contains("@") {
                throw NamedContextError(value: value, reason: "name the layout's image by its tag (oci-layout://PATH:TAG), not by a digest")
            }
            if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
                reference = String(rest[rest.index(after: colon)...])
                rest = String(rest[..<colon])
            }
            guard !rest.isEmpty else { throw NamedContextError(value: value, reason: "oci-layout:// needs a directory") }
            self = .ociLayout(path: rest, reference: reference)
        } else if value.contains("://") {
            throw NamedContextError(value: value, reason: "only a directory, docker-image:// and oci-layout:// are supported")
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: value, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw NamedContextError(value: value, reason: "not a directory")
            }
            self = .directory(URL(fileURLWithPath: value))
        }
    }

    /// The image `FROM NAME` and `COPY --from=NAME` resolve instead of NAME; nil for a
    /// directory. An image is looked up in the store (and fetched) by the name docker
    /// shows for it (`busybox` is `busybox:latest`).
    var imageSource: ImageSource? {
        switch self {
        case .directory: nil
        case .image(let reference): .stored(reference.familiarDescription)
        case .ociLayout(let path, let reference): .archive(path: path, reference: reference)
        }
    }
}

/// Why a `--build-context` value cannot be used.
public struct NamedContextError: Error, Sendable, CustomStringConvertible {
    public var value: String
    public var reason: String
    public var description: String { "--build-context \(value): \(reason)" }
}
