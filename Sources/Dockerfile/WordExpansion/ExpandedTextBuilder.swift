/// Text scanned up to a stop character: the expanded value and its fields.
struct ScannedText {
    /// The expanded text with quotes and escapes removed (unless kept on purpose).
    var text: String
    /// The same text split into non-empty fields on unprotected whitespace.
    var fields: [String]
}

/// Collects expanded text, and splits it into fields as BuildKit's `ProcessWords`
/// does while it goes.
///
/// Quoted and escaped text is protected; unquoted literal text and the values of
/// variables are split on whitespace. A field is only ever emitted when it is
/// non-empty, so `""` or an unset variable yields no field at all.
struct ExpandedTextBuilder {
    private var text = ""
    private var fields: [String] = []
    private var field = ""

    /// Appends a scalar that whitespace splitting applies to.
    mutating func appendSplitting(_ scalar: Unicode.Scalar) {
        text.unicodeScalars.append(scalar)
        if scalar.properties.isWhitespace {
            endField()
        } else {
            field.unicodeScalars.append(scalar)
        }
    }

    /// Appends text that whitespace splitting applies to, such as a variable's value.
    mutating func appendSplitting(contentsOf value: String) {
        for scalar in value.unicodeScalars { appendSplitting(scalar) }
    }

    /// Appends an escaped scalar, which never splits a field.
    mutating func appendProtected(_ scalar: Unicode.Scalar) {
        text.unicodeScalars.append(scalar)
        field.unicodeScalars.append(scalar)
    }

    /// Appends quoted text, which never splits a field.
    mutating func appendProtected(contentsOf value: String) {
        text += value
        field += value
    }

    /// The length of the text so far, in UTF-8 bytes.
    var byteCount: Int { text.utf8.count }

    /// The text and its fields, including the field still being collected.
    mutating func finish() -> ScannedText {
        endField()
        return ScannedText(text: text, fields: fields)
    }

    private mutating func endField() {
        guard !field.isEmpty else { return }
        fields.append(field)
        field = ""
    }
}
