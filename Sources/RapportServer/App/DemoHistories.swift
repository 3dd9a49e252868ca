import Fluent
import Foundation
import RapportCore
import RapportVault
import Vapor

/// Histories for demo clients, written straight into the tables the way Rapport itself would have left them: the
/// client, their key and care team, their sessions, and their check-ins sealed under their key, scored by the same
/// scoring engine. Used for the default demo's longer stories and for `rapport demo --clients N --weeks W --seed S`,
/// where going through each request's path would take hours at a million measure sets.
enum DemoHistories {
    /// One session of a history: when, what happened, and what the client answered.
    struct Session: Sendable {
        /// Days from now: negative in the past, positive to come.
        var days: Double
        var attendance: Attendance?
        var lateMinutes: Int?
        var cancelled = false
        /// Outcome measure totals answered before the session (instrument id → total).
        var outcomes: [String: Int] = [:]
        /// Session feedback total (of 40) given after it, if any.
        var feedback: Int?
        /// The feedback item held low (0–3: heard, goals, approach, overall), when the story has one.
        var lowItem: Int?
    }

    /// This history for a client who already exists (invited and joined the usual way), in one transaction.
    static func writeHistory(clientID: UUID, therapist: Principal, sessions: [Session], now: Date, app: Application,
                             on db: any Database) async throws {
        let keys = app.rapport.keys
        let key = try await keys.clientKey(clientID: clientID, practiceID: therapist.practiceID, on: db)
        var appointments: [[any Encodable & Sendable]] = []
        var checkIns: [[any Encodable & Sendable]] = []
        try rows(for: clientID, key: key, sessions: sessions, therapist: therapist, now: now, keys: keys, appointments: &appointments, checkIns: &checkIns)
        try await insert(appointments, into: AppointmentRow.schema, columns: appointmentColumns, on: db)
        try await insert(checkIns, into: CheckInRow.schema, columns: checkInColumns, on: db)
    }

    // Written with SQLKit, not Fluent's models: building a model's input walks its properties with `Mirror` for
    // every row, and that was most of the time at a million rows (perf record on `rapport demo --clients 300`).
    static let appointmentColumns = ["id", "practice_id", "client_id", "therapist_id", "starts_at", "duration_minutes", "cancelled",
                                     "attendance", "late_minutes", "created_at", "cancelled_at", "attended_key"]
    static let checkInColumns = ["id", "practice_id", "client_id", "appointment_id", "instrument_id", "answers_envelope", "total", "band",
                                 "flags", "entered_by", "in_room", "started_at", "completed_at", "session_starts_at", "session_therapist_id",
                                 "outcome_key"]

