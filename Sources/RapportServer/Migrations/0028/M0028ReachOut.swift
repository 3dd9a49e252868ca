import Fluent
import SQLKit

/// Reaching out (issue 11, point 1): each practice's public page (its address, the one site that may frame it, how
/// long enquiries are kept), and the enquiries themselves, sealed whole under the practice's key until one becomes a
/// client's, then under theirs.
struct M0028ReachOut: AsyncMigration {
    var name: String { "0028-reach-out" }

    func prepare(on database: any Database) async throws {
        try await database.schema("reach_out_pages")
            .field("id", .uuid, .identifier(auto: false), .references("practices", "id"))
            .field("slug", .string, .required)
            .field("frame_origin", .string)
            .field("retention_days", .int, .required)
            .field("updated_by", .uuid, .required, .references("users", "id"))
            .field("updated_at", .datetime, .required)
            .unique(on: "slug")
            .create()
        try await database.schema("enquiries")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("received_at", .datetime, .required)
            .field("enquiry_envelope", .data, .required)
            .field("status", .string, .required)
            .field("handled_at", .datetime)
            .field("handled_by", .uuid, .references("users", "id"))
            .field("client_id", .uuid, .references("clients", "id"))
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "enquiries_by_practice").on("enquiries").column("practice_id").column("received_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enquiries").delete()
        try await database.schema("reach_out_pages").delete()
    }
}
