import Foundation

/// dpkg's database of installed packages (`/var/lib/dpkg/status`, and the one-file-per-
/// package `/var/lib/dpkg/status.d/` of distroless images): paragraphs of `Field: value`
/// lines (continuation lines start with a space or tab) separated by blank lines.
public enum DpkgStatus {
    /// The installed packages of `text`: paragraphs whose `Status` ends in `installed`
    /// (`install ok installed`; a package removed with its configuration kept is
    /// `deinstall ok config-files` and is not in the image's software), or that have no
    /// `Status` at all (status.d files). Paragraphs without `Package` or `Version` are skipped.
    /// Package URLs are `pkg:deb/<distribution>/NAME@VERSION?arch=ARCH&distro=...`, the
    /// distribution from `osRelease` (`debian` when unknown).
    public static func packages(in text: String, location: String, osRelease: OSRelease?) -> [SoftwarePackage] {
        paragraphs(text).compactMap { fields in
            guard let name = fields["package"], let version = fields["version"], !name.isEmpty, !version.isEmpty else { return nil }
            if let status = fields["status"], status.split(separator: " ").last != "installed" { return nil }
            let architecture = fields["architecture"]
            // `Source: glibc (2.36-9)`: the source package, with its version when it differs.
            let source = fields["source"].flatMap { $0.split(separator: " ").first.map(String.init) }
            let namespace = osRelease?.id ?? "debian"
            var qualifiers: [String: String] = [:]
            if let architecture { qualifiers["arch"] = architecture }
            if let osRelease { qualifiers["distro"] = osRelease.distroQualifier }
            return SoftwarePackage(
                ecosystem: .deb, name: name, version: version,
                purl: PackageURL.make(type: "deb", namespace: namespace, name: name, version: version, qualifiers: qualifiers),
                homepage: fields["homepage"], sourcePackage: source == name ? nil : source, location: location)
        }
    }

    /// The paragraphs of a control file, each as its fields (names lower-cased: dpkg's field
    /// names are case-insensitive); a continuation line extends the field before it.
    static func paragraphs(_ text: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        var lastField: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !current.isEmpty { result.append(current) }
                current = [:]
                lastField = nil
            } else if line.first == " " || line.first == "\t" {
                if let lastField { current[lastField, default: ""] += "\n" + line.trimmingCharacters(in: .whitespaces) }
            } else if let colon = line.firstIndex(of: ":") {
                let field = line[..<colon].lowercased()
                current[field] = String(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                lastField = field
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}
