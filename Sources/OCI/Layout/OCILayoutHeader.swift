/// The `oci-layout` file at the root of an image layout: `{"imageLayoutVersion":"1.0.0"}`.
public struct OCILayoutHeader: Sendable, Equatable, Codable {
    /// The layout version swiftbuild writes.
    public static let currentVersion = "1.0.0"

    /// The version of the image layout specification the directory follows.
    public var imageLayoutVersion: String

    /// A header for `version` (the current one by default).
    public init(imageLayoutVersion: String = OCILayoutHeader.currentVersion) {
        self.imageLayoutVersion = imageLayoutVersion
    }

    /// True for the 1.x versions this code reads.
    public var isSupported: Bool {
        imageLayoutVersion.split(separator: ".", omittingEmptySubsequences: false).first == "1"
    }
}
