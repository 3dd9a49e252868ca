import Fluent
import Foundation
import RapportCore

/// One logged attempt, opened.
struct PracticeAttemptView: Sendable, Equatable {
    let id: UUID
    let loggedAt: Date
    let entry: PracticeAttemptEntry
}

/// The practice running now, opened, with every attempt logged against it (newest first).
struct PracticeView: Sendable, Equatable {
    let id: UUID
    let agreedAt: Date
    let agreement: PracticeAgreement
    let attempts: [PracticeAttemptView]

    /// Attempts done or tried in the seven days up to `now` ("not this time" is logged, but not a time done).
    func doneThisWeek(now: Date) -> Int {
        let since = now.addingTimeInterval(-7 * 86_400)
        return attempts.filter { $0.loggedAt > since && $0.loggedAt <= now && $0.entry.outcome != .notThisTime }.count
    }
}

/// Practice between sessions (issue 11, point 4): the therapist records what was agreed with the client, the client
/// logs attempts from their phone, and the therapist sees them on the record before the next session. When nothing
/// is logged for two weeks, the rupture rules count it as a withdrawal marker (`PracticeHistory`).
enum PracticeAgreements {
    static let notificationKind = "practice"

    /// The running agreement's row, nothing opened; nil when none runs.
    static func runningRow(clientID: UUID, on db: any Database) async throws -> PracticeAgreementRow? {
        try await HotPaths.model(PracticeAgreementRow.self, """
            SELECT * FROM "practice_agreements" WHERE "client_id" = \(bind: clientID) AND "ended_at" IS NULL
            ORDER BY "agreed_at" DESC LIMIT 1
            """, on: db)
    }

