import Fluent
import SQLKit

/// Words to carry (issue 11): short notes a therapist writes for the client, sealed under the client's key; the
/// client pins the ones they want on their home page.
struct M0024WordsToCarry: AsyncMigration {
    var name: String { "0024-words-to-carry" }

    func prepare(on database: any Database) async throws {
        try await database.schema("words_to_carry")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("author_id", .uuid, .required, .references("users", "id"))
            .field("body_envelope", .data, .required)
            .field("pinned", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "words_to_carry_by_client").on("words_to_carry").column("client_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("words_to_carry").delete()
    }
}
