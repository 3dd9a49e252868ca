import Fluent
import Foundation
import RapportCore
import SQLKit

/// The numbers behind the practice outcomes (issue 10, point 7), read for the owner without opening any envelope:
/// only what is stored in clear for this (totals, session times, attendance, a rupture's status and a repair's
/// outcome). The owner sees aggregates only; `PracticeOutcomes.report` makes them and suppresses small cells.
///
/// A fixed number of statements however large the practice: one per outcome measure, one for feedback, one for
/// attendance, one for ruptures. Each groups by (client, therapist) in the order of an index made for it (migrations
/// 0019 and 0021), so it is one pass with no sort, and the rows that come back are one per episode, not one per score. They
/// run side by side, each on a connection of its own.
enum PracticeOutcomesData {
    /// Sessions from this day on are counted (anything earlier is not a real session, and it keeps the packed key
    /// below positive).
    static let earliest = Date(timeIntervalSince1970: 946_684_800)  // 2000-01-01T00:00:00Z

    /// Every episode with something in `[from, to)`: scores up to `to`, feedback, attendance and ruptures within it.
    static func episodes(practiceID: UUID, from: Date, to: Date, outcomeMeasures: [String], feedbackMeasures: [String],
                         on db: any Database) async throws -> [Episode] {
        let from = max(from, earliest)
        guard from < to else { return [] }
        // A session at or after `from` and before `to`, in keys: the bounds are days, so whole seconds, and a key's
        // time part is its session's whole second (README, "Practice outcomes").
        let fromKey = boundKey(from), toKey = boundKey(to)
        async let scoreRows = withThrowingTaskGroup(of: (String, [any SQLRow]).self) { group in
            for measure in outcomeMeasures {
                group.addTask {
                    (measure, try await onOwnConnection(db) { sql in try await firstAndLatest(measure, practiceID: practiceID, before: toKey, sql: sql) })
                }
            }
            var all: [(String, [any SQLRow])] = []
            for try await result in group { all.append(result) }
            return all
        }
        // One statement per feedback measure, so each reads its part of the index in order (an IN list would sort).
        async let feedbackRows = withThrowingTaskGroup(of: [any SQLRow].self) { group in
            for measure in feedbackMeasures {
                group.addTask {
                    try await onOwnConnection(db) { sql in
                        // The total is the key's low part, in hundredths; summed as an integer, the same on both databases.
                        try await sql.raw("""
                            SELECT "client_id", "session_therapist_id", COUNT(*) AS "given",
                                   CAST(SUM("outcome_key" % \(unsafeRaw: String(totalPart))) AS BIGINT) AS "hundredths" FROM "check_ins"
                            WHERE "practice_id" = \(bind: practiceID) AND "instrument_id" = \(bind: measure)
                              AND "outcome_key" >= \(bind: fromKey) AND "outcome_key" < \(bind: toKey) AND "session_therapist_id" IS NOT NULL
                            GROUP BY "client_id", "session_therapist_id"
                            """).all()
                    }
                }
            }
            var all: [any SQLRow] = []
            for try await rows in group { all += rows }
            return all
        }
        // Held sessions by their attended key (migration 0022): one indexed integer per row, in seconds.
        async let attendanceRows = onOwnConnection(db) { sql in try await sql.raw("""
            SELECT "client_id", "therapist_id", COUNT(*) AS "attended" FROM "appointments"
            WHERE "practice_id" = \(bind: practiceID) AND "attended_key" IS NOT NULL
              AND "attended_key" >= \(bind: fromKey / totalPart) AND "attended_key" < \(bind: toKey / totalPart)
            GROUP BY "client_id", "therapist_id"
            """).all() }
        async let ruptureRows = onOwnConnection(db) { sql in try await sql.raw("""
            SELECT "client_id", "recorded_by", COUNT(*) AS "recorded",
                   SUM(CASE WHEN EXISTS (SELECT 1 FROM "rupture_repairs" WHERE "rupture_repairs"."rupture_id" = "ruptures"."id"
                                         AND "rupture_repairs"."outcome" = \(bind: RepairOutcome.resolved.rawValue)) THEN 1 ELSE 0 END) AS "repaired"
            FROM "ruptures"
            WHERE "practice_id" = \(bind: practiceID) AND "status" = \(bind: LoggedRupture.Status.confirmed.rawValue)
              AND "recorded_at" >= \(bind: from) AND "recorded_at" < \(bind: to)
            GROUP BY "client_id", "recorded_by"
            """).all() }

        var episodes: [EpisodeID: Episode] = [:]
        func episode(_ row: any SQLRow, therapist column: String) throws -> EpisodeID {
            let id = EpisodeID(client: try HotPaths.uuid(row, "client_id"), therapist: try HotPaths.uuid(row, column))
            if episodes[id] == nil { episodes[id] = Episode(clientID: id.client, therapistID: id.therapist) }
            return id
        }
        for (measure, rows) in try await scoreRows {
            for row in rows {
                let id = try episode(row, therapist: "session_therapist_id")
                let first = try row.decode(column: "first_key", as: Int64.self)
                let latest = try row.decode(column: "latest_key", as: Int64.self)
                episodes[id]?.scores[measure] = EpisodeScores(instrumentID: measure, first: total(first), latest: total(latest),
                                                              count: try row.decode(column: "scores", as: Int.self))
                if time(latest) >= from { episodes[id]?.activeInRange = true }
            }
        }
        for row in try await feedbackRows {
            let id = try episode(row, therapist: "session_therapist_id")
            // Added up: a practice may have used both Rapport's feedback and the SRS within the range.
            episodes[id]?.feedbackGiven += try row.decode(column: "given", as: Int.self)
            episodes[id]?.feedbackTotal += Double(try row.decode(column: "hundredths", as: Int64.self)) / 100
        }
        for row in try await attendanceRows {
            let id = try episode(row, therapist: "therapist_id")
            episodes[id]?.sessionsAttended = try row.decode(column: "attended", as: Int.self)
            episodes[id]?.activeInRange = true
        }
        for row in try await ruptureRows {
            let id = try episode(row, therapist: "recorded_by")
            episodes[id]?.rupturesRecorded = try row.decode(column: "recorded", as: Int.self)
            episodes[id]?.rupturesRepaired = try row.decode(column: "repaired", as: Int.self)
        }
        // Follow-up check-ins after an ending (issue 11): each client's latest answered before the range's end, its
        // totals in clear, given to their episodes. One statement; a handful of rows per ended client.
        let followUpRows = try await HotPaths.sql(db).raw("""
            SELECT "client_id", "totals" FROM "follow_ups"
            WHERE "practice_id" = \(bind: practiceID) AND "completed_at" IS NOT NULL AND "completed_at" < \(bind: to)
            ORDER BY "completed_at"
            """).all()
        var followUps: [UUID: [String: Double]] = [:]
        for row in followUpRows {
            followUps[try HotPaths.uuid(row, "client_id")] = FollowUps.totals(try row.decode(column: "totals", as: String?.self))
        }
        if !followUps.isEmpty {
            for id in episodes.keys { if let totals = followUps[id.client] { episodes[id]?.followUp = totals } }
        }
        return Array(episodes.values)
    }

