import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Practice outcomes for the owner (issue 10, point 7), end to end: what the tables hold becomes the figures on the
/// page and in the CSV, within the range asked for; small cells are hidden; a bad range changes nothing and says
/// why; and a check-in keeps its session's time when the session moves (the index the report reads).
@Suite struct PracticeOutcomesPageTests {
    typealias Session = DemoHistories.Session

    /// Weekly sessions ending `endsDaysAgo` days ago, with PHQ-9 and GAD-7 each time and feedback after.
    static func history(phq: [Int], gad: [Int], feedback: Int? = 38, endsDaysAgo: Double = 2) -> [Session] {
        phq.indices.map { index in
            var session = Session(days: -endsDaysAgo - Double(phq.count - 1 - index) * 7, attendance: .attended)
            session.outcomes = ["phq-9": phq[index], "gad-7": gad[index]]
            session.feedback = feedback
            return session
        }
    }

    @Test func theOwnerSeesCountsPerTherapistAndThePracticeAndTheSameInCSV() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let dana = try await practice.newTherapist(in: owner, name: "Dana Figures")
            let jonas = try await practice.newTherapist(in: owner, name: "Jonas Figures")
            let now = Date()
            // Dana: 6 reliable recoveries and 1 unchanged. Jonas: 5 reliable deteriorations, and 2 seen only once.
            let recovered = (0..<6).map { ("Recovered \($0)", Self.history(phq: [18, 14, 8], gad: [14, 10, 5])) }
            let unchanged = [("Unchanged", Self.history(phq: [12, 12, 12], gad: [9, 9, 9]))]
            let worse = (0..<5).map { ("Worse \($0)", Self.history(phq: [6, 9, 13], gad: [5, 7, 9], feedback: 30)) }
            let once = (0..<2).map { ("Once \($0)", Self.history(phq: [15], gad: [11])) }
            try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                _ = try await DemoHistories.writeClients(recovered + unchanged, therapist: dana.actor, now: now, app: practice.app, on: db)
                _ = try await DemoHistories.writeClients(worse + once, therapist: jonas.actor, now: now, app: practice.app, on: db)
            }
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            try await practice.app.testing().test(.GET, "/practice/outcomes", headers: browser.headers) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("Practice outcomes") && html.contains("role=\"img\""))
                // The practice: 14 episodes, 12 measured twice, 6 reliable improvements (50 %), 5 deteriorations.
                #expect(html.contains("<td>14</td>") && html.contains("<td>12 (86 %)</td>"))
                #expect(html.contains("<td>6 (50 %)</td>") && html.contains("<td>5 (42 %)</td>"))
                #expect(html.contains("Dana Figures") && html.contains("Jonas Figures"))
                // No client is named anywhere: counts only.
                #expect(!html.contains("Recovered 0") && !html.contains("Worse 0") && !html.contains("Once 0"))
            }
            try await practice.app.testing().test(.GET, "/practice/outcomes.csv", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.headers.contentType?.subType == "csv")
                #expect(response.headers.first(name: .contentDisposition)?.contains("attachment; filename=\"practice-outcomes-") == true)
                let lines = response.body.string.split(separator: "\r\n").map(String.init)
                #expect(lines.count == 4)
                let header = lines[0].split(separator: ",").map(String.init)
                func value(_ line: Int, _ column: String) -> String? {
                    guard let index = header.firstIndex(of: column) else { return nil }
                    let fields = lines[line].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    return fields.indices.contains(index) ? fields[index] : nil
                }
                #expect(value(1, "group") == "practice" && value(1, "episodes") == "14" && value(1, "measured_twice") == "12")
                #expect(value(1, "reliable_recovery") == "6" && value(1, "reliable_deterioration") == "5" && value(1, "paired") == "12")
                #expect(value(1, "feedback_given") == "38" && value(1, "sessions_attended") == "38")
                let danaLine = lines.firstIndex { $0.contains("Dana Figures") }!, jonasLine = lines.firstIndex { $0.contains("Jonas Figures") }!
                #expect(value(danaLine, "episodes") == "7" && value(danaLine, "reliable_recovery") == "6" && value(danaLine, "recovery_share") == "0.857")
                // Jonas's 0 reliable recoveries is shown; 2 once-only episodes are not counted as measured twice.
                #expect(value(jonasLine, "episodes") == "7" && value(jonasLine, "measured_twice") == "5" && value(jonasLine, "reliable_recovery") == "0")
                // (15 × 30 + 2 × 38) / 17.
                #expect(value(jonasLine, "feedback_mean") == "30.94")
            }
        }
    }

    @Test func theRangeDecidesWhichEpisodesCountAndWhichScoresAreLatest() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let now = Date()
            // Five clients: recovered by 10 days ago, then worse again since.
            let clients = (0..<5).map { ("Client \($0)", Self.history(phq: [18, 14, 8, 8, 16], gad: [14, 10, 5, 5, 12])) }
            try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                _ = try await DemoHistories.writeClients(clients, therapist: therapist.actor, now: now, app: practice.app, on: db)
            }
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            func csv(_ query: String) async throws -> [String: String] {
                var values: [String: String] = [:]
                try await practice.app.testing().test(.GET, "/practice/outcomes.csv?\(query)", headers: browser.headers) { response in
                    #expect(response.status == .ok)
                    let lines = response.body.string.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
                    for (name, value) in zip(lines[0], lines[1]) { values[name] = value }
                }
                return values
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = practice.configuration.timeZone
            func day(_ daysAgo: Int) -> String {
                let parts = calendar.dateComponents([.year, .month, .day], from: now.addingTimeInterval(Double(-daysAgo) * 86400))
                return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            }
            // Up to today: latest 16, not recovered.
            let all = try await csv("")
            #expect(all["episodes"] == "5" && all["recovery"] == "0" && all["reliable_recovery"] == "0")
            // Ending 12 days ago: the latest score is 8, recovered.
            let earlier = try await csv("from=\(day(40))&to=\(day(12))")
            #expect(earlier["episodes"] == "5" && earlier["reliable_recovery"] == "5", "\(earlier)")
            // A range with nothing in it: no episode.
            let before = try await csv("from=2001-01-01&to=2001-12-31")
            #expect(before["episodes"] == "0")
        }
    }

    @Test(arguments: [
        ("from=2026-02-30", "from"), ("to=2026-13-01", "to"), ("from=1999-12-31", "from"), ("from=26-01-01", "from"),
        ("from=2026-03-01&to=2026-02-01", "from"), ("from=2000-01-01&to=2040-01-01", "to"), ("from=%EF%BC%92026-01-01", "from"),
        ("to=2026-01-01T00:00", "to"),
    ])
    func aBadRangeIsExplainedOnThePageAndInTheCSVAndNothingElse(_ query: String, _ field: String) async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            try await practice.app.testing().test(.GET, "/practice/outcomes?\(query)", headers: browser.headers) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("role=\"alert\""))
                #expect(response.body.string.contains("aria-invalid=\"true\""))
            }
            try await practice.app.testing().test(.GET, "/practice/outcomes.csv?\(query)", headers: browser.headers) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.hasPrefix("\(field): "))
            }
        }
    }

    @Test func aTherapistCannotSeeThePracticeOutcomes() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let browser = Browser(sessionToken: try await practice.signIn(therapist))
            for path in ["/practice/outcomes", "/practice/outcomes.csv"] {
                try await practice.app.testing().test(.GET, path, headers: browser.headers) { #expect($0.status == .forbidden) }
            }
        }
    }

    @Test func aCheckInKeepsItsSessionsTimeAndTherapistWhenTheSessionMoves() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let record = try await practice.record(therapist.actor, .enterCheckIn, scope)
            let start = Date().addingTimeInterval(3 * 86400)
            let session = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""), in: record)
            _ = try await CheckIns.enterInRoom([1, 1, 1, 1, 1, 1, 1, 1, 0], comment: nil, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                               appointmentID: session.id, in: record)
            let made = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$appointmentID == session.id).first())
            #expect(made.sessionTherapistID == therapist.id)
            #expect(abs((made.sessionStartsAt ?? .distantPast).timeIntervalSince(start)) < 1)
            let later = start.addingTimeInterval(2 * 86400)
            _ = try await Appointments.change(session.id, to: .init(start: later, startField: "date", lengthMinutes: 50, location: ""), in: record)
            let moved = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$appointmentID == session.id).first())
            #expect(abs((moved.sessionStartsAt ?? .distantPast).timeIntervalSince(later)) < 60)
            // The outcome key moves with it: the new second, the same total.
            let key = try #require(moved.outcomeKey)
            #expect(key == PracticeOutcomesData.key(sessionStartsAt: moved.sessionStartsAt, total: 8))
            #expect(key % PracticeOutcomesData.totalPart == 800)
            #expect(key / PracticeOutcomesData.totalPart == Int64(moved.sessionStartsAt!.timeIntervalSince(PracticeOutcomesData.earliest).rounded(.down)))
            #expect(key != made.outcomeKey)
        }
    }

    @Test func checkInsMadeBeforeMigration0019GetTheirSessionsTimeAndTherapist() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let record = try await practice.record(therapist.actor, .enterCheckIn, scope)
            let start = Date().addingTimeInterval(2 * 86400)
            let session = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""), in: record)
            _ = try await CheckIns.enterInRoom([1, 1, 1, 1, 1, 1, 1], comment: nil, definition: InstrumentCatalogue.definition(id: "gad-7")!,
                                               appointmentID: session.id, in: record)
            // As it was before 0019: the columns gone, then added again and filled in from the appointments.
            // On one connection, as migrations run: another connection to the same in-memory SQLite database can hold
            // the schema from before the revert until its next statement, and refuse to add a column it thinks is there.
            let before = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$appointmentID == session.id).first())
            try await practice.app.db.withConnection { connection in
                try await M0021OutcomeKeys().revert(on: connection)
                try await M0019OutcomesAtScale().revert(on: connection)
                try await M0019OutcomesAtScale().prepare(on: connection)
                try await M0021OutcomeKeys().prepare(on: connection)
            }
            let row = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$appointmentID == session.id).first())
            #expect(row.sessionTherapistID == therapist.id)
            #expect(abs((row.sessionStartsAt ?? .distantPast).timeIntervalSince(start)) < 1)
            // The key worked out in SQL by migration 0021 is the one the code writes.
            #expect(row.outcomeKey != nil && row.outcomeKey == before.outcomeKey)
            #expect(row.outcomeKey == PracticeOutcomesData.key(sessionStartsAt: row.sessionStartsAt, total: 7))
        }
    }

    @Test func anOutcomeKeyHoldsTheSessionsSecondAndTheTotalOrIsNone() {
        let earliest = PracticeOutcomesData.earliest
        let session = earliest.addingTimeInterval(86_400 + 0.75)  // a day and three quarters of a second after
        let day: Int64 = 86_400 * 100_000
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: 17) == day + 1_700)
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: 12.5) == day + 1_250)
        #expect(PracticeOutcomesData.key(sessionStartsAt: earliest, total: 0) == 0)
        // Ordered by time first, then by total: MIN is the first score and MAX the latest.
        let earlier = PracticeOutcomesData.key(sessionStartsAt: session, total: 27)!
        let later = PracticeOutcomesData.key(sessionStartsAt: session.addingTimeInterval(1), total: 0)!
        #expect(earlier < later)
        // Nothing the key cannot hold: no score, no session, before 2000, a total outside 0 ..< 1000, not a number.
        #expect(PracticeOutcomesData.key(sessionStartsAt: nil, total: 5) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: nil) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: earliest.addingTimeInterval(-1), total: 5) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: -1) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: 1000) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: session, total: .nan) == nil)
        #expect(PracticeOutcomesData.key(sessionStartsAt: .distantFuture, total: 5) == nil)
        // A range's bound: a session in its first second is inside, one a second earlier is not.
        let bound = earliest.addingTimeInterval(86_400)
        #expect(PracticeOutcomesData.key(sessionStartsAt: bound, total: 0)! >= PracticeOutcomesData.boundKey(bound))
        #expect(PracticeOutcomesData.key(sessionStartsAt: bound.addingTimeInterval(-0.5), total: 40)! < PracticeOutcomesData.boundKey(bound))
        #expect(PracticeOutcomesData.boundKey(.distantPast) == 0)
    }

    @Test func anAttendedKeyIsAHeldSessionsSecondAndNothingElse() {
        let earliest = PracticeOutcomesData.earliest
        let start = earliest.addingTimeInterval(86_400 + 0.5)
        #expect(PracticeOutcomesData.attendedKey(startsAt: start, cancelled: false, attendance: "attended") == 86_400)
        #expect(PracticeOutcomesData.attendedKey(startsAt: start, cancelled: false, attendance: "late") == 86_400)
        // Not held, or not known to have been: no key.
        for attendance in [nil, "did-not-attend", "cancelled-late"] {
            #expect(PracticeOutcomesData.attendedKey(startsAt: start, cancelled: false, attendance: attendance) == nil)
        }
        #expect(PracticeOutcomesData.attendedKey(startsAt: start, cancelled: true, attendance: "attended") == nil)
        #expect(PracticeOutcomesData.attendedKey(startsAt: earliest.addingTimeInterval(-1), cancelled: false, attendance: "attended") == nil)
    }

    /// Every way a session changes keeps its attended key in step, and migration 0022's SQL gives the same keys.
    @Test func aSessionsAttendedKeyFollowsItsAttendanceAndTheMigrationAgrees() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let record = try await practice.record(therapist.actor, .recordAttendance, scope)
            struct SessionMissing: Error {}
            // A session that isn't there fails the test rather than reading as "no key".
            func key(_ id: UUID) async throws -> Int64? {
                guard let row = try await AppointmentRow.find(id, on: practice.app.db) else { throw SessionMissing() }
                return row.attendedKey
            }
            var held: [UUID] = []
            for (days, attendance) in [(-9.0, Attendance.attended), (-8, .late), (-7, .didNotAttend), (-6, .cancelledLate)] {
                let start = Date().addingTimeInterval(days * 86400)
                let session = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""),
                                                              in: record.at(start.addingTimeInterval(-86400)))
                #expect(try await key(session.id) == nil)  // booked: not held yet
                try await Appointments.recordAttendance(session.id, attendance: attendance, lateMinutes: attendance == .late ? 12 : nil, in: record)
                let expected = attendance == .attended || attendance == .late
                    ? PracticeOutcomesData.attendedKey(startsAt: start, cancelled: false, attendance: attendance.rawValue) : nil
                #expect(try await key(session.id) == expected)
                #expect(expected == nil || expected! == Int64(start.timeIntervalSince(PracticeOutcomesData.earliest).rounded(.down)))
                if expected != nil { held.append(session.id) }
            }
            // Corrected afterwards: attended, then recorded as did not attend, loses its key; and back again.
            try await Appointments.recordAttendance(held[0], attendance: .didNotAttend, lateMinutes: nil, in: record)
            #expect(try await key(held[0]) == nil)
            try await Appointments.recordAttendance(held[0], attendance: .attended, lateMinutes: nil, in: record)
            let before = [try await key(held[0]), try await key(held[1])]
            #expect(before.allSatisfy { $0 != nil })
            try await practice.app.db.withConnection { connection in
                try await M0022AttendedKeys().revert(on: connection)
                try await M0022AttendedKeys().prepare(on: connection)
            }
            #expect([try await key(held[0]), try await key(held[1])] == before)
            let keyed = try await AppointmentRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).all().filter { $0.attendedKey != nil }
            #expect(keyed.count == 2)
        }
    }

    @Test func theSameSeedGivesTheSamePracticeAndAnotherSeedAnother() {
        let one = DemoGenerator(clients: 50, weeks: 30, seed: 7)
        let again = DemoGenerator(clients: 50, weeks: 30, seed: 7)
        let other = DemoGenerator(clients: 50, weeks: 30, seed: 8)
        func signature(_ generator: DemoGenerator) -> [String] {
            (0..<50).map { index in
                let client = generator.client(index)
                return client.name + client.sessions.map { "\($0.attendance?.rawValue ?? "-")\($0.outcomes["phq-9"] ?? -1)/\($0.feedback ?? -1)" }.joined()
            }
        }
        #expect(signature(one) == signature(again))
        #expect(signature(one) != signature(other))
        for index in 0..<50 {
            let sessions = one.client(index).sessions
            // Thirty weekly sessions, all in the past, and one booked next week; scores within each measure's range.
            #expect(sessions.count == 31 && sessions.dropLast().allSatisfy { $0.days < 0 } && sessions.last!.days > 0)
            #expect(sessions.allSatisfy { ($0.outcomes["phq-9"] ?? 0) <= 27 && ($0.outcomes["gad-7"] ?? 0) <= 21 && ($0.feedback ?? 0) <= 40 })
        }
        // Names differ within a practice up to the size of the name lists, and stay unique beyond it.
        let big = DemoGenerator(clients: 2000, weeks: 1, seed: 1)
        #expect(Set((0..<2000).map { big.client($0).name }).count == 2000)
    }
}
