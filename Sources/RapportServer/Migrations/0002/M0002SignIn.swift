import Fluent
import Foundation

struct M0002SignIn: AsyncMigration {
    var name: String { "0002-sign-in" }

    func prepare(on database: any Database) async throws {
        try await database.schema("setup_tokens")
            .id()
            .field("token_hash", .data, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("sessions")
            .id()
            .field("token_hash", .data, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("stage", .string, .required)
            .field("kind", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("sign_in_throttles")
            .id()
            .field("subject_index", .data, .required)
            .field("failures", .int, .required)
            .field("window_started_at", .datetime, .required)
            .field("locked_until", .datetime)
            .unique(on: "subject_index")
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["sign_in_throttles", "sessions", "setup_tokens"] {
            try await database.schema(table).delete()
        }
    }
}
