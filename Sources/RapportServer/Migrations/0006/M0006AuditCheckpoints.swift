import Fluent
import Foundation

struct M0006AuditCheckpoints: AsyncMigration {
    var name: String { "0006-audit-checkpoints" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_checkpoints")
            .id()
            .field("sequence", .int64, .required)
            .field("head_hash", .data, .required)
            .field("signature", .data, .required)
            .field("public_key", .data, .required)
            .field("signed_at_ms", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_checkpoints").delete()
    }
}
