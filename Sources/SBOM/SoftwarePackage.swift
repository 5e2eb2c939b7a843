/// One piece of software an image holds, as its package manager or build recorded it: a
/// Debian or Alpine package, a Python distribution, a Go module (or the Go standard
/// library) compiled into a binary.
public struct SoftwarePackage: Sendable, Hashable {
    /// Which package manager or build system recorded it; decides the package URL's type.
    public enum Ecosystem: String, Sendable, Hashable, CaseIterable, Comparable {
        case deb
        case apk
        case pypi
        case golang

        public static func < (lhs: Ecosystem, rhs: Ecosystem) -> Bool {
            lhs.rawValue < rhs.rawValue
        }
    }

    public var ecosystem: Ecosystem
    public var name: String
    public var version: String
    /// The package URL (purl) that identifies it across tools.
    public var purl: String
    /// The license as the package declares it (free text for Python and Alpine; Debian's
    /// status file has none), or nil.
    public var declaredLicense: String?
    /// The project's home page, when recorded.
    public var homepage: String?
    /// The source package it was built from (Debian's `Source`, Alpine's `o:`), when it differs.
    public var sourcePackage: String?
    /// Where in the image it was found (the database file, the `METADATA` file, the binary).
    public var location: String

    public init(
        ecosystem: Ecosystem, name: String, version: String, purl: String, declaredLicense: String? = nil,
        homepage: String? = nil, sourcePackage: String? = nil, location: String
    ) {
        self.ecosystem = ecosystem
        self.name = name
        self.version = version
        self.purl = purl
        self.declaredLicense = declaredLicense
        self.homepage = homepage
        self.sourcePackage = sourcePackage
        self.location = location
    }
}
