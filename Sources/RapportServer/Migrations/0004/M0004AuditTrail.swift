import Fluent
import Foundation
import RapportVault
import SQLKit

struct M0004AuditTrail: AsyncMigration {
    var name: String { "0004-audit-trail" }

    func prepare(on database: any Database) async throws {
        // No foreign keys on purpose: the trail records attempts on records that may not exist, and outlives
        // records that are erased.
        try await database.schema("audit_entries")
            .id()
            .field("sequence", .int64, .required)
            .field("occurred_at_ms", .int64, .required)
            .field("actor_id", .uuid)
            .field("actor_role", .string, .required)
            .field("action", .string, .required)
            .field("client_id", .uuid)
            .field("resource_type", .string, .required)
            .field("resource_id", .string)
            .field("outcome", .string, .required)
            .field("previous_hash", .data, .required)
            .field("hash", .data, .required)
            .unique(on: "sequence")
            .create()
        try await database.schema("audit_head")
            .id()
            .field("sequence", .int64, .required)
            .field("hash", .data, .required)
            .create()
        // The one head row, at the genesis of the chain (`AuditHeadRow.singletonID`).
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.insert(into: "audit_head").columns("id", "sequence", "hash")
            .values(SQLBind(UUID(uuidString: "00000000-0000-0000-0000-00000000A0D1")!), SQLBind(Int64(0)), SQLBind(AuditChain.genesisHash))
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema("audit_entries").delete()
    }
}
