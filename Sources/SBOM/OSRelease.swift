import Foundation

/// The distribution an image says it is (`/etc/os-release`, else `/usr/lib/os-release`):
/// its `ID` and `VERSION_ID`, which package URLs carry as their namespace and `distro`.
public struct OSRelease: Sendable, Equatable {
    /// `ID`, e.g. `debian`, `ubuntu`, `alpine`.
    public var id: String
    /// `VERSION_ID`, e.g. `12` or `3.20.3`; nil for rolling releases (Debian testing).
    public var versionID: String?

    public init(id: String, versionID: String?) {
        self.id = id
        self.versionID = versionID
    }

    /// Parses the shell-like `KEY=value` lines of an os-release file (values may be quoted
    /// with `"` or `'`); nil when it has no `ID`.
    public init?(parsing text: String) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            var value = String(trimmed[trimmed.index(after: equals)...])
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(trimmed[..<equals])] = value
        }
        guard let id = fields["ID"], !id.isEmpty else { return nil }
        self.init(id: id.lowercased(), versionID: fields["VERSION_ID"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The purl `distro` qualifier: `debian-12`, `alpine-3.20.3`, or the bare ID.
    public var distroQualifier: String {
        versionID.map { "\(id)-\($0)" } ?? id
    }
}
