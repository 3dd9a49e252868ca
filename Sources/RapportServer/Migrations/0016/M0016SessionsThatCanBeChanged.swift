import Fluent
import Foundation

/// Sessions that can be changed (issue 9): a session can be moved (the client sees where from), cancelled in good
/// time or late (it stays in the history with when it was cancelled), and booked as a weekly or fortnightly series
/// in one step. Each session of a series is still its own row, with its own attendance and check-ins; the series
/// row keeps what was booked, so a calendar feed can say it as one RFC 5545 RRULE with the changed sessions as
/// exceptions. (0015 is taken by recovery codes, developed beside this.)
struct M0016SessionsThatCanBeChanged: AsyncMigration {
    var name: String { "0016-sessions-that-can-be-changed" }

    func prepare(on database: any Database) async throws {
        try await database.schema("appointment_series")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("therapist_id", .uuid, .required, .references("users", "id"))
            .field("starts_at", .datetime, .required)
            .field("duration_minutes", .int, .required)
            .field("interval_weeks", .int, .required)
            .field("count", .int, .required)
            .field("location_envelope", .data)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("appointments")
            .field("series_id", .uuid, .references("appointment_series", "id"))
            .update()
        try await database.schema("appointments").field("series_index", .int).update()
        try await database.schema("appointments").field("moved_from", .datetime).update()
        try await database.schema("appointments").field("cancelled_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        for column in ["cancelled_at", "moved_from", "series_index", "series_id"] {
            try await database.schema("appointments").deleteField(.string(column)).update()
        }
        try await database.schema("appointment_series").delete()
    }
}
