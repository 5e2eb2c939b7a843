import Foundation
import Store

/// How FROM and `COPY --from` name an image: a name in the store, or an explicit
/// transport: `oci-archive:PATH[:REF]`, `docker-archive:PATH[:REF]`, `oci:DIR[:REF]`.
enum ImageReference: Equatable {
    case stored(String)
    case archive(path: String, reference: String?)

    init(_ text: String) {
        for prefix in ["oci-archive:", "docker-archive:", "oci:"] where text.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            let path = rest.prefix(while: { $0 != ":" })
            let reference = rest.dropFirst(path.count).dropFirst()
            self = .archive(path: String(path), reference: reference.isEmpty ? nil : String(reference))
            return
        }
        self = .stored(text)
    }

    /// The image with its snapshots: from the store, or imported (untagged) from the transport.
    func resolve(in store: ImageStore) throws -> BaseImage {
        switch self {
        case .stored(let name):
            return try store.baseImage(named: name)
        case .archive(let path, let reference):
            return try store.baseImage(of: store.importImage(from: URL(fileURLWithPath: path), reference: reference))
        }
    }
}
