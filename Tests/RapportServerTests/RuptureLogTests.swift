import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The rupture → repair log on a real record (issue 10, point 2): the rules run on the client's own sessions, a
/// possible rupture confirmed or dismissed once, one noticed in the room, repairs, feedback since, all sealed and
/// audited, pages and API alike.
@Suite struct RuptureLogTests {
    struct Setting {
        let practice: TestPractice
        let therapist: TestPractice.Person
        let client: TestPractice.Person
        let scope: ClientScope
        let sessions: [UUID]
        var clientID: UUID { scope.clientID }
        var base: String { "/clients/\(clientID.uuidString.lowercased())" }
    }

    /// Four sessions, feedback after each (40, then 32, 36, then 39), only feedback asked so nothing else is missed.
    static func setting(_ practice: TestPractice, feedback: [[Double]] = [[10, 10, 10, 10], [8, 8, 8, 8], [9, 9, 9, 9], [10, 10, 9, 10]]) async throws -> Setting {
        let owner = try await practice.newPractice()
        let therapist = try await practice.newTherapist(in: owner)
        let client = try await practice.newClient(of: therapist)
        let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
        let record = try await practice.record(therapist.actor, .recordAttendance, scope)
        try await CheckIns.setMeasures(["session-feedback"], in: record)
        let definition = InstrumentCatalogue.definition(id: "session-feedback")!
        var sessions: [UUID] = []
        for (index, answers) in feedback.enumerated() {
            let start = Date().addingTimeInterval(Double(-(feedback.count - index) * 2 - 1) * 86400)
            // Booked the day before it, as the demo books its past.
            let session = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""),
                                                          in: record.at(start.addingTimeInterval(-86400)))
            try await Appointments.recordAttendance(session.id, attendance: .attended, lateMinutes: nil, in: record)
            _ = try await CheckIns.enterInRoom(answers, comment: nil, definition: definition, appointmentID: session.id, in: record)
            sessions.append(session.id)
        }
        return Setting(practice: practice, therapist: therapist, client: client, scope: scope, sessions: sessions)
    }

    func post(_ s: Setting, _ browser: Browser, _ path: String, _ fields: [String: String],
              _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        let (headers, body) = browser.form(fields)
        try await s.practice.app.testing().test(.POST, path, headers: headers, body: body, afterResponse: check)
    }

    func get(_ s: Setting, _ browser: Browser, _ path: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        try await s.practice.app.testing().test(.GET, path, headers: browser.headers, afterResponse: check)
    }

    @Test func aFallInFeedbackIsReviewedOnceRepairedAndItsRecoveryShows() async throws {
        try await TestPractice.run { practice in
            let s = try await Self.setting(practice)
            let browser = Browser(sessionToken: try await practice.signIn(s.therapist))
            let second = s.sessions[1].uuidString.lowercased()
            try await get(s, browser, s.base) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("feedback fell from 40 to 32 of 40"))
                #expect(response.body.string.contains("review-\(second)-feedback-drop"))
                #expect(response.body.string.contains("review-\(second)-feedback-below-36-first"))
            }
            let note = "She said the homework felt pointless this week"
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "confirm", "appointment_id": second, "rule": "feedback-drop",
                                                               "marker-complaint-about-work": "on", "note": note]) { response in
                #expect(response.status == .seeOther)
            }
            let confirmed = try #require(try await RuptureRow.query(on: practice.app.db).first())
            #expect(confirmed.status == "confirmed" && confirmed.type == "confrontation" && confirmed.rule == "feedback-drop")
            #expect(confirmed.appointmentID == s.sessions[1] && confirmed.origin == "signal")
            // Sealed: neither the note nor the marker is in the row as text.
            #expect(confirmed.noteEnvelope?.range(of: Data("homework".utf8)) == nil)
            #expect(confirmed.markersEnvelope?.range(of: Data("complaint".utf8)) == nil)
            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.recordRupture.rawValue && entry.resourceType == "rupture" && entry.outcome == "allowed")

            // Reviewed once: the card is gone, and the same signal can't be reviewed again.
            try await get(s, browser, s.base) { response in
                #expect(!response.body.string.contains("review-\(second)-feedback-drop"))
                #expect(response.body.string.contains("Complaint about the work or its tasks"))
                #expect(response.body.string.contains(note))
            }
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "dismiss", "appointment_id": second, "rule": "feedback-drop",
                                                               "note": "again"]) { response in
                #expect(response.status == .conflict)
                #expect(response.body.string.contains("already been reviewed"))
            }
            // Dismissing asks for the reason, and writes nothing without it.
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "dismiss", "appointment_id": second,
                                                               "rule": "feedback-below-36-first", "note": "  "]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Say in a few words why"))
            }
            #expect(try await RuptureRow.query(on: practice.app.db).count() == 1)
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "dismiss", "appointment_id": second,
                                                               "rule": "feedback-below-36-first", "note": "A hard week at work, not us"]) { response in
                #expect(response.status == .seeOther)
            }
            try await get(s, browser, s.base) { response in
                #expect(response.body.string.contains("1 dismissed"))
                #expect(!response.body.string.contains("possible rupture to look at"), "nothing left to review")
            }

            // The repair, on the rupture's own page, and feedback since: 40 before, 32 at it, then 36 and 39.
            let rupturePath = "\(s.base)/ruptures/\(try confirmed.requireID().uuidString.lowercased())"
            try await get(s, browser, rupturePath) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Feedback 40 before, 32 at it. Since: 36, 39. Feedback recovered."))
            }
            try await post(s, browser, "\(rupturePath)/repairs", ["outcome": "resolved"]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Choose at least one thing you did"))
            }
            try await post(s, browser, "\(rupturePath)/repairs", ["action-named-it": "on", "action-acknowledged-own-part": "on",
                                                                  "outcome": "resolved", "note": "We changed the homework together"]) { response in
                #expect(response.status == .seeOther)
            }
            let repair = try #require(try await RuptureRepairRow.query(on: practice.app.db).first())
            #expect(repair.outcome == "resolved" && !repair.sharedWithClient)
            #expect(repair.noteEnvelope?.range(of: Data("homework".utf8)) == nil)
            try await get(s, browser, rupturePath) { response in
                #expect(response.body.string.contains("Named what was happening between us"))
                #expect(response.body.string.contains("Acknowledged my own part"))
                #expect(response.body.string.contains("We changed the homework together"))
            }
            try await get(s, browser, s.base) { response in
                #expect(response.body.string.contains("Repair: resolved"))
            }

            // A dismissed one has nothing to repair; a made-up or another client's rupture is not found.
            let dismissed = try #require(try await RuptureRow.query(on: practice.app.db).filter(\.$status == "dismissed").first())
            try await post(s, browser, "\(s.base)/ruptures/\(try dismissed.requireID().uuidString.lowercased())/repairs",
                           ["action-validated": "on", "outcome": "partly"]) { response in
                #expect(response.status == .conflict)
            }
            try await get(s, browser, "\(s.base)/ruptures/\(UUID().uuidString.lowercased())") { #expect($0.status == .notFound) }
            try await get(s, browser, "\(s.base)/ruptures/not-a-uuid") { #expect($0.status == .notFound) }
            #expect(try await RuptureRepairRow.query(on: practice.app.db).count() == 1)
        }
    }

    @Test func aRuptureNoticedInTheRoomNeedsAKindAndWhatWasSeen() async throws {
        try await TestPractice.run { practice in
            let s = try await Self.setting(practice, feedback: [[10, 10, 10, 10], [10, 10, 10, 10]])
            let browser = Browser(sessionToken: try await practice.signIn(s.therapist))
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "noticed", "type": "withdrawal",
                                                               "appointment_id": s.sessions[1].uuidString.lowercased()]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Choose at least one marker"))
            }
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "noticed", "type": "sulking", "marker-denial": "on"]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Choose withdrawal or confrontation"))
            }
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "noticed", "type": "withdrawal", "marker-denial": "on",
                                                               "appointment_id": UUID().uuidString]) { response in
                #expect(response.status == .unprocessableEntity, "a session that isn't this client's")
            }
            #expect(try await RuptureRow.query(on: practice.app.db).count() == 0)
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "noticed", "type": "withdrawal", "marker-minimal-response": "on",
                                                               "marker-deferring": "on", "appointment_id": s.sessions[1].uuidString.lowercased()]) { response in
                #expect(response.status == .seeOther)
            }
            let row = try #require(try await RuptureRow.query(on: practice.app.db).first())
            #expect(row.origin == "noticed" && row.rule == nil && row.type == "withdrawal")
            try await get(s, browser, s.base) { response in
                #expect(response.body.string.contains("Minimal response; Deferring, appeasing"))
                #expect(response.body.string.contains("noticed in the room"))
                #expect(response.body.string.contains("No repair recorded yet"))
            }
        }
    }

    @Test func theAPIListsReviewsAndRepairsWithEveryProblemNamed() async throws {
        try await TestPractice.run { practice in
            let s = try await Self.setting(practice)
            let token = try await practice.signIn(s.therapist, kind: .api)
            let path = "/api/v1/clients/\(s.clientID.uuidString.lowercased())/ruptures"
            func send(_ method: HTTPMethod, _ path: String, _ body: String?, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
                try await practice.app.testing().test(method, path, headers: .json(bearer: token), body: body.map { ByteBuffer(string: $0) },
                                                      afterResponse: check)
            }
            try await send(.GET, path, nil) { response in
                #expect(response.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let possible = try #require(json["possible"] as? [[String: Any]])
                #expect(possible.map { $0["rule"] as? String } == ["feedback-drop", "feedback-below-36-first"])
                #expect(possible.first?["appointment_id"] as? String == s.sessions[1].uuidString)
                #expect((json["log"] as? [Any])?.isEmpty == true)
            }
            let problems: [(String, String)] = [
                (#"{"decision":"maybe"}"#, "decision"),
                (#"{"decision":"noticed","markers":["minimal-response"]}"#, "type"),
                (#"{"decision":"noticed","type":"withdrawal","markers":["grumpy"]}"#, "markers"),
                (#"{"decision":"noticed","type":"withdrawal"}"#, "markers"),
                (#"{"decision":"confirm","appointment_id":"\#(s.sessions[0].uuidString)","rule":"feedback-drop"}"#, "rule"),
                (#"{"decision":"noticed","type":"withdrawal","appointment_id":"x","markers":["denial"]}"#, "appointment_id"),
                (#"{"decision":"noticed","type":"withdrawal","markers":["denial"],"rule":"AAA"}"#, "rule"),
                (#"{"decision":"confirm","appointment_id":"\#(s.sessions[1].uuidString)","rule":"feedback-drop","type":"sulky"}"#, "type"),
                ("{\"decision\":\"noticed\",\"type\":\"withdrawal\",\"note\":\"" + String(repeating: "a", count: 5_001) + "\"}", "note"),
            ]
            for (body, field) in problems {
                try await send(.POST, path, body) { response in
                    #expect(response.status == .unprocessableEntity, "\(body.prefix(80))")
                    #expect(response.body.string.contains(#""field":"\#(field)""#), "\(body.prefix(80)) names \(field): \(response.body.string.prefix(300))")
                }
            }
            for body in ["", "{}", #"{"decision":1}"#, #"{"decision":"noticed","markers":"denial"}"#] {
                try await send(.POST, path, body) { #expect($0.status == .badRequest, "\(body)") }
            }
            #expect(try await RuptureRow.query(on: practice.app.db).count() == 0)

            var ruptureID = ""
            try await send(.POST, path, #"{"decision":"confirm","appointment_id":"\#(s.sessions[1].uuidString)","rule":"feedback-drop","markers":["complaint-about-work","complaint-about-work"],"note":"Homework"}"#) { response in
                #expect(response.status == .created)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                ruptureID = json["id"] as? String ?? ""
                #expect(json["markers"] as? [String] == ["complaint-about-work"])
                #expect(json["status"] as? String == "confirmed" && json["origin"] as? String == "signal")
                let feedback = try #require(json["feedback"] as? [String: Any])
                #expect(feedback["before"] as? Double == 40 && feedback["at"] as? Double == 32 && feedback["recovered"] as? Bool == true)
            }
            try await send(.POST, path, #"{"decision":"confirm","appointment_id":"\#(s.sessions[1].uuidString)","rule":"feedback-drop"}"#) {
                #expect($0.status == .conflict)
            }
            let repairs = "\(path)/\(ruptureID)/repairs"
            for (body, field) in [(#"{"actions":[],"outcome":"resolved"}"#, "actions"), (#"{"actions":["hugged"],"outcome":"resolved"}"#, "actions"),
                                  (#"{"actions":["validated"],"outcome":"fine"}"#, "outcome")] {
                try await send(.POST, repairs, body) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.body.string.contains(#""field":"\#(field)""#))
                }
            }
            try await send(.POST, repairs, #"{"actions":["validated","named-it"],"outcome":"partly","share_with_client":true}"#) { response in
                #expect(response.status == .created)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["actions"] as? [String] == ["named-it", "validated"])
                #expect(json["outcome"] as? String == "partly" && json["shared_with_client"] as? Bool == true)
                #expect(json.keys.contains("note"))
            }
            try await send(.POST, "\(path)/\(UUID().uuidString)/repairs", #"{"actions":["validated"],"outcome":"partly"}"#) {
                #expect($0.status == .notFound)
            }
            try await send(.GET, path, nil) { response in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let log = try #require(json["log"] as? [[String: Any]])
                #expect(log.count == 1 && (log[0]["repairs"] as? [Any])?.count == 1)
                #expect((json["possible"] as? [[String: Any]])?.map { $0["rule"] as? String } == ["feedback-below-36-first"])
            }
        }
    }

    /// The record's timeline, as the rules read it: only what has happened and whose check-ins are done or closed.
    @Test func theTimelineLeavesOutWhatIsStillOpenAndFeedbackNeverAsked() throws {
        typealias P = PageSnapshotTests
        let held = P.appointment(1, at: P.days(-10), attendance: .attended)
        let late = P.appointment(2, at: P.days(-9), attendance: .late, lateMinutes: 15)
        let overdue = P.appointment(6, at: P.days(-4), attendance: .attended)
        let yesterday = P.appointment(3, at: P.days(-1), attendance: .attended)
        let cancelled = AppointmentView(id: P.id(4), clientID: P.clientID, therapistID: P.therapistID, startsAt: P.days(-3), durationMinutes: 50,
                                        location: nil, cancelled: true, attendance: nil, lateMinutes: nil)
        let unrecorded = P.appointment(5, at: P.days(-2))
        let all = [held, late, overdue, cancelled, unrecorded, yesterday]
        func summary(_ measures: [String]) -> CheckInSummary {
            let definitions = measures.map(P.definition)
            return CheckInSummary(measures: definitions, available: definitions,
                                  plan: CheckInSchedule.plan(appointments: all.map(\.slot), measures: definitions, completed: [], now: P.now),
                                  results: [], openAlerts: [])
        }
        // Feedback asked: closed unanswered after a week, so the first two count as not given; the one four days ago
        // can still be answered (overdue) and yesterday's is due, so those wait.
        let asked = RuptureLog.timeline(appointments: all, checkIns: summary(["session-feedback"]), practice: .none, now: P.now)
        #expect(asked.map(\.appointmentID) == [held.id, late.id], "cancelled in good time, unrecorded, overdue and still-due sessions left out")
        #expect(asked.allSatisfy { $0.session.feedbackAsked && $0.session.feedback == nil })
        #expect(RuptureRules.signals(asked.map(\.session)).map(\.rule) == ["withdrawal-markers"])
        // Nothing asked: the same sessions hold no marker but lateness.
        let notAsked = RuptureLog.timeline(appointments: all, checkIns: summary([]), practice: .none, now: P.now)
        #expect(notAsked.map(\.appointmentID) == [held.id, late.id, overdue.id, yesterday.id])
        #expect(notAsked.map { RuptureRules.markers(of: $0.session) } == [[], ["late by 15 minutes"], [], []])
        #expect(RuptureRules.signals(notAsked.map(\.session)).isEmpty)
    }

    /// Another client's rupture or session, named in a path or a body, is never reached.
    @Test func anotherClientsRuptureAndSessionAreOutOfReach() async throws {
        try await TestPractice.run { practice in
            let s = try await Self.setting(practice)
            let other = try await practice.newClient(of: s.therapist, name: "Other Client")
            let otherScope = ClientScope(clientID: other.user.clientID!, practiceID: s.scope.practiceID, careTeam: [s.therapist.id])
            let otherRecord = try await practice.record(s.therapist.actor, .recordRupture, otherScope)
            let otherSession = try await Appointments.schedule(.init(start: Date().addingTimeInterval(-2 * 86400), startField: "date", lengthMinutes: 50, location: ""),
                                                               in: otherRecord.at(Date().addingTimeInterval(-3 * 86400)))
            let otherRupture = try await RuptureLog.record(RuptureEntry(decision: "noticed", appointmentID: otherSession.id.uuidString, type: "withdrawal",
                                                                        markers: ["denial"]), in: otherRecord)
            let browser = Browser(sessionToken: try await practice.signIn(s.therapist))
            // The other client's rupture through this client's address: not found, page and repair alike.
            try await get(s, browser, "\(s.base)/ruptures/\(otherRupture.uuidString.lowercased())") { #expect($0.status == .notFound) }
            try await post(s, browser, "\(s.base)/ruptures/\(otherRupture.uuidString.lowercased())/repairs",
                           ["action-validated": "on", "outcome": "partly"]) { #expect($0.status == .notFound) }
            // The other client's session in a rupture noticed on this record: refused, nothing written.
            try await post(s, browser, "\(s.base)/ruptures", ["decision": "noticed", "type": "withdrawal", "marker-denial": "on",
                                                               "appointment_id": otherSession.id.uuidString.lowercased()]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Choose one of the client&#39;s sessions") || response.body.string.contains("Choose one of the client's sessions"))
            }
            #expect(try await RuptureRow.query(on: practice.app.db).count() == 1)
            #expect(try await RuptureRepairRow.query(on: practice.app.db).count() == 0)
        }
    }
}
