import Fluent

/// Two-step enrolment people can finish (issue 9): the key from before a deliberate restart is kept, sealed, so a
/// code from it gets a plain explanation instead of "that code didn't work". Cleared once enrolment completes.
struct M0013EnrolmentKeyKept: AsyncMigration {
    var name: String { "0013-enrolment-key-kept" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("totp_previous_secret_envelope", .data).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("users").deleteField("totp_previous_secret_envelope").update()
    }
}
