import Fluent
import Foundation

/// One attempt at repairing a confirmed rupture: what the therapist did, and how it went.
final class RuptureRepairRow: Model, @unchecked Sendable {
    static let schema = "rupture_repairs"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "rupture_id") var ruptureID: UUID
    @Field(key: "actions_envelope") var actionsEnvelope: Data
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "note_envelope") var noteEnvelope: Data?
    @Field(key: "shared_with_client") var sharedWithClient: Bool
    @Field(key: "recorded_by") var recordedBy: UUID
    @Field(key: "recorded_at") var recordedAt: Date
    init() {}
}
