import Fluent
import Foundation

/// One secure message between a client and their care team. Its words are an envelope under the client's key.
final class MessageRow: Model, @unchecked Sendable {
    static let schema = "messages"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    /// Written by the client (true) or by someone on their care team.
    @Field(key: "from_client") var fromClient: Bool
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    /// When the other side first opened the thread after it was sent; nil while unread.
    @OptionalField(key: "read_at") var readAt: Date?
    init() {}
}
