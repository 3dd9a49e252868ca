import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Check-ins as the client answers them (one question per request), scoring at submission, risk alerts, the
/// therapist's view and in-room entry, measures, and the owner's settings.
@Suite struct CheckInTests {
    /// Sealed answers read without JSONDecoder give exactly what JSONDecoder gives, for what Rapport writes.
    @Test func sealedAnswersReadAsTheDecoderWouldReadThem() throws {
        let samples: [[Double?]] = [[], [nil], [0, 1, 2, 3], [2.5, nil, 0.25, 10], [nil, nil], [3, 1e-7, 123456789, 0]]
        for answers in samples {
            let json = String(decoding: try JSONEncoder().encode(answers), as: UTF8.self)
            #expect(try CheckIns.answers(json) == answers, "\(json)")
        }
        // Anything else goes to the decoder, which refuses what isn't JSON.
        #expect(try CheckIns.answers("[ 1, null ]") == [1, nil])
        #expect(throws: (any Error).self) { try CheckIns.answers("[1,nan]") }
        #expect(throws: (any Error).self) { try CheckIns.answers("[1,,2]") }
    }

    /// A session two days ahead (its outcome check-in is due) beside the cast's session yesterday (feedback due).
    func bookSoon(_ practice: TestPractice, _ cast: Cast) async throws -> UUID {
        let record = try await practice.record(cast.own.actor, .scheduleAppointment, cast.scope)
        return try await Appointments.schedule(.init(start: Date().addingTimeInterval(2 * 86400), startField: "date", lengthMinutes: 50, location: ""),
                                               in: record).id
    }

    func answer(_ practice: TestPractice, _ client: Browser, _ path: String, q: Int, _ value: Int,
                expect status: HTTPStatus = .seeOther, location: String? = nil) async throws {
        let (headers, body) = client.form(["q": String(q), "answer": String(value)])
        try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
            #expect(response.status == status, "answer \(q) = \(value): \(response.body.string.prefix(300))")
            if let location { #expect(response.headers.first(name: .location) == location) }
        }
    }

    func rawDatabaseContains(_ practice: TestPractice, _ text: String) async throws -> Bool {
        let rows = try await CheckInRow.query(on: practice.app.db).all()
        let needle = Data(text.utf8)
        return rows.contains { row in
            row.answersEnvelope.range(of: needle) != nil || row.commentEnvelope.map { $0.range(of: needle) != nil } == true
        }
    }

