import ArgumentParser

/// One `--output type=...,dest=...` of `swiftbuild build`.
struct BuildOutput: Equatable {
    enum Kind: String, CaseIterable {
        /// An OCI archive, or with `tar=false` an OCI layout directory.
        case oci
        /// A docker archive, for `docker load` and `podman load`.
        case docker
        /// The final root filesystem, as a directory.
        case local
        /// The final root filesystem, as one tar.
        case tar
    }

    var kind: Kind
    var destination: String
    /// For `oci`: false writes a layout directory instead of an archive.
    var tar: Bool

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

    init(kind: Kind, destination: String, tar: Bool) {
        self.kind = kind
        self.destination = destination
        self.tar = tar
    }
}
