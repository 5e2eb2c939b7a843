/// The instructions a Dockerfile may contain.
public enum Keyword: String, Sendable, CaseIterable, Codable {
    case add = "ADD"
    case arg = "ARG"
    case cmd = "CMD"
    case copy = "COPY"
    case entrypoint = "ENTRYPOINT"
    case env = "ENV"
    case expose = "EXPOSE"
    case from = "FROM"
    case healthcheck = "HEALTHCHECK"
    case label = "LABEL"
    case maintainer = "MAINTAINER"
    case onbuild = "ONBUILD"
    case run = "RUN"
    case shell = "SHELL"
    case stopsignal = "STOPSIGNAL"
    case user = "USER"
    case volume = "VOLUME"
    case workdir = "WORKDIR"

    /// The keyword written in any letter case, or nil for an unknown instruction.
    public init?(caseInsensitive word: some StringProtocol) {
        self.init(rawValue: word.uppercased())
    }

    /// True for the instructions whose text may open here-documents.
    var acceptsHeredocs: Bool { self == .run || self == .copy || self == .add }

    private static let longestKeyword = allCases.map(\.rawValue.count).max()!

    /// The known keyword closest to a misspelt one, if any is close enough to suggest.
    static func suggestion(for word: String) -> Keyword? {
        // The distance is at least the difference in length, so a word much longer than
        // every keyword is never close enough; skipping it keeps a huge word cheap.
        guard word.count <= longestKeyword + longestKeyword / 2 else { return nil }
        let upper = word.uppercased()
        let scored = allCases.map { ($0, editDistance(upper, $0.rawValue)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(1, upper.count / 3) ? best.0 : nil
    }
}

/// The Levenshtein distance between two strings: how many single-character edits turn one into the other.
public func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, ca) in a.enumerated() {
        var current = [i + 1]
        for (j, cb) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}
