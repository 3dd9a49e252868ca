import Fluent

/// Master-key rotation (issue 12, point 6): the index root (the first master key, from which blind indexes, password
/// salts and recovery-code hashes are derived) is kept wrapped under the current master key, with that key's version.
/// Written by the first rotation; until then the master key is the index root and there is no row.
struct M0032KeyRotation: AsyncMigration {
    var name: String { "0032-key-rotation" }

    func prepare(on database: any Database) async throws {
        try await database.schema("vault_state")
            .id()
            .field("master_version", .int, .required)
            .field("wrapped_index_root", .data, .required)
            .field("updated_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("vault_state").delete()
    }
}
