import ArgumentParser
import Builder
import OCI

/// One `--output type=...,dest=...` of `swiftbuild build`.
extension BuildOutput {
    /// Parses `type=oci,dest=out.tar[,tar=false]`; a bare path means `type=local,dest=PATH`, as in docker.
    /// Image outputs (`oci`, `docker`, `image`, and `registry`, which is `image` with
    /// `push=true`) also take BuildKit's `compression=`, `compression-level=` and
    /// `force-compression=`; `image` and `registry` take `name=` and `push=` instead of a destination.
    init(parsing text: String) throws {
        guard text.contains("=") else {
            self.init(kind: .local, destination: text, tar: true)
            return
        }
        let fields = try KeyValueFields.parse(text, option: "--output \(text)")
        let typeNames = Kind.allCases.map(\.rawValue) + ["registry"]
        guard let typeName = fields["type"], let kind = typeName == "registry" ? .image : Kind(rawValue: typeName) else {
            throw ValidationError("--output \(text): type must be one of \(typeNames.joined(separator: ", "))")
        }
        var known: Set<String> = ["type", "tar"]
        let destination: String
        var push = typeName == "registry"
        if kind == .image {
            known.formUnion(["name", "push"])
            destination = ""
            if let value = fields["push"] {
                push = try Self.bool(value, key: "push", in: text)
            }
        } else {
            known.formUnion(["dest", "destination"])
            guard let given = fields["dest"] ?? fields["destination"], !given.isEmpty else {
                throw ValidationError("--output \(text): needs dest=PATH")
            }
            destination = given
        }
        let isImage = kind == .oci || kind == .docker || kind == .image
        if isImage { known.formUnion(Self.compressionKeys + ["oci-mediatypes"]) }
        let unknown = Set(fields.keys).subtracting(known)
        guard unknown.isEmpty else {
            let compressionKeys = unknown.intersection(Self.compressionKeys)
            if !compressionKeys.isEmpty {
                throw ValidationError(
                    "--output \(text): \(compressionKeys.sorted().joined(separator: ", ")) applies to image outputs only (type=oci, docker, image, registry)"
                )
            }
            throw ValidationError("--output \(text): unknown option \(unknown.sorted().joined(separator: ", "))")
        }
        if let value = fields["oci-mediatypes"], try !Self.bool(value, key: "oci-mediatypes", in: text) {
            throw ValidationError("--output \(text): oci-mediatypes=false is not supported: swiftbuild writes OCI media types only")
        }
        self.init(
            kind: kind, destination: destination, tar: fields["tar"].map { $0 != "false" } ?? true,
            compression: isImage ? try Self.compression(fields, in: text) : nil, push: push)
        if let name = fields["name"] {
            guard !name.isEmpty else { throw ValidationError("--output \(text): name= needs a value") }
            names = [name]
        }
    }

    /// BuildKit's compression options of image exporters.
    static let compressionKeys = ["compression", "compression-level", "force-compression"]

    /// The compression `fields` name, by BuildKit's rules: `compression=gzip|zstd|uncompressed`
    /// (default gzip), `compression-level=N` (gzip 0 to 9, default 6; zstd 1 to 22, default
    /// 3, handed to libzstd as is; ignored for uncompressed, as BuildKit ignores it),
    /// `force-compression[=BOOL]` (a bare key is true). Nil when none of them is given.
    static func compression(_ fields: [String: String], in text: String) throws -> Compression? {
        guard compressionKeys.contains(where: { fields[$0] != nil }) else { return nil }
        var level: Int?
        if let value = fields["compression-level"] {
            guard let parsed = Int(value) else {
                throw ValidationError("--output \(text): compression-level=\(value) is not an integer")
            }
            level = parsed
        }
        let layers: LayerCompression
        switch fields["compression"] ?? "gzip" {
        case "gzip":
            let chosen = level ?? 6
            guard (0...9).contains(chosen) else {
                throw ValidationError("--output \(text): compression-level=\(chosen) is out of range for gzip (0 to 9)")
            }
            layers = .gzip(level: chosen)
        case "zstd":
            let chosen = level ?? 3
            guard (1...22).contains(chosen) else {
                throw ValidationError("--output \(text): compression-level=\(chosen) is out of range for zstd (1 to 22)")
            }
            layers = .zstd(level: chosen)
        case "uncompressed":
            layers = .none
        case let other:
            throw ValidationError("--output \(text): compression=\(other) is not supported (gzip, zstd or uncompressed)")
        }
        let force = try fields["force-compression"].map { try bool($0, key: "force-compression", in: text) } ?? false
        return Compression(layers: layers, force: force)
    }

    /// A boolean as Go's `strconv.ParseBool` reads it (BuildKit's parser); empty is true.
    static func bool(_ value: String, key: String, in text: String) throws -> Bool {
        switch value {
        case "", "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: throw ValidationError("--output \(text): \(key)=\(value) is not a boolean")
        }
    }

