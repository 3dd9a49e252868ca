import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The client's own progress page (issue 10, point 6): their scores as a chart and in words, their feedback, the
/// repairs their therapist chose to share and nothing else of the log; numbers or words only, as they choose.
@Suite struct ClientProgressTests {
    @Test func aClientSeesTheirChangeInWordsAndOnlyTheRepairsSharedWithThem() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let scope = ClientScope(clientID: client.user.clientID!, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let record = try await practice.record(therapist.actor, .enterCheckIn, scope)
            try await CheckIns.setMeasures(["phq-9", "session-feedback"], in: record)
            var sessions: [UUID] = []
            for (days, phq9, feedback) in [(-9.0, [2.0, 2, 2, 2, 2, 2, 2, 2, 1], [10.0, 10, 9, 10]), (-3, [1, 1, 1, 1, 1, 1, 1, 1, 0], [8, 8, 7, 7])] {
                let start = Date().addingTimeInterval(days * 86400)
                let session = try await Appointments.schedule(.init(start: start, startField: "date", lengthMinutes: 50, location: ""),
                                                              in: record.at(start.addingTimeInterval(-86400)))
                try await Appointments.recordAttendance(session.id, attendance: .attended, lateMinutes: nil, in: record)
                _ = try await CheckIns.enterInRoom(phq9, comment: nil, definition: InstrumentCatalogue.definition(id: "phq-9")!, appointmentID: session.id, in: record)
                _ = try await CheckIns.enterInRoom(feedback, comment: nil, definition: InstrumentCatalogue.definition(id: "session-feedback")!,
                                                   appointmentID: session.id, in: record)
                sessions.append(session.id)
            }
            // One rupture, two repairs: one shared with the client, one not.
            let rupture = try await RuptureLog.record(RuptureEntry(decision: "noticed", appointmentID: sessions[1].uuidString, type: "confrontation",
                                                                   markers: ["complaint-about-work"], note: "Private words about the homework"), in: record)
            _ = try await RuptureLog.repair(rupture, RepairEntry(actions: ["named-it"], outcome: "partly", note: "Not for the client", shareWithClient: false), in: record)
            _ = try await RuptureLog.repair(rupture, RepairEntry(actions: ["changed-task-or-goal"], outcome: "resolved", note: nil, shareWithClient: true), in: record)

            let browser = Browser(sessionToken: try await practice.signIn(client))
            try await practice.app.testing().test(.GET, "/me/progress", headers: browser.headers) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("your answers about your mood have gone from 17 to 8: a real change, bigger than ordinary ups and downs"))
                #expect(html.contains("role=\"img\"") && html.contains("A few questions about your mood, over time"))
                #expect(html.contains("30 of 40: you said something didn&#39;t feel quite right") || html.contains("30 of 40: you said something didn't feel quite right"))
                #expect(html.contains("changed how you work or what you work on. It feels resolved now."))
                #expect(!html.contains("named what was happening"), "a repair not shared stays with the therapist")
                #expect(!html.contains("Private words") && !html.contains("Not for the client") && !html.contains("onfrontation") && !html.contains("PHQ-9"))
            }
            // Words only: no score anywhere in what the client reads.
            let (headers, body) = browser.form(["show": "words"])
            try await practice.app.testing().test(.POST, "/me/progress", headers: headers, body: body) { #expect($0.status == .seeOther) }
            #expect(try await ClientRow.find(scope.clientID, on: practice.app.db)?.progressWordsOnly == true)
            try await practice.app.testing().test(.GET, "/me/progress", headers: browser.headers) { response in
                let html = response.body.string
                #expect(html.contains("your answers about your mood show a real change"))
                #expect(!html.contains("from 17 to 8") && !html.contains("30 of 40") && !html.contains("<svg"))
                #expect(html.contains("Something didn&#39;t feel quite right") || html.contains("Something didn't feel quite right"))
            }
            // A choice that isn't one is refused and changes nothing.
            let (badHeaders, badBody) = browser.form(["show": "colours"])
            try await practice.app.testing().test(.POST, "/me/progress", headers: badHeaders, body: badBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Please choose numbers and words, or words only."))
            }
            #expect(try await ClientRow.find(scope.clientID, on: practice.app.db)?.progressWordsOnly == true)
            // Staff have no progress page of their own.
            let staff = Browser(sessionToken: try await practice.signIn(therapist))
            try await practice.app.testing().test(.GET, "/me/progress", headers: staff.headers) { #expect($0.status == .forbidden) }
        }
    }
}
