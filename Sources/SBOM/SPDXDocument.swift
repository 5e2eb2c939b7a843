import Foundation

/// An SPDX 2.3 document (JSON) of what an image contains: the image as the described
/// package, which CONTAINS every software package found in it.
///
/// The document is a function of its inputs alone: packages are deduplicated and sorted,
/// identifiers are derived from each package's identity, the creation time is the image's
/// own, and the namespace is made of the image's manifest digest, so building the same
/// image twice gives byte-identical documents (and the same artifact digest).
public struct SPDXDocument: Sendable {
    /// The image's name (its first tag) or, for an image without one, its ID.
    public var imageName: String
    /// The image's manifest digest (`sha256:...`).
    public var imageDigest: String
    /// When the image was created (its config's `created`, RFC 3339), nil when unknown.
    public var created: String?
    /// Everything found in the image, in any order, duplicates allowed.
    public var packages: [SoftwarePackage]
    /// The `creators` entry naming the tool.
    public var creator = "Tool: swiftbuild"
    /// The image's architecture (`arm64`), for one platform's image of an index: the image's
    /// package URL then carries it as its `arch` qualifier, which tells the documents of one
    /// multi-platform build apart by more than their digests. Nil for a single image.
    public var architecture: String?

    public init(imageName: String, imageDigest: String, created: String?, packages: [SoftwarePackage]) {
        self.imageName = imageName
        self.imageDigest = imageDigest
        self.created = created
        self.packages = packages
    }

    /// The media type of the document, as OCI artifacts and referrers name it.
    public static let mediaType = "application/spdx+json"
    /// The file name BuildKit gives the document in `--output type=local` destinations.
    public static let fileName = "sbom.spdx.json"

