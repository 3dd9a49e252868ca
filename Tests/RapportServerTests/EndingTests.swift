import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// An ending that lasts (issue 11, point 7): planned, carried out with a closing letter and plan (sealed, audited),
/// read-only for the client afterwards but for reaching out again; resumed when they come back.
@Suite struct EndingTests {
    static let marker = "kinder-to-myself-\(UUID().uuidString.prefix(6))"
    static var letter: [String: String] {
        ["what_changed": "You say no now without apologising three times \(marker)", "what_helped": "Practising it, week by week.",
         "early_signs": "Saying yes before you've thought.", "what_to_do": "Pause; ask yourself what you'd tell a friend.",
         "who_to_contact": "Your sister; the practice, through Reach out again."]
    }

    @Test func theTherapistPlansAndEndsTheClientKeepsTheLetterReadOnly() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"

            // Before the ending, reaching out again means nothing: they write a message.
            let (earlyHeaders, earlyBody) = client.form([:])
            try await app.testing().test(.POST, "/me/reach-out-again", headers: earlyHeaders, body: earlyBody) { #expect($0.status == .forbidden) }

            for (fields, words) in [(["follow_ups": "0, 3"], "one to six different months"), (["follow_ups": "1, 1"], "one to six different months"),
                                    (["follow_ups": "1,3,6", "last_session": "2026-13-40"], "Choose a day")] {
                let (headers, body) = therapist.form(fields)
                try await app.testing().test(.POST, "\(record)/ending/plan", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity && response.body.string.contains(words), "\(fields)")
                }
            }
            let (planHeaders, planBody) = therapist.form(["follow_ups": "6, 1, 3", "last_session": "2027-01-12"])
            try await app.testing().test(.POST, "\(record)/ending/plan", headers: planHeaders, body: planBody) { #expect($0.status == .seeOther) }
            let planned = try #require(try await EndingRow.query(on: app.db).first())
            #expect(planned.followUpMonths == "1,3,6" && planned.lastSessionOn != nil && planned.endedAt == nil)

            // A letter with a part missing is refused beside its box; nothing ends.
            var missing = Self.letter
            missing["early_signs"] = " "
            let (missingHeaders, missingBody) = therapist.form(missing)
            try await app.testing().test(.POST, "\(record)/ending", headers: missingHeaders, body: missingBody) { response in
                #expect(response.status == .unprocessableEntity && response.body.string.contains("Write early signs to watch for"))
                #expect(response.body.string.contains(Self.marker), "what was written is kept")
            }
            #expect(try await ClientRow.find(cast.clientID, on: app.db)?.endedAt == nil)

            let (practiceHeaders, practiceBody) = therapist.form(["what": "Say no once", "frequency": "once-a-week", "why": ""])
            try await app.testing().test(.POST, "\(record)/practice", headers: practiceHeaders, body: practiceBody) { #expect($0.status == .seeOther) }
            let before = try await practice.auditCount()
            let (endHeaders, endBody) = therapist.form(Self.letter)
            try await app.testing().test(.POST, "\(record)/ending", headers: endHeaders, body: endBody) { #expect($0.status == .seeOther) }
            #expect(try await practice.auditCount() == before + 1)
            let ended = try #require(try await EndingRow.find(planned.id, on: app.db))
            #expect(ended.endedAt != nil && ended.letterEnvelope != nil)
            #expect(ended.letterEnvelope?.range(of: Data(Self.marker.utf8)) == nil, "the letter is sealed")
            #expect(try await ClientRow.find(cast.clientID, on: app.db)?.endedAt != nil)
            #expect(try await PracticeAgreementRow.query(on: app.db).filter(\.$endedAt == nil).count() == 0, "practice stops with therapy")
            let later = try await AppointmentRow.query(on: app.db).filter(\.$clientID == cast.clientID).filter(\.$startsAt > Date()).all()
            #expect(later.count == 3 && later.allSatisfy { $0.cancelled && $0.attendance == nil }, "sessions still booked are cancelled in good time")
            #expect(try await NotificationRow.query(on: app.db).filter(\.$kind == Endings.notificationKind).all().map(\.recipientID) == [cast.client.id])
            try await app.testing().test(.GET, record, headers: therapist.headers) { response in
                #expect(response.body.string.contains("Therapy ended") && response.body.string.contains("Follow-up check-ins") && response.body.string.contains("not due yet"))
            }
            let (againHeaders, againBody) = therapist.form(Self.letter)
            try await app.testing().test(.POST, "\(record)/ending", headers: againHeaders, body: againBody) { #expect($0.status == .conflict) }

            // The client: the letter and the way back first; what is theirs readable; nothing more written.
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("After therapy") && response.body.string.contains("Reach out again"))
            }
            try await app.testing().test(.GET, "/me/letter", headers: client.headers) { response in
                #expect(response.status == .ok && response.body.string.contains(Self.marker))
                #expect(response.body.string.contains("If things get hard again") && response.body.string.contains("Your sister"))
            }
            for path in ["/me/words", "/me/safety-plan", "/me/messages", "/me/progress"] {
                try await app.testing().test(.GET, path, headers: client.headers) { #expect($0.status == .ok, "\(path)") }
            }
            let writes: [(String, [String: String])] = [
                ("/me/messages", ["body": "still here?"]),
                ("/me/safety-plan", ["warning_signs": "x", "based_on": "0"]),
                ("/me/practice/attempts", ["outcome": "did"]),
            ]
            for (path, fields) in writes {
                let (headers, body) = client.form(fields)
                try await app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .forbidden || response.status == .conflict, "\(path): \(response.status)")
                }
            }
            #expect(try await MessageRow.query(on: app.db).count() == 0)
            #expect(try await SafetyPlanVersionRow.query(on: app.db).count() == 0)

            // One tap back: a message in the thread, the care team told.
            let (tapHeaders, tapBody) = client.form([:])
            try await app.testing().test(.POST, "/me/reach-out-again", headers: tapHeaders, body: tapBody) { response in
                #expect(response.status == .seeOther && response.headers.first(name: .location) == "/me?reached=1#therapy-ended")
            }
            let message = try #require(try await MessageRow.query(on: app.db).first())
            #expect(message.fromClient)
            // A second tap while the first waits unread adds nothing.
            try await app.testing().test(.POST, "/me/reach-out-again", headers: tapHeaders, body: tapBody) { #expect($0.status == .seeOther) }
            #expect(try await MessageRow.query(on: app.db).count() == 1)
            #expect(try await NotificationRow.query(on: app.db).filter(\.$kind == Messages.notificationKind).count() == 2, "both on the care team")

            // Another client is none the wiser, and can't read this one's letter.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await app.testing().test(.GET, "/me/letter", headers: other.headers) { #expect($0.status == .notFound) }

            // Back in therapy: the client writes again.
            let (resumeHeaders, resumeBody) = therapist.form([:])
            try await app.testing().test(.POST, "\(record)/ending/resume", headers: resumeHeaders, body: resumeBody) { #expect($0.status == .seeOther) }
            #expect(try await ClientRow.find(cast.clientID, on: app.db)?.endedAt == nil)
            let (writeHeaders, writeBody) = client.form(["body": "Thank you for having me back."])
            try await app.testing().test(.POST, "/me/messages", headers: writeHeaders, body: writeBody) { #expect($0.status == .seeOther) }
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(!response.body.string.contains("After therapy"))
            }
        }
    }

    @Test func followUpMonthsAreCheckedAndFallOnTheirDays() throws {
        #expect(EndingRules.followUpMonths("1, 3, 6") == [1, 3, 6])
        #expect(EndingRules.followUpMonths("12 6") == [6, 12])
        for bad in ["", "0", "25", "1,1", "1,2,3,4,5,6,7", "a", "999999999999999999999", "-1"] {
            #expect(EndingRules.followUpMonths(bad) == nil, "\(bad)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let ended = try #require(calendar.date(from: DateComponents(year: 2026, month: 1, day: 31, hour: 12)))
        let dates = EndingRules.followUpDates(months: [1, 3, 6], after: ended, calendar: calendar)
        #expect(dates.map { calendar.component(.month, from: $0) } == [2, 4, 7])
        #expect(calendar.component(.day, from: dates[0]) == 28, "the last day of a shorter month")
    }

    /// Follow-ups: scheduled at the ending, open from their day for thirty days, answered in one form (every item),
    /// sealed; the client reminded once; a risk answer meets the crisis resources and tells the care team; resuming
    /// drops the ones not answered.
    @Test func followUpsComeDueAreAnsweredAndTellTheCareTeamOfRisk() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            var therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            var client = Browser(sessionToken: try await practice.signIn(cast.client))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            // A session held, so the client has an episode for practice outcomes.
            let own = try await practice.record(cast.own.actor, .enterCheckIn, cast.scope)
            _ = try await Appointments.recordAttendance(cast.appointmentID, attendance: .attended, lateMinutes: nil, in: own)
            // Final measures: the session's PHQ-9, entered in the room.
            _ = try await CheckIns.enterInRoom([2, 2, 2, 1, 1, 1, 1, 1, 0], comment: nil, definition: InstrumentCatalogue.definition(id: "phq-9")!,
                                               appointmentID: cast.appointmentID, in: own)
            let (endHeaders, endBody) = therapist.form(Self.letter)
            try await app.testing().test(.POST, "\(record)/ending", headers: endHeaders, body: endBody) { #expect($0.status == .seeOther) }
            let rows = try await FollowUpRow.query(on: app.db).sort(\.$dueAt).all()
            #expect(rows.map(\.months) == [1, 3, 6] && rows.allSatisfy { $0.measures == "phq-9,gad-7" })
            let first = try #require(rows.first?.id).uuidString.lowercased()
            // Not yet due: not found, and nothing on the home page; nobody reminded.
            try await app.testing().test(.GET, "/me/follow-ups/\(first)", headers: client.headers) { #expect($0.status == .notFound) }
            #expect(try await FollowUps.remindDue(now: practice.clock.now(), on: app.db) == 0)

            practice.clock.advance(by: 32 * 86_400)
            // A month on, everyone signs in again.
            client = Browser(sessionToken: try await practice.signIn(cast.client))
            therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            #expect(try await FollowUps.remindDue(now: practice.clock.now(), on: app.db) == 1)
            #expect(try await FollowUps.remindDue(now: practice.clock.now(), on: app.db) == 0, "once")
            #expect(try await NotificationRow.query(on: app.db).filter(\.$kind == FollowUps.reminderKind).all().map(\.recipientID) == [cast.client.id])
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("A short check-in, 1 month on"))
            }
            try await app.testing().test(.GET, "/me/follow-ups/\(first)", headers: client.headers) { response in
                #expect(response.status == .ok && response.body.string.contains("name=\"item-phq-9-"))
            }
            // Another client can't open it.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await app.testing().test(.GET, "/me/follow-ups/\(first)", headers: other.headers) { #expect($0.status == .notFound) }

            // Half answered: the form again, nothing kept.
            let phq9 = try #require(InstrumentCatalogue.definition(id: "phq-9")), gad7 = try #require(InstrumentCatalogue.definition(id: "gad-7"))
            var fields: [String: String] = [:]
            for item in phq9.item { fields["item-phq-9-\(item.linkId)"] = "1" }
            let (halfHeaders, halfBody) = client.form(fields)
            try await app.testing().test(.POST, "/me/follow-ups/\(first)", headers: halfHeaders, body: halfBody) { response in
                #expect(response.status == .unprocessableEntity && response.body.string.contains("Please answer every question"))
            }
            for item in gad7.item { fields["item-gad-7-\(item.linkId)"] = "0" }
            fields["item-gad-7-\(gad7.item[0].linkId)"] = "7"
            let (badHeaders, badBody) = client.form(fields)
            try await app.testing().test(.POST, "/me/follow-ups/\(first)", headers: badHeaders, body: badBody) { #expect($0.status == .unprocessableEntity) }
            #expect(try await FollowUpRow.find(rows[0].id, on: app.db)?.completedAt == nil)

            // Answered, with item 9 above 0: the crisis resources at once, and the care team told.
            fields["item-gad-7-\(gad7.item[0].linkId)"] = "0"
            let (headers, body) = client.form(fields)
            try await app.testing().test(.POST, "/me/follow-ups/\(first)", headers: headers, body: body) { response in
                #expect(response.status == .ok && response.body.string.contains("id=\"crisis-resources\""))
            }
            let answered = try #require(try await FollowUpRow.find(rows[0].id, on: app.db))
            #expect(answered.completedAt != nil && answered.risk && answered.totals == "phq-9=9,gad-7=0")
            #expect(answered.answersEnvelope.map { $0.range(of: Data("phq-9".utf8)) == nil } == true, "the answers are sealed")
            #expect(try await NotificationRow.query(on: app.db).filter(\.$kind == RiskAlerts.notificationKind).count() == 2, "both on the care team")
            try await app.testing().test(.POST, "/me/follow-ups/\(first)", headers: headers, body: body) { #expect($0.status == .notFound) }
            // Practice outcomes read the follow-up's totals beside the client's episode (sustained recovery).
            let episodes = try await PracticeOutcomesData.episodes(practiceID: cast.owner.user.practiceID, from: Date(timeIntervalSince1970: 0),
                                                                   to: practice.clock.now().addingTimeInterval(60), outcomeMeasures: ["phq-9", "gad-7"],
                                                                   feedbackMeasures: ["session-feedback"], on: app.db)
            let theirs = episodes.filter { $0.clientID == cast.clientID }
            #expect(!theirs.isEmpty && theirs.allSatisfy { $0.followUp == ["phq-9": 9, "gad-7": 0] })
            try await app.testing().test(.GET, record, headers: therapist.headers) { response in
                #expect(response.body.string.contains("PHQ-9 9, GAD-7 0") && response.body.string.contains("a risk answer"))
                #expect(response.body.string.contains("Final measures: PHQ-9 11 → 11."))
            }

            // Back in therapy: the ones not answered are no longer asked.
            let (resumeHeaders, resumeBody) = therapist.form([:])
            try await app.testing().test(.POST, "\(record)/ending/resume", headers: resumeHeaders, body: resumeBody) { #expect($0.status == .seeOther) }
            #expect(try await FollowUpRow.query(on: app.db).count() == 1)
        }
    }
}
