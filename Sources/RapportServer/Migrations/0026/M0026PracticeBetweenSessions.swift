import Fluent
import SQLKit

/// Practice between sessions (issue 11, point 4): what was agreed, and each attempt the client logs. Their words are
/// sealed under the client's key; only when (agreed, ended, logged) is in clear, which is all the rupture rules read.
struct M0026PracticeBetweenSessions: AsyncMigration {
    var name: String { "0026-practice-between-sessions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("practice_agreements")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("agreed_by", .uuid, .required, .references("users", "id"))
            .field("agreed_at", .datetime, .required)
            .field("ended_at", .datetime)
            .field("agreement_envelope", .data, .required)
            .create()
        try await database.schema("practice_attempts")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("agreement_id", .uuid, .required, .references("practice_agreements", "id"))
            .field("logged_at", .datetime, .required)
            .field("attempt_envelope", .data, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "practice_agreements_by_client").on("practice_agreements").column("client_id").column("agreed_at").run()
        try await sql.create(index: "practice_attempts_by_client").on("practice_attempts").column("client_id").column("logged_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("practice_attempts").delete()
        try await database.schema("practice_agreements").delete()
    }
}
