import ArgumentParser
import Builder

/// One `--output type=...,dest=...` of `swiftbuild build`.
extension BuildOutput {
    /// Parses `type=oci,dest=out.tar[,tar=false]`; a bare path means `type=local,dest=PATH`, as in docker.
    init(parsing text: String) throws {
        guard text.contains("=") else {
            self.init(kind: .local, destination: text, tar: true)
            return
        }
        var fields: [String: String] = [:]
        for field in text.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--output \(text): '\(field)' is not key=value") }
            fields[parts[0]] = parts[1]
        }
        guard let typeName = fields["type"], let kind = Kind(rawValue: typeName) else {
            throw ValidationError("--output \(text): type must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let destination = fields["dest"] ?? fields["destination"], !destination.isEmpty else {
            throw ValidationError("--output \(text): needs dest=PATH")
        }
        let unknown = Set(fields.keys).subtracting(["type", "dest", "destination", "tar"])
        guard unknown.isEmpty else { throw ValidationError("--output \(text): unknown option \(unknown.sorted().joined(separator: ", "))") }
        self.init(kind: kind, destination: destination, tar: fields["tar"].map { $0 != "false" } ?? true)
    }
}

/// `--attest type=sbom` of `swiftbuild build`, docker buildx's spelling of `--sbom`.
enum AttestOption {
    /// Whether the specs ask for an SBOM. `type=sbom` (buildx's `generator=` names the
    /// scanner image BuildKit runs, which swiftbuild does not) is the one type; `provenance`
    /// and anything else is refused, naming the spec.
    static func wantsSBOM(_ specs: [String]) throws -> Bool {
        var wanted = false
        for spec in specs {
            var fields: [String: String] = [:]
            for field in spec.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw ValidationError("--attest \(spec): '\(field)' is not key=value") }
                fields[parts[0]] = parts[1]
            }
            guard fields["type"] == "sbom" else {
                throw ValidationError("--attest \(spec): only type=sbom is supported (an SPDX SBOM, as --sbom)")
            }
            let unknown = Set(fields.keys).subtracting(["type", "disabled"])
            guard unknown.isEmpty else {
                throw ValidationError("--attest \(spec): unknown option \(unknown.sorted().joined(separator: ", "))")
            }
            wanted = fields["disabled"] != "true"
        }
        return wanted
    }
}
