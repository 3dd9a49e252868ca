import Fluent
import SQLKit

/// Email delivery from the outbox (issue 11, point 3). The outbox is rebuilt, rows kept: a row may now be addressed to
/// an invitation instead of an account (its email is sent before anyone has one), and it keeps its delivery: how many
/// tries, when the next is due, who holds it now, why the last failed (words without an address), and when it was
/// given up. SQLite can't drop NOT NULL from a column, so the table is made again and the rows copied over, all in one
/// transaction.
struct M0027EmailDelivery: AsyncMigration {
    var name: String { "0027-email-delivery" }

    /// In one transaction: a server killed between the drop and the rename must not leave the outbox gone.
    func prepare(on database: any Database) async throws {
        try await database.transaction { database in try await rebuild(on: database) }
    }

    func revert(on database: any Database) async throws {
        try await database.transaction { database in try await restore(on: database) }
    }

    private func rebuild(on database: any Database) async throws {
        try await database.schema("notification_outbox_next")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("recipient_id", .uuid, .references("users", "id"))
            .field("invitation_id", .uuid, .references("invitations", "id"))
            .field("kind", .string, .required)
            .field("client_id", .uuid)
            .field("subject_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .field("attempts", .int, .required, .sql(.default(0)))
            .field("next_attempt_at", .datetime)
            .field("claimed_until", .datetime)
            .field("last_error", .string)
            .field("failed_at", .datetime)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            INSERT INTO "notification_outbox_next" ("id", "practice_id", "recipient_id", "kind", "client_id", "subject_id", "created_at", "delivered_at", "attempts")
            SELECT "id", "practice_id", "recipient_id", "kind", "client_id", "subject_id", "created_at", "delivered_at", 0 FROM "notification_outbox"
            """).run()
        try await sql.raw("DROP TABLE \"notification_outbox\"").run()
        try await sql.raw("ALTER TABLE \"notification_outbox_next\" RENAME TO \"notification_outbox\"").run()
        try await sql.create(index: "notification_outbox_due").on("notification_outbox").column("delivered_at").column("failed_at")
            .column("next_attempt_at").run()
    }

    private func restore(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DELETE FROM \"notification_outbox\" WHERE \"recipient_id\" IS NULL").run()
        try await sql.raw("DROP INDEX \"notification_outbox_due\"").run()
        try await database.schema("notification_outbox_previous")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("recipient_id", .uuid, .required, .references("users", "id"))
            .field("kind", .string, .required)
            .field("client_id", .uuid)
            .field("subject_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .create()
        try await sql.raw("""
            INSERT INTO "notification_outbox_previous" ("id", "practice_id", "recipient_id", "kind", "client_id", "subject_id", "created_at", "delivered_at")
            SELECT "id", "practice_id", "recipient_id", "kind", "client_id", "subject_id", "created_at", "delivered_at" FROM "notification_outbox"
            """).run()
        try await sql.raw("DROP TABLE \"notification_outbox\"").run()
        try await sql.raw("ALTER TABLE \"notification_outbox_previous\" RENAME TO \"notification_outbox\"").run()
    }
}
