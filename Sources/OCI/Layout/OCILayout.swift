/// An OCI image layout directory: an `oci-layout` file, an `index.json` listing the
/// images (tags are entries with an `org.opencontainers.image.ref.name` annotation),
/// and content-addressed blobs under `blobs/<algorithm>/<hex>`.
///
/// Every write is atomic: new content goes to a temporary file on the same file system,
/// is fsynced, then renamed into place, and the directory is fsynced. Concurrent writers
/// of `index.json` must serialise themselves (the store holds a lock); blob writes need
/// no lock, since equal digests mean equal content.
public struct OCILayout: Sendable {
    /// The layout's root directory.
    public let root: String
    /// Where blob writes are staged before being renamed into place; on the same file
    /// system as ``root``.
    public let temporaryDirectory: String

    /// The default cap on JSON documents (manifests, configs, indexes) read into memory: 16 MiB.
    public static let defaultMaxDocumentSize: Int64 = 16 << 20

    private init(root: String, temporaryDirectory: String?) {
        self.root = root
        self.temporaryDirectory = temporaryDirectory ?? "\(root)/blobs/.tmp"
    }

    /// Creates an image layout at `root`, or opens the one already there. Missing
    /// directories, `oci-layout` and an empty `index.json` are created; existing files are
    /// never replaced, so this is safe to run concurrently with other users of the layout.
    /// - Parameter temporaryDirectory: where to stage blob writes (default `blobs/.tmp`),
    ///   on the same file system as `root`.
    public static func create(at root: String, temporaryDirectory: String? = nil) throws(OCIError) -> OCILayout {
        let layout = OCILayout(root: root, temporaryDirectory: temporaryDirectory)
        try FileIO.makeDirectories("\(root)/blobs")
        _ = try FileIO.createIfAbsent(layout.headerPath, with: OCIJSON.encode(OCILayoutHeader()))
        _ = try FileIO.createIfAbsent(layout.indexPath, with: OCIJSON.encode(ImageIndex()))
        try layout.validateHeader()
        return layout
    }

    /// Opens the image layout at `root`, checking its `oci-layout` file.
    /// - Parameter temporaryDirectory: where to stage blob writes (default `blobs/.tmp`),
    ///   on the same file system as `root`.
    public static func open(at root: String, temporaryDirectory: String? = nil) throws(OCIError) -> OCILayout {
        let layout = OCILayout(root: root, temporaryDirectory: temporaryDirectory)
        try layout.validateHeader()
        return layout
    }

    /// The path of the `oci-layout` file.
    public var headerPath: String { "\(root)/oci-layout" }

    /// The path of `index.json`.
    public var indexPath: String { "\(root)/index.json" }

    /// Reads and decodes `index.json`.
    public func readIndex() throws(OCIError) -> ImageIndex {
        guard let bytes = try FileIO.readFile(indexPath, limit: Self.defaultMaxDocumentSize) else {
            throw .notALayout(path: root, reason: "no index.json")
        }
        return try OCIJSON.decode(ImageIndex.self, from: bytes, what: indexPath)
    }

    /// Atomically replaces `index.json` with `index`, encoded by ``OCIJSON``. The
    /// temporary file is written next to `index.json`.
    public func writeIndex(_ index: ImageIndex) throws(OCIError) {
        try FileIO.replace(indexPath, with: OCIJSON.encode(index), temporaryDirectory: root)
    }

    /// Throws unless `oci-layout` exists and names a supported version.
    private func validateHeader() throws(OCIError) {
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.readFile(headerPath, limit: Self.defaultMaxDocumentSize)
        } catch {
            throw .notALayout(path: root, reason: error.description)
        }
        guard let bytes else { throw .notALayout(path: root, reason: "no oci-layout file") }
        let header: OCILayoutHeader
        do {
            header = try OCIJSON.decode(OCILayoutHeader.self, from: bytes, what: headerPath)
        } catch {
            throw .notALayout(path: root, reason: error.description)
        }
        guard header.isSupported else {
            throw .unsupportedLayoutVersion(path: headerPath, version: header.imageLayoutVersion)
        }
    }
}
