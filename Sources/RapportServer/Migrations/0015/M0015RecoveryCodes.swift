import Fluent
import SQLKit

/// Recovery codes (issue 9): ten one-time codes per person with two-step sign-in, for a lost phone. Only a keyed
/// hash of each is stored (`Vault.recoveryCodeHash`); `used_at` is set once, by the sign-in that used it.
struct M0015RecoveryCodes: AsyncMigration {
    var name: String { "0015-recovery-codes" }

    func prepare(on database: any Database) async throws {
        try await database.schema("recovery_codes")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("code_hash", .data, .required)
            .field("created_at", .datetime, .required)
            .field("used_at", .datetime)
            .unique(on: "code_hash")
            .create()
        // A person's codes are counted on their account page and replaced or deleted all at once.
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "recovery_codes_by_user").on("recovery_codes").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("recovery_codes").delete()
    }
}
