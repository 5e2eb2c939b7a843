import Foundation
import OCI
import Store

/// Where FROM and `COPY --from` take an image from: the store (and, through it, the
/// image's registry), or an explicit archive transport: `oci-archive:PATH[:REF]`,
/// `docker-archive:PATH[:REF]`, `oci:DIR[:REF]`.
///
/// The store's case keeps the text as written rather than an ``OCI/ImageReference``: the
/// store also takes image IDs (`FROM 0123456789ab`), which are no reference, and parses
/// names itself (``Store/ImageStore/baseImage(named:)``); a fetch parses the text as a
/// reference. An archive's REF is the name its index gives the image (`ref.name` or
/// `RepoTags`), not a registry reference.
enum ImageSource: Equatable {
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

    /// The image with its snapshots: from the store, or imported (untagged) from the
    /// transport; from an index, `platform`'s manifest.
    func resolve(in store: ImageStore, platform: Platform = .host) throws -> BaseImage {
        switch self {
        case .stored(let name):
            return try store.baseImage(named: name, platform: platform)
        case .archive(let path, let reference):
            return try store.baseImage(
                of: store.importImage(from: URL(fileURLWithPath: path), reference: reference, platform: platform))
        }
    }
}
