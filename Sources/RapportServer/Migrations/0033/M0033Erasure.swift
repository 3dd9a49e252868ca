import Fluent
import SQLKit

/// Erasure that really erases (issue 12, point 5): the practice's retention period, the client's request, and a
/// ledger of erasures. The ledger has no foreign key: the client's row is gone once erased, and only ids remain.
struct M0033Erasure: AsyncMigration {
    var name: String { "0033-erasure" }

    func prepare(on database: any Database) async throws {
        try await database.schema("practice_settings").field("record_retention_years", .int).update()
        try await database.schema("clients").field("erasure_requested_at", .datetime).update()
        try await database.schema("client_erasures")
            .id()
            .field("client_id", .uuid, .required)
            .field("practice_id", .uuid, .required)
            .field("erased_at", .datetime, .required)
            .field("basis", .string, .required)
            // The owner's legal reason for an early erasure, sealed under the practice key; nil for retention passed.
            .field("reason_envelope", .data)
            // Nil when the operator's command erased it.
            .field("erased_by", .uuid)
            .unique(on: "client_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("client_erasures").delete()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \"clients\" DROP COLUMN \"erasure_requested_at\"").run()
        try await sql.raw("ALTER TABLE \"practice_settings\" DROP COLUMN \"record_retention_years\"").run()
    }
}
