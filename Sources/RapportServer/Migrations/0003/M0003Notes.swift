import Fluent
import Foundation

struct M0003Notes: AsyncMigration {
    var name: String { "0003-notes" }

    func prepare(on database: any Database) async throws {
        for table in ["progress_notes", "psychotherapy_notes"] {
            try await database.schema(table)
                .id()
                .field("practice_id", .uuid, .required, .references("practices", "id"))
                .field("client_id", .uuid, .required, .references("clients", "id"))
                .field("author_id", .uuid, .required, .references("users", "id"))
                .field("body_envelope", .data, .required)
                .field("created_at", .datetime, .required)
                .create()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("psychotherapy_notes").delete()
        try await database.schema("progress_notes").delete()
    }
}
