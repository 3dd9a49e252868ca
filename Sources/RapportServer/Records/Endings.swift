import Fluent
import Foundation
import RapportCore
import SQLKit

/// The current ending, opened.
struct EndingView: Sendable, Equatable {
    let id: UUID
    let plannedAt: Date
    let lastSessionOn: Date?
    let followUpMonths: [Int]
    let endedAt: Date?
    let letter: ClosingLetter?

    /// When each follow-up check-in falls, once therapy has ended.
    func followUpDates(in zone: TimeZone) -> [Date] {
        guard let endedAt else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return EndingRules.followUpDates(months: followUpMonths, after: endedAt, calendar: calendar)
    }
}

/// An ending that lasts (issue 11, point 7): planned with the client on their record, then carried out with a closing
/// letter and a relapse-prevention plan the client keeps. From then on the client's own record is read-only to them
/// (the access policy reads `clients.ended_at`): their letter, plan, words to carry and safety plan stay theirs to
/// read, and they may reach out again in one tap. A therapist can resume therapy when they come back.
enum Endings {
    static let notificationKind = "ending"
    static let reachOutAgainMessage = "I'd like to get back in touch."

    /// The newest ending not resumed, its row; nil when there is none.
    static func currentRow(clientID: UUID, on db: any Database) async throws -> EndingRow? {
        try await HotPaths.model(EndingRow.self, """
            SELECT * FROM "endings" WHERE "client_id" = \(bind: clientID) AND "resumed_at" IS NULL ORDER BY "planned_at" DESC LIMIT 1
            """, on: db)
    }

    static func current(in record: ClientRecord) async throws -> EndingView? {
        guard let row = try await currentRow(clientID: record.clientID, on: record.db) else { return nil }
        let id = try row.requireID()
        let letter = try row.letterEnvelope.map { envelope in
            try JSONDecoder().decode(ClosingLetter.self, from: Data(try record.open(envelope, EndingRow.schema, "letter", row: id).utf8))
        }
        return EndingView(id: id, plannedAt: row.plannedAt, lastSessionOn: row.lastSessionOn,
                          followUpMonths: EndingRules.followUpMonths(row.followUpMonths) ?? EndingRules.defaultFollowUpMonths,
                          endedAt: row.endedAt, letter: letter)
    }

    /// Plans (or re-plans) the ending: the last session's day, if known, and the follow-ups' months.
    static func plan(lastSession: Date?, months: [Int], in record: ClientRecord) async throws {
        let row = try await currentRow(clientID: record.clientID, on: record.db) ?? EndingRow()
        guard row.endedAt == nil else { throw RecordError.conflict("Therapy has already ended. Resume it to plan another ending.") }
        let isNew = row.id == nil
        if isNew {
            row.id = UUID()
            row.practiceID = record.practiceID
            row.clientID = record.clientID
        }
        row.plannedBy = record.actor.userID
        row.plannedAt = record.now
        row.lastSessionOn = lastSession
        row.followUpMonths = months.map(String.init).joined(separator: ",")
        if isNew { try await row.create(on: record.db) } else { try await row.update(on: record.db) }
    }

    /// Ends therapy: the letter and plan sealed for the client, their record read-only to them from now, sessions still
    /// booked cancelled in good time, and they are told there is something new. Planned or not (an ending can come
    /// sooner than planned).
    /// `zone` is the practice's, in which "a month later" falls on the same day of the month.
    static func end(_ letter: ClosingLetter, zone: TimeZone, in record: ClientRecord) async throws {
        let planned = try await currentRow(clientID: record.clientID, on: record.db)
        let row = planned ?? EndingRow()
        guard row.endedAt == nil else { throw RecordError.conflict("Therapy has already ended.") }
        if planned == nil {
            // Unplanned: the ending is planned and carried out at once, with the usual follow-ups.
            row.id = UUID()
            row.practiceID = record.practiceID
            row.clientID = record.clientID
            row.plannedBy = record.actor.userID
            row.plannedAt = record.now
            row.followUpMonths = EndingRules.defaultFollowUpMonths.map(String.init).joined(separator: ",")
        }
        let id = try row.requireID()
        row.endedAt = record.now
        row.endedBy = record.actor.userID
        row.letterEnvelope = try record.seal(String(decoding: try JSONEncoder().encode(letter), as: UTF8.self), EndingRow.schema, "letter", row: id)
        if planned == nil { try await row.create(on: record.db) } else { try await row.update(on: record.db) }
        try await setEnded(record.now, in: record)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let months = EndingRules.followUpMonths(row.followUpMonths) ?? EndingRules.defaultFollowUpMonths
        try await FollowUps.schedule(endingID: id, dates: Array(zip(months, EndingRules.followUpDates(months: months, after: record.now,
                                                                                                       calendar: calendar))).map { ($0.0, $0.1) },
                                     in: record)
        // Practice between sessions stops with the sessions: nothing is asked of the client any more.
        try await PracticeAgreements.stop(in: record)
        // Sessions still booked after the ending are cancelled, in good time: therapy has ended, nobody is expected.
        for session in try await Appointments.all(in: record) where session.startsAt > record.now && !session.cancelled {
            _ = try await Appointments.cancel(session.id, .inGoodTime, in: record)
        }
        try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: false, in: record), about: id,
                                        practiceID: record.practiceID, clientID: record.clientID, now: record.now, on: record.db)
    }

    /// The client came back: therapy goes on, the ending (and its letter) kept in the record.
    static func resume(in record: ClientRecord) async throws {
        guard let row = try await currentRow(clientID: record.clientID, on: record.db), row.endedAt != nil else {
            throw RecordError.conflict("Therapy hasn't ended, so there is nothing to resume.")
        }
        row.resumedAt = record.now
        try await row.update(on: record.db)
        try await FollowUps.dropPending(in: record)
        try await setEnded(nil, in: record)
    }

    static func setEnded(_ moment: Date?, in record: ClientRecord) async throws {
        try await HotPaths.sql(record.db).raw("""
            UPDATE "clients" SET "ended_at" = \(bind: moment) WHERE "id" = \(bind: record.clientID)
            """).run()
        try await record.noteChange()
    }

    /// After the ending, one tap: a message in the thread saying they'd like to get back in touch (the care team is
    /// told there is a new message, as for any). Once: while one waits unread, another tap adds nothing (no flood of
    /// messages and emails from a button pressed again).
    static func reachOutAgain(in record: ClientRecord) async throws {
        let endedAt = try await ClientRow.find(record.clientID, on: record.db)?.endedAt ?? .distantPast
        let waiting = try await MessageRow.query(on: record.db).filter(\.$clientID == record.clientID).filter(\.$fromClient == true)
            .filter(\.$readAt == nil).filter(\.$createdAt >= endedAt).count()
        guard waiting == 0 else { return }
        _ = try await Messages.write(reachOutAgainMessage, fromClient: true, in: record)
    }
}
