import Fluent

/// Invitations that can't get lost (issue 9): the link, sealed under the same key as the invitation's name and
/// email, so the inviter can be shown it again; and when an invitation was withdrawn. Invitations made before this
/// have no sealed link: they can be re-issued (a new link) but not shown again.
struct M0012InvitationsThatCanBeFound: AsyncMigration {
    var name: String { "0012-invitations-that-can-be-found" }

    func prepare(on database: any Database) async throws {
        try await database.schema("invitations").field("token_envelope", .data).update()
        try await database.schema("invitations").field("withdrawn_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("invitations").deleteField("withdrawn_at").update()
        try await database.schema("invitations").deleteField("token_envelope").update()
    }
}
