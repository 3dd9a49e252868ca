import Fluent
import SQLKit

/// Follow-up check-ins after an ending (issue 11, point 7): one row for each month planned, due that many months after
/// the end; the answers sealed under the client's key, the totals in clear (as check-ins keep theirs) for the record.
struct M0030FollowUps: AsyncMigration {
    var name: String { "0030-follow-ups" }

    func prepare(on database: any Database) async throws {
        try await database.schema("follow_ups")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("ending_id", .uuid, .required, .references("endings", "id"))
            .field("months", .int, .required)
            .field("due_at", .datetime, .required)
            .field("measures", .string, .required)
            .field("answers_envelope", .data)
            .field("totals", .string)
            .field("risk", .bool, .required, .sql(.default(false)))
            .field("completed_at", .datetime)
            .field("reminded_at", .datetime)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "follow_ups_by_client").on("follow_ups").column("client_id").column("due_at").run()
        try await sql.create(index: "follow_ups_due").on("follow_ups").column("completed_at").column("reminded_at").column("due_at").run()
        // Practice outcomes read a practice's answered follow-ups in one statement.
        try await sql.create(index: "follow_ups_for_outcomes").on("follow_ups").column("practice_id").column("completed_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("follow_ups").delete()
    }
}
