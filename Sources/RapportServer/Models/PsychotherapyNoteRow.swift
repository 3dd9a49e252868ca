import Fluent
import Foundation

final class PsychotherapyNoteRow: Model, @unchecked Sendable {
    static let schema = "psychotherapy_notes"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
