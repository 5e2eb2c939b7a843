/// One challenge of a `WWW-Authenticate` header: a scheme and its parameters, as in
/// `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app:pull"`.
public struct AuthChallenge: Sendable, Equatable {
    /// The scheme, lower-cased (`basic`, `bearer`).
    public var scheme: String
    /// The parameters by lower-cased name, quoted strings unquoted.
    public var parameters: [String: String]

    /// A challenge from its parts.
    public init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// The `realm` parameter: for Bearer, the token endpoint's URL.
    public var realm: String? { parameters["realm"] }
    /// The `service` parameter, passed back to the token endpoint.
    public var service: String? { parameters["service"] }
    /// The `scope` parameter: the access the request needed.
    public var scope: String? { parameters["scope"] }

    /// Every challenge in a header value (`Basic realm="x", Bearer realm="y"` has two).
    /// A parameter is `name=token` or `name="quoted string"`; what cannot be read ends the list.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.unicodeScalars))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == " " || $0 == "," || $0 == "\t" }
            guard let word = scanner.token(), !word.isEmpty else { break }
            scanner.skip { $0 == " " || $0 == "\t" }
            if scanner.peek == "=", !challenges.isEmpty {
                scanner.advance()
                scanner.skip { $0 == " " || $0 == "\t" }
                guard let value = scanner.peek == "\"" ? scanner.quoted() : scanner.token() else { break }
                challenges[challenges.count - 1].parameters[word.lowercased()] = value
            } else {
                challenges.append(AuthChallenge(scheme: word))
            }
        }
        return challenges
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func advance() { position += 1 }

        mutating func skip(while predicate: (Unicode.Scalar) -> Bool) {
            while let next = peek, predicate(next) { advance() }
        }

        /// A run of characters up to whitespace, `,` or `=`.
        mutating func token() -> String? {
            var text = String.UnicodeScalarView()
            while let next = peek, next != " ", next != ",", next != "=", next != "\t", next != "\"" {
                text.append(next)
                advance()
            }
            return text.isEmpty ? nil : String(text)
        }

        /// A quoted string with backslash escapes; nil when it is not closed.
        mutating func quoted() -> String? {
            advance()
            var text = String.UnicodeScalarView()
            while let next = peek {
                advance()
                if next == "\"" { return String(text) }
                if next == "\\", let escaped = peek {
                    advance()
                    text.append(escaped)
                } else {
                    text.append(next)
                }
            }
            return nil
        }
    }
}
