import Fluent
import SQLKit

/// Secure messages between a client and their care team (issue 11): each message's words sealed under the client's
/// key, who wrote it, and when the other side first opened it. The practice's expected reply time, in hours (nil:
/// Rapport's standard, `ReplyTime.standard`).
struct M0023Messages: AsyncMigration {
    var name: String { "0023-messages" }

    func prepare(on database: any Database) async throws {
        try await database.schema("messages")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("author_id", .uuid, .required, .references("users", "id"))
            .field("from_client", .bool, .required)
            .field("body_envelope", .data, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
        try await database.schema("practice_settings").field("reply_within_hours", .int).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "messages_by_client").on("messages").column("client_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            // In SQL: Fluent's SQLite driver passes over a dropped field without a word.
            try await sql.raw(#"ALTER TABLE "practice_settings" DROP COLUMN "reply_within_hours""#).run()
        }
        try await database.schema("messages").delete()
    }
}
