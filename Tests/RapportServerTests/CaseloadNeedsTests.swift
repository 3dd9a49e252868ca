import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The caseload sorted by need (issue 10, point 4): risk first, then not on track, then possible ruptures nobody has
/// reviewed, then overdue check-ins, then everyone else by next session; each row says why, and each reason filters.
@Suite struct CaseloadNeedsTests {
    static func days(_ n: Double) -> Date { Date().addingTimeInterval(n * 86400) }

    /// Past sessions with answers entered in the room, and one session to come.
    static func client(_ practice: TestPractice, of therapist: TestPractice.Person, practiceID: UUID, name: String, measures: [String],
                       past: [(days: Double, instrument: String?, answers: [Double])], next: Double) async throws -> (TestPractice.Person, ClientScope) {
        let client = try await practice.newClient(of: therapist, name: name)
        let scope = ClientScope(clientID: client.user.clientID!, practiceID: practiceID, careTeam: [therapist.id])
        let record = try await practice.record(therapist.actor, .enterCheckIn, scope)
        try await CheckIns.setMeasures(measures, in: record)
        for session in past {
            let start = days(session.days)
            let booked = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""),
                                                         in: record.at(start.addingTimeInterval(-86400)))
            try await Appointments.recordAttendance(booked.id, attendance: .attended, lateMinutes: nil, in: record)
            if let instrument = session.instrument {
                _ = try await CheckIns.enterInRoom(session.answers, comment: nil, definition: InstrumentCatalogue.definition(id: instrument)!,
                                                   appointmentID: booked.id, in: record)
            }
        }
        _ = try await Appointments.schedule(.init(start: days(next), startField: "date", lengthMinutes: 50, location: ""), in: record)
        return (client, scope)
    }

    @Test func theCaseloadPutsWhoNeedsAttentionFirstAndSaysWhy() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let practiceID = owner.user.practiceID
            // Everyone else, with the soonest next session: last, all the same.
            _ = try await Self.client(practice, of: therapist, practiceID: practiceID, name: "Dee Calm", measures: [], past: [], next: 1)
            // An outcome check-in for yesterday's session never answered.
            _ = try await Self.client(practice, of: therapist, practiceID: practiceID, name: "Eve Overdue", measures: ["phq-9"],
                                      past: [(-1, nil, [])], next: 6)
            // Feedback 40, then 30.
            _ = try await Self.client(practice, of: therapist, practiceID: practiceID, name: "Cas Rupture", measures: ["session-feedback"],
                                      past: [(-5, "session-feedback", [10, 10, 10, 10]), (-3, "session-feedback", [8, 8, 7, 7])], next: 4)
            // PHQ-9 15, 15, 16, 17: above the band's edge at the third and fourth score.
            _ = try await Self.client(practice, of: therapist, practiceID: practiceID, name: "Bo Offtrack", measures: ["phq-9"],
                                      past: [(-9, "phq-9", [2, 2, 2, 2, 2, 2, 2, 1, 0]), (-7, "phq-9", [2, 2, 2, 2, 2, 2, 2, 1, 0]),
                                             (-5, "phq-9", [2, 2, 2, 2, 2, 2, 2, 2, 0]), (-3, "phq-9", [3, 2, 2, 2, 2, 2, 2, 2, 0])], next: 5)
            // The client answers item 9 above 0 before their next session: a risk alert.
            let (risky, scope) = try await Self.client(practice, of: therapist, practiceID: practiceID, name: "Ari Risk", measures: ["phq-9"],
                                                       past: [], next: 2)
            let session = try #require(try await AppointmentRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).first())
            _ = try await CheckIns.saveAnswer(1, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!, appointmentID: try session.requireID(),
                                              to: nil, in: try await practice.record(risky.actor, .answerOwnCheckIn, scope))

            let entries = try await practice.people.caseload(therapistID: therapist.id, now: Date(), on: practice.app.db)
            let page = CaseloadPage(entries: entries, context: PageContext(csrfToken: "t", identity: Identity(requester: .signedIn(therapist.actor), user: nil, signIn: nil)),
                                    invitationDays: 7)
            #expect(page.ordered.map(\.name) == ["Ari Risk", "Bo Offtrack", "Cas Rupture", "Eve Overdue", "Dee Calm"])
            let words = Dictionary(entries.map { ($0.name, $0.needs.map { "\($0.kind.slug): \($0.words)" }) }, uniquingKeysWith: { a, _ in a })
            #expect(words["Ari Risk"]?.first == "risk: risk alert open")
            #expect(words["Bo Offtrack"] == ["not-on-track: PHQ-9 above the expected course for 2 scores"])
            #expect(words["Cas Rupture"] == ["rupture: feedback fell 40 → 30 (+1 more)"])
            #expect(words["Eve Overdue"] == ["overdue: PHQ-9 overdue"])
            #expect(words["Dee Calm"] == [])
            #expect(entries.first { $0.name == "Dee Calm" }?.nextSession != nil)

            // Reviewing the possible ruptures takes them off the list.
            let cas = try #require(entries.first { $0.name == "Cas Rupture" })
            let casScope = ClientScope(clientID: cas.clientID, practiceID: practiceID, careTeam: [therapist.id])
            let casRecord = try await practice.record(therapist.actor, .recordRupture, casScope)
            let summary = try await RuptureLog.load(in: casRecord)
            for possible in summary.possible {
                try await RuptureLog.record(RuptureEntry(decision: "dismiss", appointmentID: possible.appointmentID.uuidString, rule: possible.rule,
                                                         note: "talked it through"), in: casRecord)
            }
            let after = try await practice.people.caseload(therapistID: therapist.id, now: Date(), on: practice.app.db)
            #expect(after.first { $0.name == "Cas Rupture" }?.needs.isEmpty == true)

            // Filters, through the page.
            let browser = Browser(sessionToken: try await practice.signIn(therapist))
            try await practice.app.testing().test(.GET, "/clients?need=not-on-track", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Bo Offtrack") && !response.body.string.contains("Ari Risk</a>"))
                #expect(response.body.string.contains("Not on track (1)"))
            }
            try await practice.app.testing().test(.GET, "/clients?need=everything", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("That filter doesn't exist"))
                #expect(response.body.string.contains("Dee Calm"))
            }
            // The same reasons in the API's caseload, with the next session as an ISO 8601 time.
            let token = try await practice.signIn(therapist, kind: .api)
            try await practice.app.testing().test(.GET, "/api/v1/clients", headers: .bearer(token)) { response in
                #expect(response.status == .ok)
                struct Listed: Decodable { let name: String; let needs: [Need]; let next_session: String?; struct Need: Decodable { let kind: String; let words: String } }
                let listed = try JSONDecoder().decode([Listed].self, from: Data(response.body.readableBytesView))
                let byName = Dictionary(listed.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                #expect(byName["Bo Offtrack"]?.needs.map(\.kind) == ["not-on-track"])
                #expect(byName["Bo Offtrack"]?.needs.first?.words == "PHQ-9 above the expected course for 2 scores")
                #expect(byName["Ari Risk"]?.needs.first?.kind == "risk" && byName["Dee Calm"]?.needs.isEmpty == true)
                #expect(byName["Dee Calm"]?.next_session.flatMap { ISO8601DateFormatter().date(from: $0) } != nil)
            }
        }
    }

    @Test func eachClientsNeedsAreKeptUntilTheirRecordChangesOrAMinutePasses() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let (_, scope) = try await Self.client(practice, of: therapist, practiceID: owner.user.practiceID, name: "Kit Kept",
                                                   measures: ["session-feedback"],
                                                   past: [(-5, "session-feedback", [10, 10, 10, 10]), (-3, "session-feedback", [8, 8, 7, 7])], next: 4)
            func needs() async throws -> [String] {
                try await practice.people.caseload(therapistID: therapist.id, now: practice.clock.now(), on: practice.app.db)
                    .first { $0.clientID == scope.clientID }?.needs.map(\.kind.slug) ?? []
            }
            #expect(try await needs() == ["rupture"])
            // A change made through the record moves its version on: seen at once.
            let record = try await practice.record(therapist.actor, .recordRupture, scope, now: practice.clock.now())
            for possible in try await RuptureLog.load(in: record).possible {
                _ = try await RuptureLog.record(RuptureEntry(decision: "dismiss", appointmentID: possible.appointmentID.uuidString, rule: possible.rule,
                                                             note: "talked it through"), in: record)
            }
            #expect(try await needs() == [])
            // A change behind the record's back (here, written straight into the table) is not seen while the kept
            // needs are fresh, which shows they are kept; it is seen once they are a minute and a half old.
            let sql = try HotPaths.sql(practice.app.db)
            try await sql.raw("""
                UPDATE "appointments" SET "attendance" = 'did-not-attend' WHERE "client_id" = \(bind: scope.clientID) AND "starts_at" < \(bind: Date())
                """).run()
            #expect(try await needs() == [])
            practice.clock.advance(by: 91)
            #expect(try await needs() == ["rupture"])
            // A risk alert is never kept: it shows on the very next view.
            let session = try #require(try await AppointmentRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID)
                .filter(\.$startsAt > Date()).first())
            try await CheckIns.setMeasures(["phq-9", "session-feedback"], in: record)
            let client = try #require(try await UserRow.query(on: practice.app.db).filter(\.$clientID == scope.clientID).first())
            _ = try await CheckIns.saveAnswer(2, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!, appointmentID: try session.requireID(),
                                              to: nil, in: try await practice.record(try client.principal()!, .answerOwnCheckIn, scope, now: practice.clock.now()))
            #expect(try await needs().first == "risk")
        }
    }
}

