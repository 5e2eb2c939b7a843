import ArgumentParser

/// The `key=value,key=value` syntax of buildx's option values (`--output`, `--cache-from`,
/// `--cache-to`, `--attest`).
enum KeyValueFields {
    /// The fields of `text` (a later repeat of a key wins; `key=` is an empty value). A
    /// field without `=` is a usage error that starts with `option` (the option as the user
    /// wrote it, with its value when that helps).
    static func parse(_ text: String, option: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for field in text.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw ValidationError("\(option): '\(field)' is not key=value") }
            fields[parts[0]] = parts[1]
        }
        return fields
    }
}