    /// Rows in statements of at most ~30,000 bound values (SQLite allows 32,766, PostgreSQL 65,535).
    private static func insert(_ rows: [[any Encodable & Sendable]], into table: String, columns: [String], on db: any Database) async throws {
        let sql = try HotPaths.sql(db)
        let perStatement = max(1, 30_000 / columns.count)
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            var statement = sql.insert(into: table).columns(columns)
            for row in rows[start..<min(start + perStatement, rows.count)] { statement = statement.values(row) }
            try await statement.run()
        }
    }

    /// Many clients of one therapist at once: one batch insert per table (clients, keys and care teams through Fluent,
    /// one row per client; sessions and check-ins, which are most of the rows, in SQL).
    static func writeClients(_ clients: [(name: String, sessions: [Session])], therapist: Principal, now: Date, app: Application,
                             on db: any Database) async throws -> [UUID] {
        let keys = app.rapport.keys
        let practiceKey = try await keys.practiceKey(practiceID: therapist.practiceID, on: db)
        var clientRows: [ClientRow] = []
        var keyRows: [ClientKeyRow] = []
        var members: [CareTeamMemberRow] = []
        var appointments: [[any Encodable & Sendable]] = []
        var checkIns: [[any Encodable & Sendable]] = []
        var ids: [UUID] = []
        for (name, sessions) in clients {
            let clientID = UUID()
            ids.append(clientID)
            let (key, keyRow) = try keys.newClientKey(clientID: clientID, under: practiceKey, now: now)
            keyRows.append(keyRow)
            let client = ClientRow()
            client.id = clientID
            client.practiceID = therapist.practiceID
            client.createdAt = now.addingTimeInterval(((sessions.map(\.days).min() ?? 0) - 7) * 86400)
            client.progressWordsOnly = false
            client.nameEnvelope = try keys.seal(name, key: key, ClientRow.schema, "name", row: clientID)
            clientRows.append(client)
            let member = CareTeamMemberRow()
            member.clientID = clientID
            member.therapistID = therapist.userID
            member.createdAt = client.createdAt
            members.append(member)
            try rows(for: clientID, key: key, sessions: sessions, therapist: therapist, now: now, keys: keys, appointments: &appointments, checkIns: &checkIns)
        }
        try await clientRows.create(on: db)
        try await keyRows.create(on: db)
        try await members.create(on: db)
        try await insert(appointments, into: AppointmentRow.schema, columns: appointmentColumns, on: db)
        try await insert(checkIns, into: CheckInRow.schema, columns: checkInColumns, on: db)
        for clientID in ids {
            try await AuditWriter.append(.access(by: therapist, .inviteClient, clientID: clientID, resource: clientID), at: now, on: db)
        }
        return ids
    }

    /// The client's sessions and the check-ins answered for them, as rows.
    private static func rows(for clientID: UUID, key: ClientDataKey, sessions: [Session], therapist: Principal, now: Date, keys: KeyStore,
                             appointments: inout [[any Encodable & Sendable]], checkIns: inout [[any Encodable & Sendable]]) throws {
        for session in sessions {
            let appointmentID = UUID()
            let start = now.addingTimeInterval(session.days * 86400)
            appointments.append([appointmentID, therapist.practiceID, clientID, therapist.userID, start, 50, session.cancelled,
                                 session.attendance?.rawValue, session.lateMinutes, start.addingTimeInterval(-7 * 86400),
                                 session.cancelled ? start.addingTimeInterval(-6 * 3600) : nil,
                                 PracticeOutcomesData.attendedKey(startsAt: start, cancelled: session.cancelled,
                                                                  attendance: session.attendance?.rawValue)])
            let session = (id: appointmentID, start: start, session: session)
            for (instrument, total) in session.session.outcomes.sorted(by: { $0.key < $1.key }) {
                checkIns.append(try checkIn(instrument, total: total, lowItem: nil, clientID: clientID, appointmentID: session.id, sessionStart: start,
                                            answeredAt: start.addingTimeInterval(-86400), therapist: therapist, key: key, keys: keys))
            }
            if let feedback = session.session.feedback {
                checkIns.append(try checkIn("session-feedback", total: feedback, lowItem: session.session.lowItem, clientID: clientID,
                                            appointmentID: session.id, sessionStart: start, answeredAt: start.addingTimeInterval(3 * 3600),
                                            therapist: therapist, key: key, keys: keys))
            }
        }
    }

    /// A finished check-in with `total` spread over its items, scored and flagged by the scoring engine.
    private static func checkIn(_ instrument: String, total: Int, lowItem: Int?, clientID: UUID, appointmentID: UUID, sessionStart: Date,
                                answeredAt: Date, therapist: Principal, key: ClientDataKey, keys: KeyStore) throws -> [any Encodable & Sendable] {
        guard let definition = InstrumentCatalogue.definition(id: instrument) else { throw RecordError.notFound }
        var answers = DemoPractice.spread(total, over: definition, risk: 0)
        if let lowItem, answers.indices.contains(lowItem), answers.count > 1 {
            // Hold one item low and give the rest to the others, within their range.
            var moved = max(0, answers[lowItem] - 4)
            answers[lowItem] -= moved
            for index in answers.indices where index != lowItem && moved > 0 {
                let room = definition.scoreRange(of: definition.item[index]).upperBound - answers[index]
                let step = min(room, moved)
                answers[index] += step
                moved -= step
            }
            answers[lowItem] += moved
        }
        let result = try Scoring.score(definition, answers: answers)
        let id = UUID()
        let sealed = try keys.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), key: key, CheckInRow.schema, "answers", row: id)
        // Answered in the room with the therapist (entered by them, in the room): generated clients have no account.
        return [id, therapist.practiceID, clientID, appointmentID, instrument, sealed, result.total, result.band?.code,
                result.flags.joined(separator: ","), therapist.userID, true, answeredAt, answeredAt, sessionStart, therapist.userID,
                PracticeOutcomesData.key(sessionStartsAt: sessionStart, total: result.total)]
    }
}

