import Fluent
import Foundation

/// Words a therapist wrote for the client to keep. The words are an envelope under the client's key; the pin is the
/// client's choice.
final class WordsToCarryRow: Model, @unchecked Sendable {
    static let schema = "words_to_carry"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "pinned") var pinned: Bool
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
