import Fluent
import Foundation

final class ClientRow: Model, @unchecked Sendable {
    static let schema = "clients"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    /// The client's choice for their progress page: words only, no numbers.
    @Field(key: "progress_words_only") var progressWordsOnly: Bool
    /// When therapy ended (`Endings.end`); nil while it goes on, and again once resumed.
    @OptionalField(key: "ended_at") var endedAt: Date?
    init() {}
}
