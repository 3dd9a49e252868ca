import Fluent
import SQLKit

/// An ending that lasts (issue 11, point 7): each ending planned with a client, and when therapy ended, with the
/// closing letter and relapse-prevention plan sealed under the client's key. `clients.ended_at` says, for the access
/// policy in the same read as the care team, that the client's therapy has ended (read-only for them from then on).
struct M0029Endings: AsyncMigration {
    var name: String { "0029-endings" }

    func prepare(on database: any Database) async throws {
        try await database.schema("endings")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("planned_by", .uuid, .required, .references("users", "id"))
            .field("planned_at", .datetime, .required)
            .field("last_session_on", .datetime)
            .field("follow_up_months", .string, .required)
            .field("ended_at", .datetime)
            .field("ended_by", .uuid, .references("users", "id"))
            .field("letter_envelope", .data)
            .field("resumed_at", .datetime)
            .create()
        try await database.schema("clients").field("ended_at", .datetime).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "endings_by_client").on("endings").column("client_id").column("planned_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("endings").delete()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \"clients\" DROP COLUMN \"ended_at\"").run()
    }
}