    /// The one compression of a build: swiftbuild stores one image per build, and its
    /// image outputs and pushes write that image, so the outputs that name a compression
    /// must agree (the others take it). Nil when none names one.
    static func buildCompression(of outputs: [BuildOutput]) throws -> Compression? {
        let named = outputs.compactMap(\.compression)
        guard let first = named.first else { return nil }
        guard named.allSatisfy({ $0 == first }) else {
            throw ValidationError(
                "--output: the outputs name different compressions; a build stores one image, so its image outputs share one compression")
        }
        return first
    }
}

/// `--attest type=sbom` and `--sbom[=VALUE]` of `swiftbuild build`, docker buildx's two
/// spellings of one request.
enum AttestOption {
    /// The hidden option a `--sbom=VALUE` argument becomes before parsing
    /// (``rewritingSBOMValues(_:otherSubcommands:)``): ArgumentParser's `--sbom` flag takes no value.
    static let sbomValueOption = "--sbom-value"

    /// Whether the specs ask for an SBOM: the `--attest` specs, then each `--sbom` (bare,
    /// it is `true`; buildx appends it after the `--attest` specs), the last one deciding.
    /// `type=sbom` (`disabled=true` turns it off) is the one type; `provenance` and
    /// anything else is refused, as are keys other than `type` and `disabled`, naming the
    /// option as given. buildx's `generator=` names the scanner image BuildKit runs, which
    /// swiftbuild does not: it makes the document itself, so it is refused with that reason.
    static func wantsSBOM(attest specs: [String], sbomFlag: Bool, sbomValues: [String]) throws -> Bool {
        var wanted = false
        for spec in specs {
            wanted = try wants(spec, shownAs: "--attest \(spec)")
        }
        if sbomFlag { wanted = true }
        for value in sbomValues {
            wanted = try wants(sbomSpec(value), shownAs: "--sbom=\(value)")
        }
        return wanted
    }

    /// The `--attest` spec buildx makes of `--sbom=VALUE`: a boolean is `type=sbom`, or
    /// `type=sbom,disabled=true` when false; anything else is the spec's fields after `type=sbom`.
    static func sbomSpec(_ value: String) -> String {
        switch parseBool(value) {
        case true?: "type=sbom"
        case false?: "type=sbom,disabled=true"
        case nil: "type=sbom," + value
        }
    }

    /// Go's `strconv.ParseBool`, which buildx reads these values with.
    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": true
        case "0", "f", "F", "false", "FALSE", "False": false
        default: nil
        }
    }

    /// Turns each `--sbom=VALUE` of a `build` command line (`build` named, or no subcommand:
    /// it is the default) into `--sbom-value=VALUE` (`--sbom=` into nothing), up to a `--`; other arguments, and
    /// other subcommands' lines, are left as they are.
    static func rewritingSBOMValues(_ arguments: [String], otherSubcommands: Set<String>) -> [String] {
        if let first = arguments.first, otherSubcommands.contains(first) { return arguments }
        let options = optionArguments(arguments)
        let rewritten = options.flatMap { argument -> [String] in
            guard argument.hasPrefix("--sbom=") else { return [argument] }
            // An empty value is no request, as buildx reads it (and ArgumentParser
            // would take the next argument as the value of an empty one).
            let value = argument.dropFirst("--sbom=".count)
            return value.isEmpty ? [] : [sbomValueOption + "=" + value]
        }
        return rewritten + arguments.dropFirst(options.count)
    }

    /// The usage error for `--sbom` (bare or `--sbom=VALUE`, before a `--`) on another
    /// subcommand's line, or nil. Only `build` takes it: `push` and `save` carry the SBOM
    /// `build --sbom` stored with the image, and ArgumentParser's own "unknown option"
    /// would not say where the option belongs.
    static func sbomOutsideBuild(_ arguments: [String], otherSubcommands: Set<String>) -> String? {
        guard let subcommand = arguments.first, otherSubcommands.contains(subcommand),
            let option = optionArguments(arguments).first(where: { $0 == "--sbom" || $0.hasPrefix("--sbom=") })
        else { return nil }
        return
            "\(option): --sbom is an option of build, not of \(subcommand); build --sbom stores the SBOM with the image, and push and save carry it"
    }

    /// The arguments before a `--` (after it, `--sbom=...` is an argument, not the option).
    private static func optionArguments(_ arguments: [String]) -> ArraySlice<String> {
        arguments.prefix { $0 != "--" }
    }

    private static func wants(_ spec: String, shownAs option: String) throws -> Bool {
        let fields = try KeyValueFields.parse(spec, option: option)
        guard fields["type"] == "sbom" else {
            throw ValidationError("\(option): only type=sbom is supported (an SPDX SBOM, as --sbom)")
        }
        if fields["generator"] != nil {
            throw ValidationError(
                "\(option): generator= is not supported: swiftbuild makes the SPDX document itself and runs no scanner image")
        }
        let unknown = Set(fields.keys).subtracting(["type", "disabled"])
        guard unknown.isEmpty else {
            throw ValidationError("\(option): unknown option \(unknown.sorted().joined(separator: ", "))")
        }
        guard let disabled = fields["disabled"] else { return true }
        guard let value = parseBool(disabled) else {
            throw ValidationError("\(option): disabled=\(disabled) is not a boolean")
        }
        return !value
    }
}
