import Fluent
import SQLKit

/// A number on each client that every change to what their caseload row is worked out from moves on (sessions,
/// check-ins, the measures chosen, the rupture log: `ClientRecord.noteChange`), so the caseload can keep each client's
/// needs until their record changes instead of reading every session and check-in of the caseload on each view
/// (issue 10, point 9). Existing clients start at 0.
struct M0020RecordVersions: AsyncMigration {
    var name: String { "0020-record-versions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("clients").field("record_version", .int64, .required, .sql(.default(0))).update()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // In SQL: Fluent's SQLite driver passes over a dropped field without a word.
        try await sql.raw("ALTER TABLE \"clients\" DROP COLUMN \"record_version\"").run()
    }
}
