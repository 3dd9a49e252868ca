import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Practice between sessions (issue 11, point 4): agreed on the record (audited, sealed), logged by the client in two
/// taps, seen by the therapist; two quiet weeks are a withdrawal marker.
@Suite struct PracticeTests {
    static let marker = UUID().uuidString.prefix(8)
    static var what: String { "Say no to one request I'd usually agree to \(marker)-what" }
    static var why: String { "So I stop feeling resentful after saying yes \(marker)-why" }
    static var note: String { "My sister asked again; I said not this weekend \(marker)-note" }

    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    @Test func theTherapistAgreesTheClientLogsInTwoTapsTheTherapistSeesIt() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let before = try await practice.auditCount()
            let (headers, body) = therapist.form(["what": Self.what, "frequency": "three-a-week", "why": Self.why])
            try await app.testing().test(.POST, "\(record)/practice", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
                #expect(Self.location(response).hasSuffix("#practice"))
            }
            let agreement = try #require(try await PracticeAgreementRow.query(on: app.db).first())
            #expect(agreement.agreementEnvelope.range(of: Data(Self.marker.utf8)) == nil, "the agreement is sealed")
            #expect(agreement.endedAt == nil && agreement.agreedBy == cast.own.id)
            #expect(try await practice.auditCount() == before + 1)
            let entry = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.agreePractice.rawValue && entry.resourceType == "practice-between-sessions")
            let told = try await NotificationRow.query(on: app.db).filter(\.$kind == PracticeAgreements.notificationKind).all()
            #expect(told.map(\.recipientID) == [cast.client.id], "the client hears there is something new")

            // Tap one, from the home page.
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains("\(Self.marker)-what") && html.contains("\(Self.marker)-why"))
                #expect(html.contains("How did it go?") && html.contains("value=\"not-this-time\""))
            }
            var feelingPath = ""
            let (tapHeaders, tapBody) = client.form(["outcome": "tried"])
            try await app.testing().test(.POST, "/me/practice/attempts", headers: tapHeaders, body: tapBody) { response in
                #expect(response.status == .seeOther)
                feelingPath = Self.location(response)
            }
            #expect(feelingPath.hasPrefix("/me/practice/attempts/"))
            let attempt = try #require(try await PracticeAttemptRow.query(on: app.db).first())
            #expect(try attempt.requireID().uuidString.lowercased() == feelingPath.split(separator: "/").last.map(String.init))
            // Tap two: how it felt, with a note typed first.
            try await app.testing().test(.GET, feelingPath, headers: client.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("How did it feel?") && response.body.string.contains("Logged: tried."))
            }
            let (feelHeaders, feelBody) = client.form(["feeling": "uneasy", "note": Self.note])
            try await app.testing().test(.POST, feelingPath, headers: feelHeaders, body: feelBody) { response in
                #expect(response.status == .seeOther)
                #expect(Self.location(response) == "/me/practice?logged=1#practice-logged")
            }
            let described = try #require(try await PracticeAttemptRow.find(attempt.id, on: app.db))
            #expect(described.attemptEnvelope.range(of: Data(Self.marker.utf8)) == nil, "the attempt is sealed")
            #expect(described.attemptEnvelope != attempt.attemptEnvelope)
            try await app.testing().test(.GET, "/me/practice?logged=1", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains("Saved.") && html.contains("Tried") && html.contains("felt uneasy") && html.contains("\(Self.marker)-note"))
                #expect(html.contains("id=\"chart-practice\""))
            }
            // The therapist sees it on the record.
            try await app.testing().test(.GET, record, headers: therapist.headers) { response in
                let html = response.body.string
                #expect(html.contains("\(Self.marker)-what") && html.contains("\(Self.marker)-note") && html.contains("felt uneasy"))
                #expect(html.contains("Three times a week") && html.contains("1 of 3 in the last 7 days"))
            }

            // Nobody else touches the attempt: another client gets "not found" for it, and for a made-up id.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await app.testing().test(.GET, feelingPath, headers: other.headers) { response in
                #expect(response.status == .notFound)
            }
            let (otherHeaders, otherBody) = other.form(["feeling": "proud", "note": "not mine"])
            try await app.testing().test(.POST, feelingPath, headers: otherHeaders, body: otherBody) { response in
                #expect(response.status == .notFound)
            }
            try await app.testing().test(.POST, "/me/practice/attempts/not-an-id", headers: otherHeaders, body: otherBody) { response in
                #expect(response.status == .notFound)
            }
            // The other client has no practice: their tap logs nothing.
            let (otherTap, otherTapBody) = other.form(["outcome": "did"])
            try await app.testing().test(.POST, "/me/practice/attempts", headers: otherTap, body: otherTapBody) { response in
                #expect(response.status == .conflict)
                #expect(response.body.string.contains("Nothing was saved"))
            }
            // Bad choices change nothing.
            for value in ["", "done", "DID"] {
                let (badHeaders, badBody) = client.form(["outcome": value])
                try await app.testing().test(.POST, "/me/practice/attempts", headers: badHeaders, body: badBody) { response in
                    #expect(response.status == .unprocessableEntity, "\(value)")
                }
            }
            for value in ["", "ecstatic"] {
                let (badHeaders, badBody) = client.form(["feeling": value])
                try await app.testing().test(.POST, feelingPath, headers: badHeaders, body: badBody) { response in
                    #expect(response.status == .badRequest, "\(value)")
                }
            }
            let (longHeaders, longBody) = client.form(["feeling": "okay", "note": String(repeating: "n", count: PracticeRules.maximumNoteLength + 1)])
            try await app.testing().test(.POST, feelingPath, headers: longHeaders, body: longBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Keep the note under"))
            }
            #expect(try await PracticeAttemptRow.query(on: app.db).count() == 1)
            #expect(try await PracticeAttemptRow.find(attempt.id, on: app.db)?.attemptEnvelope == described.attemptEnvelope)

            // A new practice ends the old one; stopping ends it too, and then a stale tap logs nothing.
            let (again, againBody) = therapist.form(["what": "Ask for what I need once this week", "frequency": "once-a-week", "why": ""])
            try await app.testing().test(.POST, "\(record)/practice", headers: again, body: againBody) { response in
                #expect(response.status == .seeOther)
            }
            let agreements = try await PracticeAgreementRow.query(on: app.db).sort(\.$agreedAt).all()
            #expect(agreements.count == 2 && agreements.filter { $0.endedAt == nil }.count == 1)
            let (stop, stopBody) = therapist.form([:])
            try await app.testing().test(.POST, "\(record)/practice/stop", headers: stop, body: stopBody) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await PracticeAgreementRow.query(on: app.db).filter(\.$endedAt == nil).count() == 0)
            try await app.testing().test(.POST, "/me/practice/attempts", headers: tapHeaders, body: tapBody) { response in
                #expect(response.status == .conflict)
            }
            #expect(try await PracticeAttemptRow.query(on: app.db).count() == 1)
            try await app.testing().test(.GET, "/me/practice", headers: client.headers) { response in
                #expect(response.body.string.contains("No practice is agreed right now"))
            }
        }
    }

    @Test func aPracticeThatBreaksARuleIsRefusedBesideTheForm() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let cases: [([String: String], String)] = [
                (["what": "  ", "frequency": "every-day"], "Say what the practice is"),
                (["what": "Breathe", "frequency": "daily"], "Choose how often"),
                (["what": "Breathe"], "Choose how often"),
                (["what": String(repeating: "w", count: PracticeRules.maximumWhatLength + 1), "frequency": "every-day"], "Keep the practice under"),
                (["what": "Breathe", "frequency": "every-day", "why": String(repeating: "y", count: PracticeRules.maximumWhyLength + 1)],
                 "Keep why it matters under"),
            ]
            for (fields, message) in cases {
                let (headers, body) = therapist.form(fields)
                try await practice.app.testing().test(.POST, "\(record)/practice", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(fields)")
                    let html = response.body.string
                    #expect(html.contains(message), "\(fields)")
                    #expect(html.contains("id=\"practice-form-opener\" open"), "the form is open with its message")
                }
            }
            #expect(try await PracticeAgreementRow.query(on: practice.app.db).count() == 0)
        }
    }

    /// Practice agreed 40 days ago and never logged: the sessions 20 and 13 days ago each carry the marker, which
    /// makes a new withdrawal cluster after a clean session 30 days ago, on the record and on the caseload. A client
    /// who logged once 15 days ago (even "not this time") has one quiet session only, and no signal.
    @Test func twoQuietWeeksAreAWithdrawalMarker() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let days = CaseloadNeedsTests.days
            var scopes: [ClientScope] = []
            for name in ["Quinn Quiet", "Lou Logged"] {
                let client = try await practice.newClient(of: therapist, name: name)
                let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
                let record = try await practice.record(therapist.actor, .agreePractice, scope)
                try await CheckIns.setMeasures([], in: record)
                try await PracticeAgreements.agree(what: "Say no once", frequency: "when-it-comes-up", why: "", in: record.at(days(-40)))
                for day in [-30.0, -20, -13] {
                    let booked = try await Appointments.schedule(.init(start: days(day), startField: "date", lengthMinutes: 50, location: ""),
                                                                 in: record.at(days(day - 1)))
                    try await Appointments.recordAttendance(booked.id, attendance: .attended, lateMinutes: nil, in: record)
                }
                _ = try await Appointments.schedule(.init(start: days(3), startField: "date", lengthMinutes: 50, location: ""), in: record)
                scopes.append(scope)
            }
            let loggedRecord = try await practice.record(therapist.actor, .logOwnPractice, scopes[1])
            _ = try await PracticeAgreements.log(.notThisTime, in: loggedRecord.at(days(-15)))

            let quiet = try await RuptureLog.load(in: try await practice.record(therapist.actor, .listRuptures, scopes[0]))
            #expect(quiet.possible.map(\.rule) == ["withdrawal-markers"])
            #expect(quiet.possible.first?.evidence.contains("session 2: practice not logged for two weeks; session 3: practice not logged for two weeks") == true,
                    "\(quiet.possible.first?.evidence ?? "")")
            let logged = try await RuptureLog.load(in: try await practice.record(therapist.actor, .listRuptures, scopes[1]))
            #expect(logged.possible.isEmpty)

            let caseload = try await practice.people.caseload(therapistID: therapist.id, now: practice.clock.now(), on: practice.app.db)
            let byClient = Dictionary(caseload.map { ($0.clientID, $0.needs) }, uniquingKeysWith: { first, _ in first })
            #expect(byClient[scopes[0].clientID]?.map(\.words) == ["withdrawal: practice not logged for two weeks ×2"])
            #expect(byClient[scopes[1].clientID]?.isEmpty == true)
        }
    }
}
