import OCI

/// A reference pinned to a digest: `NAME@sha256:...` or `NAME:TAG@sha256:...`, the form
/// `pull` takes and Dockerfiles use to pin a base image. The digest names the image (the
/// manifest or index digest, which is the store's image ID); the name must be one docker
/// accepts but does not choose the image, so a pinned FROM builds on exactly the bytes
/// it names whatever the tag points at now.
struct DigestReference {
    /// The name before `@`, normalised (`app` is `app:latest`).
    var name: ImageName
    var digest: Digest

    /// Nil when `text` has no `@`; throws when it has one but is not a name and a digest.
    init?(parsing text: String) throws(StoreError) {
        guard let at = text.lastIndex(of: "@") else { return nil }
        name = try ImageName(parsing: String(text[..<at]))
        do {
            digest = try Digest(parsing: String(text[text.index(after: at)...]))
        } catch {
            throw StoreError.invalidName(text, reason: "after '@' comes a digest: 'sha256:' and 64 lower-case hex digits")
        }
    }
}
