import Fluent
import SQLKit

/// Safety plans (issue 11): every saved version kept, each sealed whole under the client's key; a version number per
/// client, unique, so two saves at once can't both become "the next".
struct M0025SafetyPlans: AsyncMigration {
    var name: String { "0025-safety-plans" }

    func prepare(on database: any Database) async throws {
        try await database.schema("safety_plan_versions")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("version", .int, .required)
            .field("plan_envelope", .data, .required)
            .field("written_by", .uuid, .required, .references("users", "id"))
            .field("by_client", .bool, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "client_id", "version")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("safety_plan_versions").delete()
    }
}
