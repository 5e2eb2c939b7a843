/// Collects expanded text into fields the way BuildKit's `ProcessWords` does.
///
/// Text that came from quotes or escapes is appended as is; unquoted literal text and
/// the values of variables are split on whitespace. A field is only ever emitted when
/// it is non-empty, so `""` or an unset variable yields no field at all.
struct FieldSplitter {
    private var fields: [String] = []
    private var current = ""

    /// Appends a scalar that whitespace splitting applies to.
    mutating func appendSplitting(_ scalar: Unicode.Scalar) {
        if scalar.properties.isWhitespace {
            endField()
        } else {
            current.unicodeScalars.append(scalar)
        }
    }

    /// Appends text that whitespace splitting applies to, such as a variable's value.
    mutating func appendSplitting(contentsOf text: String) {
        for scalar in text.unicodeScalars { appendSplitting(scalar) }
    }

    /// Appends a quoted or escaped scalar, which never splits a field.
    mutating func appendProtected(_ scalar: Unicode.Scalar) {
        current.unicodeScalars.append(scalar)
    }

    /// Appends quoted text, which never splits a field.
    mutating func appendProtected(contentsOf text: String) {
        current += text
    }

    /// The fields, including the one still being collected.
    mutating func finish() -> [String] {
        endField()
        return fields
    }

    private mutating func endField() {
        guard !current.isEmpty else { return }
        fields.append(current)
        current = ""
    }
}
