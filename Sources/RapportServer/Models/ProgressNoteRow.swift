import Fluent
import Foundation

final class ProgressNoteRow: Model, @unchecked Sendable {
    static let schema = "progress_notes"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
