/// apk's database of installed packages (`/lib/apk/db/installed`): one record per package,
/// records separated by blank lines, each line a one-letter key, `:`, and the value
/// (`P:` name, `V:` version, `A:` architecture, `L:` license, `U:` URL, `o:` origin).
public enum APKDatabase {
    /// The packages of `text` with a name and a version. Package URLs are
    /// `pkg:apk/<distribution>/NAME@VERSION?arch=ARCH&distro=...`, the distribution from
    /// `osRelease` (`alpine` when unknown).
    public static func packages(in text: String, location: String, osRelease: OSRelease?) -> [SoftwarePackage] {
        var result: [SoftwarePackage] = []
        var record: [Character: String] = [:]
        func finish() {
            defer { record = [:] }
            guard let name = record["P"], let version = record["V"], !name.isEmpty, !version.isEmpty else { return }
            var qualifiers: [String: String] = [:]
            if let architecture = record["A"] { qualifiers["arch"] = architecture }
            if let osRelease { qualifiers["distro"] = osRelease.distroQualifier }
            let origin = record["o"]
            result.append(
                SoftwarePackage(
                    ecosystem: .apk, name: name, version: version,
                    purl: PackageURL.make(
                        type: "apk", namespace: osRelease?.id ?? "alpine", name: name, version: version, qualifiers: qualifiers),
                    declaredLicense: record["L"].flatMap { $0.isEmpty ? nil : $0 }, homepage: record["U"],
                    sourcePackage: origin == name ? nil : origin, location: location))
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty {
                finish()
                continue
            }
            guard line.count >= 2, let key = line.first, line[line.index(after: line.startIndex)] == ":" else { continue }
            // The first value of a key counts (`F:`, `R:`, `Z:` repeat per file; none of them is read).
            if record[key] == nil { record[key] = String(line.dropFirst(2)) }
        }
        finish()
        return result
    }
}