    /// The document as sorted-key, indented JSON.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(document()))
    }

    /// The packages, one per distinct package and location, ordered by ecosystem, name,
    /// version and location.
    var orderedPackages: [SoftwarePackage] {
        Array(Set(packages)).sorted {
            ($0.ecosystem, $0.name, $0.version, $0.location, $0.purl) < ($1.ecosystem, $1.name, $1.version, $1.location, $1.purl)
        }
    }

    func document() -> Document {
        let digestHex = imageDigest.hasPrefix("sha256:") ? String(imageDigest.dropFirst(7)) : imageDigest
        let imageID = "SPDXRef-Image"
        let repository = imageName.split(separator: "@").first.map(String.init) ?? imageName
        let lastComponent = repository.split(separator: "/").last.map(String.init) ?? repository
        let imageShortName = (lastComponent.split(separator: ":").first.map(String.init) ?? "image").lowercased()
        var spdxPackages = [
            Package(
                SPDXID: imageID, name: imageName, versionInfo: imageDigest, licenseDeclared: "NOASSERTION",
                externalRefs: [
                    ExternalReference(
                        referenceLocator: PackageURL.make(
                            type: "oci", namespace: nil, name: imageShortName, version: imageDigest,
                            qualifiers: architecture.map { ["arch": $0] } ?? [:]))
                ],
                primaryPackagePurpose: "CONTAINER", sourceInfo: nil, homepage: nil)
        ]
        var relationships = [Relationship(spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: imageID)]
        var licenses: [String: ExtractedLicense] = [:]
        var usedIDs: Set<String> = [imageID]
        for package in orderedPackages {
            var id = "SPDXRef-Package-\(package.ecosystem.rawValue)-\(Self.idText(package.name))-\(Self.hash(package))"
            while !usedIDs.insert(id).inserted { id += "-x" }
            var licenseDeclared = "NOASSERTION"
            if let license = package.declaredLicense?.trimmingCharacters(in: .whitespacesAndNewlines), !license.isEmpty {
                // Free-text licenses are kept as they were declared, as extracted licensing
                // information: an expression that is not on the SPDX license list would make
                // the document invalid.
                let reference = "LicenseRef-\(Self.fnv1a(license))"
                licenses[reference] = ExtractedLicense(licenseId: reference, extractedText: license, name: String(license.prefix(80)))
                licenseDeclared = reference
            }
            var source = "listed in \(package.location)"
            if let sourcePackage = package.sourcePackage { source += ", built from the source package \(sourcePackage)" }
            spdxPackages.append(
                Package(
                    SPDXID: id, name: package.name, versionInfo: package.version, licenseDeclared: licenseDeclared,
                    externalRefs: [ExternalReference(referenceLocator: package.purl)],
                    primaryPackagePurpose: nil, sourceInfo: source, homepage: package.homepage.flatMap(Self.validURL)))
            relationships.append(Relationship(spdxElementId: imageID, relationshipType: "CONTAINS", relatedSpdxElement: id))
        }
        return Document(
            name: imageName,
            documentNamespace: "https://swiftbuild.invalid/spdx/\(Self.idText(imageShortName))-\(digestHex)",
            creationInfo: CreationInfo(created: Self.spdxTimestamp(created), creators: [creator]),
            packages: spdxPackages, relationships: relationships,
            hasExtractedLicensingInfos: licenses.isEmpty ? nil : licenses.keys.sorted().compactMap { licenses[$0] })
    }

    /// A time as SPDX writes it: `YYYY-MM-DDThh:mm:ssZ` in UTC, without fractions; the Unix
    /// epoch when the image records no time (or one that is not RFC 3339).
    static func spdxTimestamp(_ text: String?) -> String {
        let output = DateFormatter()
        output.locale = Locale(identifier: "en_US_POSIX")
        output.timeZone = TimeZone(identifier: "UTC")
        output.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        guard let text else { return output.string(from: Date(timeIntervalSince1970: 0)) }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let date = parser.date(from: text) ?? plain.date(from: text) ?? Date(timeIntervalSince1970: 0)
        return output.string(from: date)
    }

    /// `text` with every character SPDX identifiers do not allow (anything but letters,
    /// digits, `.` and `-`) as `-`.
    static func idText(_ text: String) -> String {
        String(
            text.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "-") ? Character(scalar) : "-"
            })
    }

    /// A URL SPDX accepts as a home page (http, https or ftp, no spaces); nil otherwise.
    static func validURL(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard ["http://", "https://", "ftp://"].contains(where: { trimmed.hasPrefix($0) }),
            !trimmed.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "<" || $0 == ">" }),
            URL(string: trimmed)?.host != nil
        else { return nil }
        return trimmed
    }

    /// A short stable hash of a package's identity, so identifiers do not move when other
    /// packages are added or removed.
    static func hash(_ package: SoftwarePackage) -> String {
        fnv1a([package.ecosystem.rawValue, package.name, package.version, package.purl, package.location].joined(separator: "\u{0}"))
    }

    /// 64-bit FNV-1a of the UTF-8 bytes, as 16 hex digits.
    static func fnv1a(_ text: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: The JSON shape

    struct Document: Encodable {
        var spdxVersion = "SPDX-2.3"
        var dataLicense = "CC0-1.0"
        var SPDXID = "SPDXRef-DOCUMENT"
        var name: String
        var documentNamespace: String
        var creationInfo: CreationInfo
        var packages: [Package]
        var relationships: [Relationship]
        var hasExtractedLicensingInfos: [ExtractedLicense]?
    }

    struct CreationInfo: Encodable {
        var created: String
        var creators: [String]
    }

    struct Package: Encodable {
        var SPDXID: String
        var name: String
        var versionInfo: String
        var downloadLocation = "NOASSERTION"
        var filesAnalyzed = false
        var licenseConcluded = "NOASSERTION"
        var licenseDeclared: String
        var copyrightText = "NOASSERTION"
        var supplier = "NOASSERTION"
        var externalRefs: [ExternalReference]
        var primaryPackagePurpose: String?
        var sourceInfo: String?
        var homepage: String?

        init(
            SPDXID: String, name: String, versionInfo: String, licenseDeclared: String, externalRefs: [ExternalReference],
            primaryPackagePurpose: String?, sourceInfo: String?, homepage: String?
        ) {
            self.SPDXID = SPDXID
            self.name = name
            self.versionInfo = versionInfo
            self.licenseDeclared = licenseDeclared
            self.externalRefs = externalRefs
            self.primaryPackagePurpose = primaryPackagePurpose
            self.sourceInfo = sourceInfo
            self.homepage = homepage
        }
    }

    struct ExternalReference: Encodable {
        var referenceCategory = "PACKAGE-MANAGER"
        var referenceType = "purl"
        var referenceLocator: String

        init(referenceLocator: String) {
            self.referenceLocator = referenceLocator
        }
    }

    struct Relationship: Encodable {
        var spdxElementId: String
        var relationshipType: String
        var relatedSpdxElement: String
    }

    struct ExtractedLicense: Encodable {
        var licenseId: String
        var extractedText: String
        var name: String
    }
}
