import Fluent
import SQLKit

/// Practice outcomes over a million measure sets in under two seconds (issue 10, point 9). Each scored check-in
/// carries its session's time and its total packed into one integer, `outcome_key` (`PracticeOutcomesData.key`), and
/// the report's index holds that integer instead of the two columns: the report then takes MIN, MAX and a range of one
/// indexed integer per row rather than working the packed value out twice per row, and the narrower index has fewer
/// pages to read (at 1,052,259 sets the statements per measure took about half the time; README, "At size").
/// Existing check-ins get their keys here, worked out in SQL the way `PracticeOutcomesData.key` works them out.
struct M0021OutcomeKeys: AsyncMigration {
    var name: String { "0021-outcome-keys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("check_ins").field("outcome_key", .int64).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await Self.fillKeys(sql)
        try await sql.drop(index: "check_ins_for_outcomes").run()
        // Only what the report counts is in the index: scored check-ins of a session with a therapist.
        try await sql.raw("""
            CREATE INDEX "check_ins_outcome_keys" ON "check_ins"
              ("practice_id", "instrument_id", "client_id", "session_therapist_id", "outcome_key")
              WHERE "outcome_key" IS NOT NULL
            """).run()
    }

    /// Every key from the session's time and the total, for rows that have both; the same number as
    /// `PracticeOutcomesData.key` (the tests compare them).
    static func fillKeys(_ sql: any SQLDatabase) async throws {
        let seconds = sql.dialect.name == "sqlite" ? #"CAST("session_starts_at" AS INTEGER)"#
            : #"CAST(FLOOR(EXTRACT(EPOCH FROM "session_starts_at")) AS BIGINT)"#
        let earliest = Int64(PracticeOutcomesData.earliest.timeIntervalSince1970)
        let part = PracticeOutcomesData.totalPart
        try await sql.raw("""
            UPDATE "check_ins" SET "outcome_key" =
              (\(unsafeRaw: seconds) - \(unsafeRaw: String(earliest))) * \(unsafeRaw: String(part)) + CAST(ROUND("total" * 100) AS BIGINT)
            WHERE "total" IS NOT NULL AND "total" >= 0 AND "total" * 100 < \(unsafeRaw: String(part))
              AND "session_starts_at" IS NOT NULL AND "session_starts_at" >= \(bind: PracticeOutcomesData.earliest)
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "check_ins_outcome_keys").run()
        try await sql.raw("""
            CREATE INDEX "check_ins_for_outcomes" ON "check_ins"
              ("practice_id", "instrument_id", "client_id", "session_therapist_id", "session_starts_at", "total")
              WHERE "total" IS NOT NULL
            """).run()
        // In SQL: Fluent's SQLite driver passes over a dropped field without a word.
        try await sql.raw("ALTER TABLE \"check_ins\" DROP COLUMN \"outcome_key\"").run()
    }
}
