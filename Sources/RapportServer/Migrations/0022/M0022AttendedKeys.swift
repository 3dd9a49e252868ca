import Fluent
import RapportCore
import SQLKit

/// Practice outcomes' sessions attended the way migration 0021 made its scores: each held session (attended on time
/// or late, not cancelled) keeps its second since 2000 as `attended_key`, and a partial index holds only those, so
/// the report counts a range of one integer per row instead of testing the time, the cancellation and the attendance
/// of every session (at a million measure sets it was the slowest of the report's statements). 0019's index on
/// appointments stays: the expected-course fit reads it. Existing sessions get their keys here, worked out in SQL the
/// way `PracticeOutcomesData.attendedKey` works them out.
struct M0022AttendedKeys: AsyncMigration {
    var name: String { "0022-attended-keys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("appointments").field("attended_key", .int64).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await Self.fillKeys(sql)
        try await sql.raw("""
            CREATE INDEX "appointments_attended_keys" ON "appointments"
              ("practice_id", "client_id", "therapist_id", "attended_key")
              WHERE "attended_key" IS NOT NULL
            """).run()
    }

    /// Every held session's key; the same number as `PracticeOutcomesData.attendedKey` (the tests compare them).
    static func fillKeys(_ sql: any SQLDatabase) async throws {
        let seconds = sql.dialect.name == "sqlite" ? #"CAST("starts_at" AS INTEGER)"#
            : #"CAST(FLOOR(EXTRACT(EPOCH FROM "starts_at")) AS BIGINT)"#
        let earliest = Int64(PracticeOutcomesData.earliest.timeIntervalSince1970)
        try await sql.raw("""
            UPDATE "appointments" SET "attended_key" = \(unsafeRaw: seconds) - \(unsafeRaw: String(earliest))
            WHERE "cancelled" = \(bind: false) AND "attendance" IN (\(binds: [Attendance.attended.rawValue, Attendance.late.rawValue]))
              AND "starts_at" >= \(bind: PracticeOutcomesData.earliest)
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "appointments_attended_keys").run()
        // In SQL: Fluent's SQLite driver passes over a dropped field without a word.
        try await sql.raw("ALTER TABLE \"appointments\" DROP COLUMN \"attended_key\"").run()
    }
}
