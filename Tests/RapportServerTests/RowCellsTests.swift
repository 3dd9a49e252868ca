import Fluent
import FluentSQLiteDriver
import Foundation
import RapportCore
@testable import RapportServer
import Testing

/// The record page reads a client's sessions and check-ins with `HotPaths.clientRows` (straight from SQLiteNIO's
/// values on SQLite, through SQLKit elsewhere). Whichever reader runs, every column must come out as Fluent's own
/// model decoding gives it: a session series, a late arrival, a late cancellation, a place, a check-in with and
/// without a comment, one begun and not finished, one with no total.
@Suite struct RowCellsTests {
    static func sessionFields(_ row: AppointmentRow) -> [String] {
        [row.id?.uuidString ?? "-", row.practiceID.uuidString, row.clientID.uuidString, row.therapistID.uuidString,
         "\(row.startsAt.timeIntervalSince1970)", "\(row.durationMinutes)", row.locationEnvelope?.base64EncodedString() ?? "-",
         "\(row.cancelled)", row.attendance ?? "-", row.lateMinutes.map(String.init) ?? "-", "\(row.createdAt.timeIntervalSince1970)",
         row.seriesID?.uuidString ?? "-", row.seriesIndex.map(String.init) ?? "-",
         row.movedFrom.map { "\($0.timeIntervalSince1970)" } ?? "-", row.cancelledAt.map { "\($0.timeIntervalSince1970)" } ?? "-"]
    }

    static func checkInFields(_ row: CheckInRow) -> [String] {
        [row.id?.uuidString ?? "-", row.practiceID.uuidString, row.clientID.uuidString, row.appointmentID.uuidString, row.instrumentID,
         row.answersEnvelope.base64EncodedString(), row.commentEnvelope?.base64EncodedString() ?? "-", row.total.map { "\($0)" } ?? "-",
         row.band ?? "-", row.flags, row.enteredBy.uuidString, "\(row.inRoom)", "\(row.startedAt.timeIntervalSince1970)",
         row.completedAt.map { "\($0.timeIntervalSince1970)" } ?? "-", row.sessionStartsAt.map { "\($0.timeIntervalSince1970)" } ?? "-",
         row.sessionTherapistID?.uuidString ?? "-"]
    }

    @Test func sessionsAndCheckInsReadAsFluentReadsThem() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist, name: "Rae Cells")
            let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let record = try await practice.record(therapist.actor, .enterCheckIn, scope)
            try await CheckIns.setMeasures(["phq-9", "session-feedback"], in: record)
            let past = Date().addingTimeInterval(-20 * 86400)
            // Three weekly sessions in a series, with a place; the first attended late, the second held with
            // feedback and a comment, the third cancelled late; then one still to come.
            let first = try await Appointments.schedule(.init(start: past, startField: "date", lengthMinutes: 50, location: "Room 2",
                                                              repeats: .init(everyWeeks: 1, count: 3)),
                                                        in: record.at(past.addingTimeInterval(-86400)))
            let series = try await AppointmentRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).sort(\.$startsAt).all()
            #expect(series.count == 3)
            try await Appointments.recordAttendance(first.id, attendance: .late, lateMinutes: 12, in: record)
            _ = try await CheckIns.enterInRoom([2, 1, 0, 3, 1, 0, 2, 1, 0], comment: nil, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                               appointmentID: first.id, in: record)
            let second = try series[1].requireID()
            try await Appointments.recordAttendance(second, attendance: .attended, lateMinutes: nil, in: record)
            _ = try await CheckIns.enterInRoom([9, 8, 7, 10], comment: "It felt rushed today.",
                                               definition: InstrumentCatalogue.definition(id: "session-feedback")!, appointmentID: second, in: record)
            let third = try series[2].requireID()
            _ = try await Appointments.cancel(third, .late, in: record.at(series[2].startsAt.addingTimeInterval(-3600)))
            let next = try await Appointments.schedule(.init(start: Date().addingTimeInterval(3 * 86400), startField: "date", lengthMinutes: 60,
                                                             location: ""), in: record)
            // A check-in begun by the client and not finished: no total, no completion.
            let clientRecord = try await practice.record(try client.user.principal()!, .answerOwnCheckIn, scope)
            _ = try await CheckIns.saveAnswer(1, item: 0, definition: InstrumentCatalogue.definition(id: "phq-9")!, appointmentID: next.id,
                                              to: nil, in: clientRecord)

            let fluentSessions = try await AppointmentRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).sort(\.$startsAt).all()
            let readSessions = try await AppointmentRow.all(clientID: scope.clientID, on: practice.app.db)
            #expect(fluentSessions.count == 4)
            #expect(readSessions.map(Self.sessionFields) == fluentSessions.map(Self.sessionFields))
            #expect(readSessions.contains { $0.lateMinutes == 12 } && readSessions.contains { $0.cancelledAt != nil }
                    && readSessions.contains { $0.seriesIndex == 2 })

            let fluentCheckIns = try await CheckInRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).all()
            let readCheckIns = try await CheckInRow.all(clientID: scope.clientID, on: practice.app.db)
            #expect(fluentCheckIns.count == 3)
            let order = { (rows: [CheckInRow]) in rows.map(Self.checkInFields).sorted { $0[0] < $1[0] } }
            #expect(order(readCheckIns) == order(fluentCheckIns))
            #expect(readCheckIns.contains { $0.commentEnvelope != nil } && readCheckIns.contains { $0.total == nil && $0.completedAt == nil })

            // The reader that ran: SQLiteNIO's values on SQLite, SQLKit's decoding elsewhere (a silent fall back to
            // the slow path would otherwise pass unseen).
            let readers = try await HotPaths.clientRows(["id"], from: "check_ins", clientID: scope.clientID, on: practice.app.db) { cells in
                String(describing: type(of: cells))
            }
            let onSQLite = practice.app.db is any SQLiteDatabase
            #expect(readers == Array(repeating: onSQLite ? "SQLiteRowCells" : "SQLRowCells", count: 3))
            // Inside a transaction (the record page reads there), the same rows.
            let inTransaction = try await practice.app.db.transaction { db in try await CheckInRow.all(clientID: scope.clientID, on: db) }
            #expect(order(inTransaction) == order(fluentCheckIns))
        }
    }
}
