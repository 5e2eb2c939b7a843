/// A set of strings written as a JSON object whose values are empty objects, the way
/// image configurations write `ExposedPorts` (`{"80/tcp": {}}`) and `Volumes`.
/// Decoding ignores whatever the values hold.
public struct JSONKeySet: Sendable, Hashable, Codable, ExpressibleByArrayLiteral, Sequence {
    /// The keys.
    public var keys: Set<String>

    /// A set holding `keys`.
    public init(_ keys: some Sequence<String>) {
        self.keys = Set(keys)
    }

    /// A set holding the listed keys.
    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    /// Iterates the keys in byte order.
    public func makeIterator() -> IndexingIterator<[String]> {
        keys.sorted().makeIterator()
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        keys = Set(container.allKeys.map(\.stringValue))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for key in self {
            _ = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey(key))
        }
    }

    /// A coding key for arbitrary object keys.
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
