import Fluent
import Foundation

final class AppointmentRow: Model, @unchecked Sendable {
    static let schema = "appointments"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "therapist_id") var therapistID: UUID
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "duration_minutes") var durationMinutes: Int
    /// A room or a video link: free text, so an envelope.
    @OptionalField(key: "location_envelope") var locationEnvelope: Data?
    @Field(key: "cancelled") var cancelled: Bool
    @OptionalField(key: "attendance") var attendance: String?
    @OptionalField(key: "late_minutes") var lateMinutes: Int?
    @Field(key: "created_at") var createdAt: Date
    /// The series it was booked in, and its place there (0 for the first), or nil for a session booked alone.
    @OptionalField(key: "series_id") var seriesID: UUID?
    @OptionalField(key: "series_index") var seriesIndex: Int?
    /// Where the session was before it was last moved, so the client sees that it moved and from when.
    @OptionalField(key: "moved_from") var movedFrom: Date?
    @OptionalField(key: "cancelled_at") var cancelledAt: Date?
    /// The session's second since 2000 when it was held (attended, on time or late), else nil: what practice outcomes
    /// count as sessions attended, in one indexed integer (migration 0022). Set before every write
    /// (`refreshAttendedKey`), from the time, the cancellation and the attendance.
    @OptionalField(key: "attended_key") var attendedKey: Int64?
    init() {}

    func refreshAttendedKey() {
        attendedKey = PracticeOutcomesData.attendedKey(startsAt: startsAt, cancelled: cancelled, attendance: attendance)
    }
}
