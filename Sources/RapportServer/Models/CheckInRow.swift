import Fluent
import Foundation

/// One measure answered (or being answered) for one session. Answers and comment are envelopes under the
/// client's key; total, band and flags are numeric results kept in clear for analytics (SECURITY.md).
final class CheckInRow: Model, @unchecked Sendable {
    static let schema = "check_ins"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "appointment_id") var appointmentID: UUID
    @Field(key: "instrument_id") var instrumentID: String
    /// JSON array with one entry per item, `null` until answered: a check-in can be finished later.
    @Field(key: "answers_envelope") var answersEnvelope: Data
    @OptionalField(key: "comment_envelope") var commentEnvelope: Data?
    @OptionalField(key: "total") var total: Double?
    @OptionalField(key: "band") var band: String?
    /// Comma-separated flag codes (`risk`, `alliance-concern`).
    @Field(key: "flags") var flags: String
    /// The therapist who typed in answers given in the room, or the client.
    @Field(key: "entered_by") var enteredBy: UUID
    @Field(key: "in_room") var inRoom: Bool
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "completed_at") var completedAt: Date?
    /// The session's time and therapist, copied from the appointment (and again when it moves) so practice outcomes
    /// read one index with no join (migration 0019). Nil only on a database not yet migrated.
    @OptionalField(key: "session_starts_at") var sessionStartsAt: Date?
    @OptionalField(key: "session_therapist_id") var sessionTherapistID: UUID?
    /// The session's time and the total in one integer, for practice outcomes (`PracticeOutcomesData.key`, migration
    /// 0021); set whenever either changes (`refreshOutcomeKey`), nil until the check-in is scored.
    @OptionalField(key: "outcome_key") var outcomeKey: Int64?

    func refreshOutcomeKey() {
        outcomeKey = PracticeOutcomesData.key(sessionStartsAt: sessionStartsAt, total: total)
    }
    init() {}
}
