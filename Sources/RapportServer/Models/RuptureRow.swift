import Fluent
import Foundation

/// The therapist's word on a rupture: a possible one confirmed or dismissed, or one noticed in the room.
final class RuptureRow: Model, @unchecked Sendable {
    static let schema = "ruptures"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @OptionalField(key: "appointment_id") var appointmentID: UUID?
    @Field(key: "origin") var origin: String
    @OptionalField(key: "rule") var rule: String?
    @Field(key: "type") var type: String
    @Field(key: "status") var status: String
    @OptionalField(key: "markers_envelope") var markersEnvelope: Data?
    @OptionalField(key: "note_envelope") var noteEnvelope: Data?
    @Field(key: "recorded_by") var recordedBy: UUID
    @Field(key: "recorded_at") var recordedAt: Date
    init() {}
}
