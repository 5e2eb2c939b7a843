import Foundation
import Testing

@testable import SBOM

/// The SPDX 2.3 JSON document: its required fields, deterministic order and identifiers,
/// licenses that are not SPDX expressions.
struct SPDXDocumentTests {
    static let packages = [
        SoftwarePackage(
            ecosystem: .deb, name: "zlib1g", version: "1:1.2.13.dfsg-1", purl: "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64",
            homepage: "not a url", sourcePackage: "zlib", location: "/var/lib/dpkg/status"),
        SoftwarePackage(
            ecosystem: .pypi, name: "requests", version: "2.31.0", purl: "pkg:pypi/requests@2.31.0",
            declaredLicense: "Apache 2.0", homepage: "https://requests.readthedocs.io", location: "/m/METADATA"),
        SoftwarePackage(
            ecosystem: .deb, name: "bash", version: "5.2.15-2+b2", purl: "pkg:deb/debian/bash@5.2.15-2+b2?arch=amd64",
            location: "/var/lib/dpkg/status")
    ]

    func json(_ document: SPDXDocument) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(document.encoded())) as? [String: Any])
    }

    @Test func requiredFieldsAndRelationships() throws {
        let document = SPDXDocument(
            imageName: "registry.example:5000/team/app:1.0", imageDigest: "sha256:" + String(repeating: "ab", count: 32),
            created: "2024-05-01T10:20:30.123456789Z", packages: Self.packages + [Self.packages[0]])
        let object = try json(document)
        #expect(object["spdxVersion"] as? String == "SPDX-2.3")
        #expect(object["dataLicense"] as? String == "CC0-1.0")
        #expect(object["SPDXID"] as? String == "SPDXRef-DOCUMENT")
        #expect(object["documentNamespace"] as? String == "https://swiftbuild.invalid/spdx/app-" + String(repeating: "ab", count: 32))
        let creation = try #require(object["creationInfo"] as? [String: Any])
        #expect(creation["created"] as? String == "2024-05-01T10:20:30Z")
        let packages = try #require(object["packages"] as? [[String: Any]])
        // The image, then one per distinct package, by ecosystem and name.
        #expect(packages.map { $0["name"] as? String } == ["registry.example:5000/team/app:1.0", "bash", "zlib1g", "requests"])
        #expect(packages[0]["primaryPackagePurpose"] as? String == "CONTAINER")
        #expect(packages.allSatisfy { $0["downloadLocation"] as? String == "NOASSERTION" })
        let zlib = packages[2]
        #expect(zlib["versionInfo"] as? String == "1:1.2.13.dfsg-1")
        #expect(zlib["homepage"] == nil)
        #expect(
            (zlib["externalRefs"] as? [[String: String]])?.first?["referenceLocator"] == "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64")
        #expect((zlib["sourceInfo"] as? String)?.contains("zlib") == true)
        let ids = packages.compactMap { $0["SPDXID"] as? String }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.range(of: "^SPDXRef-[A-Za-z0-9.-]+$", options: .regularExpression) != nil })
        let relationships = try #require(object["relationships"] as? [[String: String]])
        #expect(
            relationships.first == [
                "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Image"
            ])
        #expect(relationships.filter { $0["relationshipType"] == "CONTAINS" }.count == 3)
        // A free-text license is kept as extracted licensing information.
        let requests = packages[3]
        let reference = try #require(requests["licenseDeclared"] as? String)
        #expect(reference.hasPrefix("LicenseRef-"))
        let extracted = try #require(object["hasExtractedLicensingInfos"] as? [[String: String]])
        #expect(extracted == [["licenseId": reference, "extractedText": "Apache 2.0", "name": "Apache 2.0"]])
    }

    /// One platform's image of an index: its package URL names the architecture; a single
    /// image's names none.
    @Test func architectureQualifiesTheImagesPackageURL() throws {
        var document = SPDXDocument(imageName: "team/app:1", imageDigest: "sha256:00", created: nil, packages: [])
        func imageURL() throws -> String? {
            let packages = try json(document)["packages"] as? [[String: Any]]
            return (packages?.first?["externalRefs"] as? [[String: String]])?.first?["referenceLocator"]
        }
        #expect(try imageURL() == "pkg:oci/app@sha256:00")
        document.architecture = "arm64"
        #expect(try imageURL() == "pkg:oci/app@sha256:00?arch=arm64")
    }

    @Test func sameInputsSameBytesWhateverTheOrder() throws {
        let first = SPDXDocument(imageName: "app:latest", imageDigest: "sha256:00", created: nil, packages: Self.packages)
        let second = SPDXDocument(imageName: "app:latest", imageDigest: "sha256:00", created: nil, packages: Self.packages.reversed())
        #expect(try first.encoded() == second.encoded())
        #expect(try json(first)["creationInfo"].flatMap { ($0 as? [String: Any])?["created"] as? String } == "1970-01-01T00:00:00Z")
    }

    @Test func identifiersAndPurlEncoding() {
        #expect(SPDXDocument.idText("github.com/a_b/c@v1") == "github.com-a-b-c-v1")
        #expect(PackageURL.encode("a b/c?d#e@f") == "a%20b%2Fc%3Fd%23e%40f")
        #expect(SPDXDocument.fnv1a("") == "cbf29ce484222325")
    }
}
