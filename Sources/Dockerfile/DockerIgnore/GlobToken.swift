/// One element of a compiled ``PathGlob``; each matches a run of a path's Unicode scalars.
enum GlobToken: Sendable, Equatable {
    /// Exactly this scalar (written plainly or escaped with `\`).
    case literal(Unicode.Scalar)
    /// `?`: any single scalar except `/`.
    case anyScalarInSegment
    /// `*`: any run of scalars, possibly empty, without a `/`.
    case anyRunInSegment
    /// `[...]`: one scalar the class accepts; a class can accept `/`, as in Go.
    case characterClass(GlobCharacterClass)
    /// `**` with more pattern after it: nothing, or any run of scalars that ends in `/`.
    case anyLeadingDirectories
    /// Any run of scalars at all: a trailing `**`, or a leading `**` followed by plain text only.
    case anything

    /// Whether the token can match runs of different lengths, so that matching must
    /// try several ways on from it; every other token matches exactly one scalar.
    var matchesRunsOfManyLengths: Bool {
        switch self {
        case .anyRunInSegment, .anyLeadingDirectories, .anything: true
        case .literal, .anyScalarInSegment, .characterClass: false
        }
    }
}

/// The set of scalars a `[...]` character class accepts.
struct GlobCharacterClass: Sendable, Equatable {
    /// Whether the class was written `[^...]` and accepts what its ranges do not.
    var isNegated: Bool
    /// The scalar values listed, a lone character being a one-value range.
    var ranges: [ClosedRange<UInt32>]

    /// Whether `scalar` belongs to the class.
    func accepts(_ scalar: Unicode.Scalar) -> Bool {
        ranges.contains { $0.contains(scalar.value) } != isNegated
    }
}
