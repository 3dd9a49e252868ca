import Fluent
import Foundation
import RapportCore
import SQLKit

/// Consent with the limits of confidentiality (issue 12, point 1). The practice's agreement is kept in clear, version
/// by version, with the SHA-256 of its exact text: it is the practice's words, no one's data. A signature is the
/// client's typed name, sealed under their key, with the version and the hash of the text they signed.
struct M0034Consent: AsyncMigration {
    var name: String { "0034-consent" }

    func prepare(on database: any Database) async throws {
        try await database.schema("consent_versions")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("version", .int, .required)
            .field("document", .string, .required)
            .field("sha256", .string, .required)
            // Nil for Rapport's starting text, put in place before anyone edited it.
            .field("written_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "practice_id", "version")
            .create()
        try await database.schema("consent_signatures")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("version", .int, .required)
            .field("sha256", .string, .required)
            .field("name_envelope", .data, .required)
            .field("signed_at", .datetime, .required)
            .unique(on: "client_id", "version")
            .create()
        // Every practice starts with Rapport's starting text as version 1.
        guard let sql = database as? any SQLDatabase else { return }
        let json = String(decoding: try JSONEncoder().encode(ConsentRules.starting), as: UTF8.self)
        for row in try await sql.raw(#"SELECT "id" FROM "practices""#).all() {
            let practiceID = try row.decode(column: "id", as: UUID.self)
            try await sql.raw("""
                INSERT INTO "consent_versions" ("id", "practice_id", "version", "document", "sha256", "written_by", "created_at")
                VALUES (\(bind: UUID()), \(bind: practiceID), 1, \(bind: json), \(bind: Consents.sha256(ConsentRules.starting)), NULL, \(bind: Date()))
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("consent_signatures").delete()
        try await database.schema("consent_versions").delete()
    }
}
