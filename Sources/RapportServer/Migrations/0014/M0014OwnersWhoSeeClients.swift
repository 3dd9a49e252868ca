import Fluent
import SQLKit

/// A solo practitioner is one person (issue 9): an owner can also be a therapist with a caseload. `role` stays the
/// account's first role (owner, therapist or client); `sees_clients` adds the therapist's role to an owner's.
/// Existing owners keep what they had: no caseload.
struct M0014OwnersWhoSeeClients: AsyncMigration {
    var name: String { "0014-owners-who-see-clients" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("sees_clients", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("sees_clients").update()
    }
}
