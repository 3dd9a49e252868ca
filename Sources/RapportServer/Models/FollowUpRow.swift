import Fluent
import Foundation

/// One follow-up check-in after an ending: due `months` after it, the measures asked, and once answered the answers
/// (sealed under the client's key) and each measure's total ("phq-9=6,gad-7=4").
final class FollowUpRow: Model, @unchecked Sendable {
    static let schema = "follow_ups"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "ending_id") var endingID: UUID
    @Field(key: "months") var months: Int
    @Field(key: "due_at") var dueAt: Date
    /// Comma-separated instrument ids.
    @Field(key: "measures") var measures: String
    @OptionalField(key: "answers_envelope") var answersEnvelope: Data?
    @OptionalField(key: "totals") var totals: String?
    @Field(key: "risk") var risk: Bool
    @OptionalField(key: "completed_at") var completedAt: Date?
    @OptionalField(key: "reminded_at") var remindedAt: Date?
    init() {}
}
