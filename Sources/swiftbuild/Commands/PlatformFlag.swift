import ArgumentParser
import OCI

/// `--platform OS/ARCH[/VARIANT]` as `build`, `parse` and `pull` take it: parsed and
/// normalised by ``Platform/init(parsing:)``, a bad value being a usage error.
func parsePlatformFlag(_ text: String) throws -> Platform {
    do {
        return try Platform(parsing: text)
    } catch {
        throw ValidationError("--platform \(text): \(error.reason)")
    }
}