    /// A statement on a pooled connection of its own, so the statements run side by side. On SQLite the connection
    /// first maps the file into memory (`mmap_size`, per connection): the index is then read in place instead of page
    /// by page through `read` calls, which were a quarter of the time (perf record at 214,000 measure sets).
    private static func onOwnConnection<T: Sendable>(_ db: any Database, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.withConnection { connection in
            let sql = try HotPaths.sql(connection)
            if sql.dialect.name == "sqlite" { try await sql.raw("PRAGMA mmap_size = 2147418112").run() }
            return try await body(sql)
        }
    }

    private struct EpisodeID: Hashable {
        let client: UUID
        let therapist: UUID
    }

    // A score and its session's time packed into one integer, (seconds since 2000) × 100000 + total × 100, kept on each
    // scored check-in as `outcome_key` (migration 0021), so that MIN and MAX over an episode's rows give its first and
    // its latest score in one pass, the same way on SQLite and PostgreSQL (which have no portable "value at the
    // minimum"), and a range of sessions is a range of keys. Totals are at most 40 with steps of 0.1, so the total's
    // part stays below 100000; 100 years of seconds times 100000 is far inside an Int64.
    static let totalPart: Int64 = 100_000

    /// The key of a check-in scored `total` for a session at `sessionStartsAt`; nil when it has no score or session
    /// time yet, or one the key cannot hold (a session before 2000, a total outside 0 ..< 1000), which the report
    /// then leaves out. `M0021OutcomeKeys.fillKeys` works out the same number in SQL.
    static func key(sessionStartsAt: Date?, total: Double?) -> Int64? {
        guard let sessionStartsAt, let total, total.isFinite, total >= 0, total * 100 < Double(totalPart) else { return nil }
        let seconds = (sessionStartsAt.timeIntervalSince1970 - earliest.timeIntervalSince1970).rounded(.down)
        guard seconds >= 0, seconds < 4e9 else { return nil }
        return Int64(seconds) * totalPart + Int64((total * 100).rounded())
    }

    /// A held session's second since 2000 (attended on time or late, not cancelled), else nil: `appointments.attended_key`.
    /// `M0022AttendedKeys.fillKeys` works out the same number in SQL.
    static func attendedKey(startsAt: Date, cancelled: Bool, attendance: String?) -> Int64? {
        guard !cancelled, attendance == Attendance.attended.rawValue || attendance == Attendance.late.rawValue else { return nil }
        let seconds = (startsAt.timeIntervalSince1970 - earliest.timeIntervalSince1970).rounded(.down)
        guard seconds >= 0, seconds < 4e9 else { return nil }
        return Int64(seconds)
    }

    /// The first key of a range's bound: sessions from that second on have keys at least this.
    static func boundKey(_ date: Date) -> Int64 {
        let seconds = (date.timeIntervalSince1970 - earliest.timeIntervalSince1970).rounded(.up)
        return Int64(max(0, min(seconds, 4e9))) * totalPart
    }

    /// The total a key holds.
    static func total(_ key: Int64) -> Double { Double(key % totalPart) / 100 }

    private static func time(_ key: Int64) -> Date { earliest.addingTimeInterval(Double(key / totalPart)) }

    private static func firstAndLatest(_ measure: String, practiceID: UUID, before toKey: Int64, sql: any SQLDatabase) async throws -> [any SQLRow] {
        try await sql.raw("""
            SELECT "client_id", "session_therapist_id", COUNT(*) AS "scores",
                   MIN("outcome_key") AS "first_key", MAX("outcome_key") AS "latest_key"
            FROM "check_ins"
            WHERE "practice_id" = \(bind: practiceID) AND "instrument_id" = \(bind: measure)
              AND "outcome_key" IS NOT NULL AND "outcome_key" < \(bind: toKey) AND "session_therapist_id" IS NOT NULL
            GROUP BY "client_id", "session_therapist_id"
            """).all()
    }
}
