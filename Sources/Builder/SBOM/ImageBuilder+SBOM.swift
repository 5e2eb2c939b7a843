import ELF
import Foundation
import OCI
import SBOM
import Store

extension ImageBuilder {
    /// Makes the SPDX 2.3 SBOM of `image` (the software its root filesystem holds, see
    /// ``ImageInventory``) and stores it as an OCI 1.1 artifact referring to the image's
    /// manifest (artifact type `application/spdx+json`), which `save`, `--output type=oci`
    /// and `push` carry along with the image. `name` is the image's name in the document
    /// (its first tag, or its ID); `namingArchitecture` (for one platform's image of an
    /// index) puts the image's architecture in its package URL.
    ///
    /// - Returns: the document's bytes, and what could not be read (each naming the file).
    public func attachSBOM(
        to image: ImageDetails, name: String, namingArchitecture: Bool = false
    ) throws -> (document: [UInt8], problems: [String]) {
        let inventory = try withRootFilesystem(of: image) { root in ImageInventory(root: ImageRoot(root.path)).scan() }
        var spdx = SPDXDocument(
            imageName: name, imageDigest: image.descriptor.digest.description, created: image.config.created,
            packages: inventory.packages)
        if namingArchitecture { spdx.architecture = image.config.platform.architecture }
        let document = try spdx.encoded()
        try store.attachArtifact(document, artifactType: MediaType(rawValue: SPDXDocument.mediaType), to: image.descriptor)
        return (document, inventory.problems)
    }
}
