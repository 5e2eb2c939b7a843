/// One build step in an image configuration's `history`.
public struct HistoryEntry: Sendable, Hashable, Codable {
    /// When the step ran, RFC 3339.
    public var created: String?
    /// The command that made the step (`RUN /bin/sh -c make`, ...).
    public var createdBy: String?
    /// Who made the step.
    public var author: String?
    /// A free-form comment.
    public var comment: String?
    /// True when the step made no layer (metadata only); such entries have no diff ID.
    public var emptyLayer: Bool?

    /// A history entry from its parts.
    public init(
        created: String? = nil, createdBy: String? = nil, author: String? = nil, comment: String? = nil,
        emptyLayer: Bool? = nil
    ) {
        self.created = created
        self.createdBy = createdBy
        self.author = author
        self.comment = comment
        self.emptyLayer = emptyLayer
    }

    enum CodingKeys: String, CodingKey {
        case created
        case createdBy = "created_by"
        case author
        case comment
        case emptyLayer = "empty_layer"
    }
}
