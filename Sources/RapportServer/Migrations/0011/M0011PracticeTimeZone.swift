import Fluent

/// The practice's time zone, chosen by the owner on the settings page (issue 9). Empty until chosen: the server's
/// configured zone (`RAPPORT_TIMEZONE`) is used until then.
struct M0011PracticeTimeZone: AsyncMigration {
    var name: String { "0011-practice-time-zone" }

    func prepare(on database: any Database) async throws {
        try await database.schema("practice_settings").field("time_zone", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("practice_settings").deleteField("time_zone").update()
    }
}