    @Test func theClientAnswersPHQ9OneTapAtATimeAndItIsScoredAtTheLastAnswer() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let soon = try await bookSoon(practice, cast)
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            try await practice.app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("/me/check-ins/\(soon.uuidString.lowercased())/phq-9"), "the PHQ-9 check-in is waiting")
                #expect(response.body.string.contains("/me/check-ins/\(cast.appointmentID.uuidString.lowercased())/session-feedback"),
                        "feedback on yesterday's session is waiting")
            }
            let path = "/me/check-ins/\(soon.uuidString.lowercased())/phq-9"
            try await practice.app.testing().test(.GET, path, headers: client.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Question 1 of 9"))
                #expect(response.body.string.contains("Little interest or pleasure in doing things"))
            }
            // Eight answers, then "finish later": nothing is scored yet, and the page resumes at question 9.
            for (index, value) in [2, 2, 1, 1, 2, 1, 1, 0].enumerated() {
                try await answer(practice, client, path, q: index + 1, value, location: "\(path)?q=\(index + 2)")
            }
            let partial = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$instrumentID == "phq-9").first())
            #expect(partial.completedAt == nil && partial.total == nil)
            try await practice.app.testing().test(.GET, path, headers: client.headers) { response in
                #expect(response.body.string.contains("Question 9 of 9"))
            }
            try await answer(practice, client, path, q: 9, 0, location: "\(path)/done")
            let done = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$instrumentID == "phq-9").first())
            #expect(done.total == 10)
            #expect(done.band == "moderate")
            #expect(done.flags == "")
            #expect(done.completedAt != nil)
            #expect(try await RiskAlertRow.query(on: practice.app.db).count() == 0)
            // Finished means finished: a late answer changes nothing.
            try await answer(practice, client, path, q: 1, 3, location: "\(path)/done")
            #expect(try await CheckInRow.query(on: practice.app.db).filter(\.$instrumentID == "phq-9").first()?.total == 10)
        }
    }

    @Test func aRiskAnswerRaisesTheAlertAtOnceAndTheClientSeesCrisisResources() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let soon = try await bookSoon(practice, cast)
            // The owner writes the practice's own crisis resources.
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let (headers, body) = owner.form(["crisis_resources": "Call the Harbour crisis line on 0800 000 111.\nWe answer until 10pm."])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { #expect($0.status == .seeOther) }

            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let path = "/me/check-ins/\(soon.uuidString.lowercased())/phq-9"
            // Item 9 first: the alert exists before the rest is answered, in case the page is closed now.
            try await answer(practice, client, path, q: 9, 1)
            let alert = try #require(try await RiskAlertRow.query(on: practice.app.db).first())
            #expect(alert.clientID == cast.clientID && alert.acknowledgedAt == nil)
            let outbox = try await NotificationRow.query(on: practice.app.db).filter(\.$kind != EmailOutbox.invitationKind).all()
            // One notification to each of the care team: the client's therapist, and the owner who sees them too.
            let recipients = Set(outbox.compactMap(\.recipientID))
            #expect(outbox.count == 2 && recipients == [cast.own.id, cast.coOwner.id], "one notification each, to the care team")
            #expect(outbox.first?.kind == "risk-alert")
            try await practice.app.testing().test(.GET, path, headers: client.headers) { response in
                #expect(response.body.string.contains("Harbour crisis line"), "crisis resources show while answering")
            }
            // The client then changes their mind about item 9: the alert keeps what was answered when it was raised.
            try await answer(practice, client, path, q: 9, 0)
            for index in 1...8 { try await answer(practice, client, path, q: index, 0) }
            try await practice.app.testing().test(.GET, "\(path)/done", headers: client.headers) { response in
                let html = response.body.string
                #expect(!html.contains("id=\"crisis-resources\""), "the finished check-in has no risk answer")
            }
            try await practice.app.testing().test(.GET, "/me", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains("Call the Harbour crisis line on 0800 000 111.") && html.contains("We answer until 10pm."),
                        "the practice's own crisis resources are on the client's home")
            }
            let row = try #require(try await CheckInRow.query(on: practice.app.db).filter(\.$instrumentID == "phq-9").first())
            #expect(row.total == 0 && row.flags == "" && row.band == "minimal", "scored on the final answers")
            #expect(try await RiskAlertRow.query(on: practice.app.db).count() == 1, "one alert per check-in")

            // The therapist sees it on the caseload and the record, then marks it as seen.
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            try await practice.app.testing().test(.GET, "/clients", headers: therapist.headers) { response in
                #expect(response.body.string.contains("badge risk"))
            }
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            try await practice.app.testing().test(.GET, record, headers: therapist.headers) { response in
                let html = response.body.string
                #expect(html.contains("id=\"risk-alerts\""))
                #expect(html.contains("Thoughts that you would be better off dead, or of hurting yourself in some way: Several days"))
            }
            // The page names the alerts it showed; a second one, raised after it was loaded, is not marked as seen with them.
            let later = try await CheckIns.saveAnswer(2, item: 8, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                                      appointmentID: cast.appointmentID, to: nil,
                                                      in: try await practice.record(cast.client.actor, .answerOwnCheckIn, cast.scope)).view
            let (ackHeaders, ackBody) = therapist.form(["alert-\(try alert.requireID().uuidString.lowercased())": "seen"])
            try await practice.app.testing().test(.POST, "\(record)/risk-alerts/acknowledge", headers: ackHeaders, body: ackBody) {
                #expect($0.status == .seeOther)
            }
            #expect(try await RiskAlertRow.find(alert.requireID(), on: practice.app.db)?.acknowledgedBy == cast.own.id)
            let second = try #require(try await RiskAlertRow.query(on: practice.app.db).filter(\.$checkInID == later.id).first())
            #expect(second.acknowledgedAt == nil, "an alert the therapist hadn't seen stays open")
            let (ackSecondHeaders, ackSecondBody) = therapist.form(["alert-\(try second.requireID().uuidString.lowercased())": "seen"])
            try await practice.app.testing().test(.POST, "\(record)/risk-alerts/acknowledge", headers: ackSecondHeaders, body: ackSecondBody) {
                #expect($0.status == .seeOther)
            }
            try await practice.app.testing().test(.GET, "/clients", headers: therapist.headers) { response in
                #expect(!response.body.string.contains("badge risk"), "no client marked with a risk alert")
            }
        }
    }

    @Test func feedbackCommentsAreSealedAndTheTherapistReadsThem() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let path = "/me/check-ins/\(cast.appointmentID.uuidString.lowercased())/session-feedback"
            for (index, value) in [9, 5, 8, 8].enumerated() {
                try await answer(practice, client, path, q: index + 1, value)
            }
            try await practice.app.testing().test(.GET, "\(path)?q=5", headers: client.headers) { response in
                #expect(response.body.string.contains("Anything that didn&#39;t feel right?") || response.body.string.contains("Anything that didn't feel right?"))
            }
            let comment = "Zephyrine felt hurried when we got to my sister."
            let (headers, body) = client.form(["finish": "1", "comment": comment])
            try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                #expect(response.headers.first(name: .location) == "\(path)/done")
            }
            let row = try #require(try await CheckInRow.query(on: practice.app.db).first())
            #expect(row.total == 30)
            #expect(row.flags == "alliance-concern,low-item", "an answer below 6 is its own plain mark")
            #expect(row.commentEnvelope != nil)
            #expect(try await rawDatabaseContains(practice, "Zephyrine") == false, "the comment is not in clear")
            #expect(try await rawDatabaseContains(practice, "9,5") == false, "the answers are not in clear")

            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            try await practice.app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())", headers: therapist.headers) { response in
                let html = response.body.string
                #expect(html.contains("Zephyrine felt hurried"))
                #expect(html.contains("30 of 40") && html.contains("worth talking about"))
            }
        }
    }

    @Test func clientsCannotReachOtherClientsCheckInsOrClosedOnes() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let soon = try await bookSoon(practice, cast)
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            let path = "/me/check-ins/\(soon.uuidString.lowercased())/phq-9"
            try await practice.app.testing().test(.GET, path, headers: other.headers) { #expect($0.status == .notFound) }
            try await answer(practice, other, path, q: 1, 3, expect: .notFound)

            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            // Answers outside the options, questions that don't exist, measures the client isn't asked.
            try await answer(practice, client, path, q: 1, 7, expect: .unprocessableEntity)
            try await answer(practice, client, path, q: 12, 1, expect: .unprocessableEntity)
            try await answer(practice, client, "/me/check-ins/\(soon.uuidString.lowercased())/core-10", q: 1, 1, expect: .notFound)
            #expect(try await CheckInRow.query(on: practice.app.db).count() == 0, "nothing was written")

            // A week and a day after yesterday's session, its feedback has closed.
            practice.clock.advance(by: 8 * 86400)
            let signedInAgain = Browser(sessionToken: try await practice.signIn(cast.client))
            try await answer(practice, signedInAgain, "/me/check-ins/\(cast.appointmentID.uuidString.lowercased())/session-feedback", q: 1, 8, expect: .gone)
            #expect(try await CheckInRow.query(on: practice.app.db).count() == 0)
        }
    }

    @Test func theTherapistEntersAnswersGivenInTheRoomAndSeesScoresAndChange() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let path = "\(record)/check-ins/\(cast.appointmentID.uuidString.lowercased())/phq-9"
            // A missing answer: refused inline, the given answers kept, nothing stored.
            var fields: [String: String] = [:]
            for item in 1...8 { fields["item-\(item)"] = "2" }
            let (badHeaders, badBody) = therapist.form(fields)
            try await practice.app.testing().test(.POST, path, headers: badHeaders, body: badBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Question 9 still needs an answer."))
                #expect(response.body.string.contains(#"value="2" checked"#))
            }
            #expect(try await CheckInRow.query(on: practice.app.db).count() == 0)
            fields["item-9"] = "0"
            let (headers, body) = therapist.form(fields)
            try await practice.app.testing().test(.POST, path, headers: headers, body: body) { #expect($0.status == .seeOther) }
            let row = try #require(try await CheckInRow.query(on: practice.app.db).first())
            #expect(row.total == 16 && row.band == "moderately-severe" && row.inRoom && row.enteredBy == cast.own.id)

            // A second score through the API, for a session a week later: the change is worked out and said in words.
            let later = try await Appointments.schedule(.init(start: Date().addingTimeInterval(6 * 86400), startField: "date", lengthMinutes: 50, location: ""),
                                                       in: try await practice.record(cast.own.actor, .scheduleAppointment, cast.scope))
            practice.clock.advance(by: 4 * 86400)
            let api = try await practice.signIn(cast.own, kind: .api)
            let entry = #"{"appointment_id":"\#(later.id.uuidString)","instrument":"phq-9","answers":[1,1,1,1,1,1,1,0,0]}"#
            try await practice.app.testing().test(.POST, "/api/v1\(record)/check-ins", headers: .json(bearer: api), body: ByteBuffer(string: entry)) { response in
                #expect(response.status == .created, "\(response.body.string)")
            }
            let wrong = #"{"appointment_id":"\#(later.id.uuidString)","instrument":"gad-7","answers":[1,1,1]}"#
            try await practice.app.testing().test(.POST, "/api/v1\(record)/check-ins", headers: .json(bearer: api), body: ByteBuffer(string: wrong)) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("needs 7 answers; 3 were given"))
            }
            try await practice.app.testing().test(.GET, "/api/v1\(record)/check-ins", headers: .json(bearer: api)) { response in
                struct Listing: Decodable {
                    struct Change: Decodable { let instrument: String; let first: Double; let latest: Double; let reliable_change: String?; let summary: String }
                    struct Planned: Decodable { let instrument: String; let state: String }
                    let measures: [String]
                    let change: [Change]
                    let check_ins: [Planned]
                }
                let listing = try JSONDecoder().decode(Listing.self, from: Data(response.body.readableBytesView))
                #expect(listing.measures == ["phq-9", "gad-7", "session-feedback"])
                let phq = try #require(listing.change.first { $0.instrument == "phq-9" })
                #expect(phq.first == 16 && phq.latest == 7 && phq.reliable_change == "improvement")
                #expect(phq.summary.contains("Reliable recovery on this measure:"))
                #expect(listing.check_ins.contains { $0.instrument == "gad-7" && $0.state == "due" })
            }
            let therapistLater = Browser(sessionToken: try await practice.signIn(cast.own))
            try await practice.app.testing().test(.GET, record, headers: therapistLater.headers) { response in
                let html = response.body.string
                #expect(html.contains("PHQ-9 went from 16 (moderately severe) to 7 (mild) over 2 check-ins: a reliable improvement"))
            }
        }
    }

    @Test func measuresAreChosenPerClientFromWhatTheOwnerEnabled() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            // CORE-10 is licensed: not offered until the owner enables it.
            let (refusedHeaders, refusedBody) = therapist.form(["measure-core-10": "on"])
            try await practice.app.testing().test(.POST, "\(record)/measures", headers: refusedHeaders, body: refusedBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("core-10 is not a measure this practice offers."))
            }
            #expect(try await CheckInPlanRow.query(on: practice.app.db).count() == 0)

            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            try await practice.app.testing().test(.GET, "/practice/settings", headers: owner.headers) { response in
                #expect(response.body.string.contains("CORE-10"))
            }
            let (badHeaders, badBody) = owner.form(["enable-phq-9": "on", "crisis_resources": String(repeating: "x", count: 2001)])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: badHeaders, body: badBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Please keep this under 2000 characters."))
            }
            #expect(try await PracticeSettingsRow.query(on: practice.app.db).count() == 0, "a refused save changes nothing")
            let (headers, body) = owner.form(["enable-core-10": "on"])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { #expect($0.status == .seeOther) }

            let (chooseHeaders, chooseBody) = therapist.form(["measure-core-10": "on", "measure-session-feedback": "on"])
            try await practice.app.testing().test(.POST, "\(record)/measures", headers: chooseHeaders, body: chooseBody) { #expect($0.status == .seeOther) }
            let plan = try await CheckIns.measures(in: try await practice.record(cast.own.actor, .listCheckIns, cast.scope))
            #expect(plan.map(\.id) == ["session-feedback", "core-10"])
            // The therapist of another practice's settings don't leak: the other owner still can't enable for this one.
            let practiceB = try await PracticeSettings.availableMeasures(practiceID: cast.otherOwner.user.practiceID, on: practice.app.db)
            #expect(!practiceB.map(\.id).contains("core-10"))
        }
    }
}
