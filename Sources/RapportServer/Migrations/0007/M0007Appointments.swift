import Fluent
import Foundation

struct M0007Appointments: AsyncMigration {
    var name: String { "0007-appointments" }

    func prepare(on database: any Database) async throws {
        try await database.schema("appointments")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("therapist_id", .uuid, .required, .references("users", "id"))
            .field("starts_at", .datetime, .required)
            .field("duration_minutes", .int, .required)
            .field("location_envelope", .data)
            .field("cancelled", .bool, .required)
            .field("attendance", .string)
            .field("late_minutes", .int)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("calendar_feeds")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("token_hash", .data, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .unique(on: "user_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("calendar_feeds").delete()
        try await database.schema("appointments").delete()
    }
}