    /// Agrees a new practice, ending the one before; the client is told there is something new (no content). Each
    /// change here moves the caseload's record version on: practice feeds the withdrawal marker.
    @discardableResult
    static func agree(what: String, frequency: String?, why: String, in record: ClientRecord) async throws -> PracticeView {
        let problems = PracticeRules.problems(what: what, frequency: frequency, why: why)
        guard problems.isEmpty, let chosen = frequency.flatMap(PracticeFrequency.init(rawValue:)) else { throw RecordError.invalid(problems) }
        let agreement = PracticeAgreement(what: what.trimmingCharacters(in: .whitespacesAndNewlines), frequency: chosen,
                                          why: why.trimmingCharacters(in: .whitespacesAndNewlines))
        for running in try await PracticeAgreementRow.query(on: record.db).filter(\.$clientID == record.clientID)
            .filter(\.$endedAt == nil).all() {
            running.endedAt = record.now
            try await running.update(on: record.db)
        }
        let id = UUID()
        let row = PracticeAgreementRow()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.agreedBy = record.actor.userID
        row.agreedAt = record.now
        row.agreementEnvelope = try record.seal(String(decoding: try JSONEncoder().encode(agreement), as: UTF8.self),
                                                PracticeAgreementRow.schema, "agreement", row: id)
        try await row.create(on: record.db)
        try await record.noteChange()
        try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: false, in: record), about: id,
                                        practiceID: record.practiceID, clientID: record.clientID, now: record.now, on: record.db)
        return PracticeView(id: id, agreedAt: record.now, agreement: agreement, attempts: [])
    }

    /// Ends the running practice (the work moved on); false when none was running (stopped meanwhile, a second click).
    @discardableResult
    static func stop(in record: ClientRecord) async throws -> Bool {
        guard let running = try await runningRow(clientID: record.clientID, on: record.db) else { return false }
        running.endedAt = record.now
        try await running.update(on: record.db)
        try await record.noteChange()
        return true
    }

    /// The running practice with its attempts, or nil.
    static func current(in record: ClientRecord) async throws -> PracticeView? {
        guard let row = try await runningRow(clientID: record.clientID, on: record.db) else { return nil }
        let id = try row.requireID()
        let agreement = try JSONDecoder().decode(PracticeAgreement.self, from: Data(
            try record.open(row.agreementEnvelope, PracticeAgreementRow.schema, "agreement", row: id).utf8))
        let attempts = try await PracticeAttemptRow.query(on: record.db).filter(\.$agreementID == id)
            .sort(\.$loggedAt, .descending).sort(\.$id).all()
        return PracticeView(id: id, agreedAt: row.agreedAt, agreement: agreement, attempts: try attempts.map { try view($0, in: record) })
    }

    static func view(_ row: PracticeAttemptRow, in record: ClientRecord) throws -> PracticeAttemptView {
        let id = try row.requireID()
        let entry = try JSONDecoder().decode(PracticeAttemptEntry.self, from: Data(
            try record.open(row.attemptEnvelope, PracticeAttemptRow.schema, "attempt", row: id).utf8))
        return PracticeAttemptView(id: id, loggedAt: row.loggedAt, entry: entry)
    }

    /// The client logs an attempt against the running practice (the first tap); how it felt comes after.
    static func log(_ outcome: PracticeOutcome, in record: ClientRecord) async throws -> UUID {
        guard let running = try await runningRow(clientID: record.clientID, on: record.db) else { throw RecordError.notFound }
        let id = UUID()
        let row = PracticeAttemptRow()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.agreementID = try running.requireID()
        row.loggedAt = record.now
        row.attemptEnvelope = try seal(PracticeAttemptEntry(outcome: outcome, feeling: nil, note: nil), row: id, in: record)
        try await row.create(on: record.db)
        try await record.noteChange()
        return id
    }

    /// One of the client's own attempts, opened; `RecordError.notFound` for anyone else's.
    static func attempt(_ id: UUID, in record: ClientRecord) async throws -> PracticeAttemptView {
        guard let row = try await PracticeAttemptRow.query(on: record.db).filter(\.$id == id).filter(\.$clientID == record.clientID).first()
        else { throw RecordError.notFound }
        return try view(row, in: record)
    }

    /// How it felt, and a note (the second tap): written into the attempt, its outcome kept.
    static func describe(_ id: UUID, feeling: PracticeFeeling?, note: String, in record: ClientRecord) async throws {
        if let problem = PracticeRules.noteProblem(note) { throw RecordError.invalid([problem]) }
        guard let row = try await PracticeAttemptRow.query(on: record.db).filter(\.$id == id).filter(\.$clientID == record.clientID).first()
        else { throw RecordError.notFound }
        let before = try view(row, in: record)
        let text = note.trimmingCharacters(in: .whitespacesAndNewlines)
        row.attemptEnvelope = try seal(PracticeAttemptEntry(outcome: before.entry.outcome, feeling: feeling, note: text.isEmpty ? nil : text),
                                       row: id, in: record)
        try await row.update(on: record.db)
    }

    static func seal(_ entry: PracticeAttemptEntry, row id: UUID, in record: ClientRecord) throws -> Data {
        try record.seal(String(decoding: try JSONEncoder().encode(entry), as: UTF8.self), PracticeAttemptRow.schema, "attempt", row: id)
    }

    /// When practice ran and attempts were logged, for the rupture rules: clear columns only, nothing opened.
    static func history(clientID: UUID, on db: any Database) async throws -> PracticeHistory {
        let sql = try HotPaths.sql(db)
        let agreed = try await sql.raw("""
            SELECT "agreed_at", "ended_at" FROM "practice_agreements" WHERE "client_id" = \(bind: clientID)
            """).all().map { row in
            PracticeHistory.Span(from: try row.decode(column: "agreed_at", as: Date.self), until: try row.decode(column: "ended_at", as: Date?.self))
        }
        guard !agreed.isEmpty else { return .none }
        let attempts = try await sql.raw("""
            SELECT "logged_at" FROM "practice_attempts" WHERE "client_id" = \(bind: clientID)
            """).all().map { try $0.decode(column: "logged_at", as: Date.self) }
        return PracticeHistory(agreed: agreed, attempts: attempts)
    }
}
