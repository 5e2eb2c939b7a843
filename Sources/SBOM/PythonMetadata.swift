import Foundation

/// A Python distribution's core metadata (the `METADATA` file of a `*.dist-info`
/// directory): email-style `Name: value` headers up to the first blank line, the body
/// (the long description) after it.
public enum PythonMetadata {
    /// The distribution `text` describes, or nil when it names no `Name` and `Version`.
    /// The license is `License-Expression` (metadata 2.4), else `License`; the package URL
    /// is `pkg:pypi/NAME@VERSION` with the name normalised as PEP 503 and the purl
    /// specification say (lower case, each run of `-`, `_`, `.` one `-`).
    public static func package(in text: String, location: String) -> SoftwarePackage? {
        var fields: [String: String] = [:]
        var lastField: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                if let lastField { fields[lastField, default: ""] += "\n" + line.trimmingCharacters(in: .whitespaces) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].lowercased()
            // Repeated headers (Classifier, Requires-Dist) keep their first value; none is read.
            if fields[field] == nil {
                fields[field] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            lastField = field
        }
        guard let name = fields["name"], let version = fields["version"], !name.isEmpty, !version.isEmpty else { return nil }
        let license = [fields["license-expression"], fields["license"]].compactMap { $0 }.first {
            !$0.isEmpty && $0 != "UNKNOWN"
        }
        return SoftwarePackage(
            ecosystem: .pypi, name: name, version: version,
            purl: PackageURL.make(type: "pypi", namespace: nil, name: normalizedName(name), version: version),
            declaredLicense: license, homepage: fields["home-page"], location: location)
    }

    /// PEP 503's normalised project name: lower case, runs of `-`, `_` and `.` as one `-`.
    static func normalizedName(_ name: String) -> String {
        var result = ""
        var inRun = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !inRun { result.append("-") }
                inRun = true
            } else {
                result.append(character)
                inRun = false
            }
        }
        return result
    }
}
