import Fluent
import Foundation

/// Weekly or fortnightly sessions booked in one step: what was booked, kept so that a calendar feed can give the
/// series as one recurring event. The sessions themselves are `AppointmentRow`s pointing here.
final class AppointmentSeriesRow: Model, @unchecked Sendable {
    static let schema = "appointment_series"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "therapist_id") var therapistID: UUID
    /// The first session's start, as booked.
    @Field(key: "starts_at") var startsAt: Date
    @Field(key: "duration_minutes") var durationMinutes: Int
    /// 1 for weekly, 2 for fortnightly.
    @Field(key: "interval_weeks") var intervalWeeks: Int
    @Field(key: "count") var count: Int
    @OptionalField(key: "location_envelope") var locationEnvelope: Data?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