/// A practice of any size for screenshots and benchmarks: `rapport demo --clients N --weeks W --seed S`. The same
/// seed gives the same practice. Each client has W weekly sessions up to this week and one booked next week, PHQ-9
/// and GAD-7 before each session and feedback after it; most improve along a course like the expected one, some
/// slowly, some not at all, a few get worse, and some show a withdrawal pattern in their last sessions.
struct DemoGenerator {
    let clients: Int
    let weeks: Int
    let seed: UInt64

    /// SplitMix64: small, fast and the same everywhere, so a seed is a practice.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func normal(_ mean: Double, _ spread: Double) -> Double {
            let u = max(unit(), 1e-12), v = unit()
            return mean + spread * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
    }

    static let givenNames = ["Ada", "Ben", "Cleo", "Dev", "Ella", "Finn", "Gita", "Hugo", "Iris", "Jude", "Kemi", "Liam", "Mina",
                             "Noah", "Orla", "Pia", "Ravi", "Sara", "Theo", "Uma", "Vic", "Wen", "Yara", "Zac"]
    static let familyNames = ["Adams", "Bose", "Costa", "Doyle", "Eze", "Frost", "Gill", "Hale", "Ito", "Jones", "Khan", "Lund",
                              "Moss", "Nolan", "Okoro", "Park", "Quinn", "Reid", "Shah", "Tran", "Vega", "Walsh", "Young", "Zhou"]

    /// Client number `index`'s name and history.
    func client(_ index: Int) -> (name: String, sessions: [DemoHistories.Session]) {
        var random = Random(state: seed &+ UInt64(index) &* 0x2545_F491_4F6C_DD1D)
        let name = "\(Self.givenNames[index % Self.givenNames.count]) \(Self.familyNames[(index / Self.givenNames.count) % Self.familyNames.count])"
            + (index >= Self.givenNames.count * Self.familyNames.count ? " \(index / (Self.givenNames.count * Self.familyNames.count) + 1)" : "")
        let phqStart = min(26, max(6, random.normal(15, 4)))
        let gadStart = min(21, max(4, phqStart * 0.75 + random.normal(0, 2.5)))
        let kind = random.unit()
        // How much of the way to the target a client has come by session n: rate × ln(1 + n), as the expected course.
        let rate = kind < 0.55 ? 0.3 + 0.2 * random.unit() : kind < 0.8 ? 0.1 + 0.1 * random.unit() : kind < 0.92 ? 0 : -0.12
        let withdraws = random.unit() < 0.08
        let feedbackBase = 34 + 6 * random.unit()
        let rupture = random.unit() < 0.15 ? Int(random.unit() * Double(max(1, weeks))) : -1
        let day = Double(index % 5) + Double((index / 5) % 8) / 24
        var sessions: [DemoHistories.Session] = []
        for week in 0..<weeks {
            let days = -Double(weeks - week) * 7 + day + 0.5
            let nearEnd = week >= weeks - 3
            var session = DemoHistories.Session(days: days, attendance: .attended)
            let roll = random.unit()
            if withdraws && nearEnd {
                session.attendance = [Attendance.late, .cancelledLate, .didNotAttend][week % 3]
            } else if roll < 0.03 {
                session.attendance = .didNotAttend
            } else if roll < 0.07 {
                session.attendance = .cancelledLate
            } else if roll < 0.12 {
                session.attendance = .late
            }
            if session.attendance == .late { session.lateMinutes = 10 + Int(random.unit() * 15) }
            if session.attendance == .cancelledLate { session.cancelled = true }
            let attended = session.attendance == .attended || session.attendance == .late
            if attended {
                let progress = max(-0.5, 1 - rate * log(1 + Double(week)))
                let phq = 2.91 + (phqStart - 2.91) * progress + random.normal(0, 1.8)
                let gad = 2.95 + (gadStart - 2.95) * progress + random.normal(0, 1.4)
                if random.unit() < 0.93 || week == 0 {
                    session.outcomes = ["phq-9": Int(min(27, max(0, phq.rounded()))), "gad-7": Int(min(21, max(0, gad.rounded())))]
                }
                if !(withdraws && nearEnd) && random.unit() < 0.88 {
                    let dip = week == rupture ? 7 + random.unit() * 5 : 0
                    session.feedback = Int(min(40, max(8, (feedbackBase - dip + random.normal(0, 1.2)).rounded())))
                    if week == rupture { session.lowItem = Int(random.unit() * 4) % 4 }
                }
            }
            sessions.append(session)
        }
        sessions.append(DemoHistories.Session(days: day + 0.5 + 7, attendance: nil))
        return (name, sessions)
    }
}
