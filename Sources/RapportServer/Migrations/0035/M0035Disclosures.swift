import Fluent

/// Disclosures under a limit of confidentiality (issue 12, point 3). What was shared, to whom and why are the client's
/// data, sealed under their key; the lawful reason for not telling them is sealed under the practice key, for the owner
/// who is told instead. The limit and the version of the agreement the client had signed are in clear.
struct M0035Disclosures: AsyncMigration {
    var name: String { "0035-disclosures" }

    func prepare(on database: any Database) async throws {
        try await database.schema("disclosures")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("limit_kind", .string, .required)
            // The newest version of the agreement the client had signed then; nil if they had signed none.
            .field("consent_version", .int)
            .field("recipient_envelope", .data, .required)
            .field("shared_envelope", .data, .required)
            .field("reason_envelope", .data, .required)
            .field("client_told", .bool, .required)
            .field("withheld_reason_envelope", .data)
            .field("disclosed_by", .uuid, .required, .references("users", "id"))
            .field("disclosed_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("disclosures").delete()
    }
}
