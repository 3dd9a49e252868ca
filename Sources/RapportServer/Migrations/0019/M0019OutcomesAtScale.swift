import Fluent
import SQLKit

/// Practice outcomes over a million measure sets in well under two seconds (issue 10, points 7 and 9). Each check-in
/// carries its session's time and therapist, copied from its appointment when the check-in is made and again when a
/// session moves (`Appointments.change`), so the report reads one narrow index in order, with no join and no sort:
/// per measure, each (client, therapist) pair's scores lie together, oldest first. Appointments get the same kind of
/// index for the sessions attended. Both columns are filled in here for check-ins made before.
struct M0019OutcomesAtScale: AsyncMigration {
    var name: String { "0019-outcomes-at-scale" }

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one at a time.
        try await database.schema("check_ins").field("session_starts_at", .datetime).update()
        // No foreign key: SQLite cannot drop a column that has one, and this migration must revert.
        try await database.schema("check_ins").field("session_therapist_id", .uuid).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("""
            UPDATE "check_ins" SET
              "session_starts_at" = (SELECT "starts_at" FROM "appointments" WHERE "appointments"."id" = "check_ins"."appointment_id"),
              "session_therapist_id" = (SELECT "therapist_id" FROM "appointments" WHERE "appointments"."id" = "check_ins"."appointment_id")
            """).run()
        // Only scored check-ins are ever counted: the partial index leaves the unfinished ones out.
        try await sql.raw("""
            CREATE INDEX "check_ins_for_outcomes" ON "check_ins"
              ("practice_id", "instrument_id", "client_id", "session_therapist_id", "session_starts_at", "total")
              WHERE "total" IS NOT NULL
            """).run()
        try await sql.raw("""
            CREATE INDEX "appointments_for_outcomes" ON "appointments"
              ("practice_id", "client_id", "therapist_id", "starts_at", "cancelled", "attendance")
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "appointments_for_outcomes").run()
        try await sql.drop(index: "check_ins_for_outcomes").run()
        // In SQL: Fluent's SQLite driver passes over a dropped field without a word, and the columns would stay.
        for column in ["session_therapist_id", "session_starts_at"] {
            try await sql.raw("ALTER TABLE \"check_ins\" DROP COLUMN \(ident: column)").run()
        }
    }
}
