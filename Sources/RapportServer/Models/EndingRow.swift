import Fluent
import Foundation

/// One ending with a client: planned (the last session, the follow-ups), then carried out with the closing letter and
/// relapse-prevention plan, sealed under the client's key; resumed if the client comes back.
final class EndingRow: Model, @unchecked Sendable {
    static let schema = "endings"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "planned_by") var plannedBy: UUID
    @Field(key: "planned_at") var plannedAt: Date
    @OptionalField(key: "last_session_on") var lastSessionOn: Date?
    /// "1,3,6"
    @Field(key: "follow_up_months") var followUpMonths: String
    @OptionalField(key: "ended_at") var endedAt: Date?
    @OptionalField(key: "ended_by") var endedBy: UUID?
    @OptionalField(key: "letter_envelope") var letterEnvelope: Data?
    @OptionalField(key: "resumed_at") var resumedAt: Date?
    init() {}
}
