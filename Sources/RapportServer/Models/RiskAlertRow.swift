import Fluent
import Foundation

/// Raised the moment a risk item is answered above 0; open until a therapist on the care team marks it seen.
final class RiskAlertRow: Model, @unchecked Sendable {
    static let schema = "risk_alerts"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "check_in_id") var checkInID: UUID
    @Field(key: "instrument_id") var instrumentID: String
    @Field(key: "raised_at") var raisedAt: Date
    /// The risk answers as they were when the alert was raised ("item text: answer", one per line), sealed: the
    /// evidence stays even if the answer is later changed or replaced by answers entered in the room.
    @Field(key: "evidence_envelope") var evidenceEnvelope: Data
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "acknowledged_by") var acknowledgedBy: UUID?
    init() {}
}
