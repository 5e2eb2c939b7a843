import ArgumentParser
import OCI
import Registry

/// One `--cache-from` / `--cache-to` of `swiftbuild build`: `type=registry,ref=HOST/REPO:TAG`.
struct CacheLocation: Equatable {
    /// Where the shared cache lives in the registry.
    var reference: ImageReference

    /// Parses `type=registry,ref=HOST/REPO:TAG` (the only type); `option` names the flag in errors.
    init(parsing text: String, option: String) throws {
        let fields = try KeyValueFields.parse(text, option: "\(option) \(text)")
        guard fields["type"] == "registry" else {
            throw ValidationError("\(option) \(text): type must be registry")
        }
        let unknown = Set(fields.keys).subtracting(["type", "ref"])
        guard unknown.isEmpty else {
            throw ValidationError("\(option) \(text): unknown option \(unknown.sorted().joined(separator: ", "))")
        }
        guard let ref = fields["ref"], !ref.isEmpty else { throw ValidationError("\(option) \(text): needs ref=HOST/REPOSITORY:TAG") }
        do {
            reference = try ImageReference(parsing: ref)
        } catch {
            throw ValidationError("\(option) \(text): \(error)")
        }
    }
}
