import Foundation

/// A user name and password (or token) for one registry.
public struct RegistryCredentials: Sendable, Equatable {
    /// The user name.
    public var username: String
    /// The password, or an access token used as one.
    public var password: String

    /// Credentials from their parts.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `base64(username:password)`, as `Authorization: Basic` and the docker config's `auth` field hold it.
    public var basicValue: String {
        Data("\(username):\(password)".utf8).base64EncodedString()
    }

    /// Decodes an `auth` field (`base64(username:password)`); nil when it is not one.
    public init?(basicValue: String) {
        guard let data = Data(base64Encoded: basicValue), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        self.init(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }
}
