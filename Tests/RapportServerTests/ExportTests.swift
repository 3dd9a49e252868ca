import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The record to take away (issue 12, point 4): the client downloads it with their password, a therapist exports it
/// with a fresh code; both audited and shown on "who opened my record"; never a psychotherapy note. With
/// RAPPORT_FHIR_OUT set, the Bundle is written there for `Tests/fhir/validate_bundle.py` (scripts/test runs it).
@Suite struct ExportTests {
    @Test func theClientDownloadsTheirRecordAndATherapistExportsItWithAFreshCode() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let client = try await practice.newClient(of: therapist, name: "Ana Export")
            let clientID = try #require(client.user.clientID)
            let scope = ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let therapistsApp = try await steps.enrol(therapist).totp
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            let record = "/clients/\(clientID.lowercasedText)"

            // A held session with PHQ-9 and GAD-7 entered in the room, a progress note, and a psychotherapy note.
            let booking = try await practice.record(therapist.actor, .scheduleAppointment, scope)
            let held = try await Appointments.schedule(.init(start: Date().addingTimeInterval(-2 * 3600), startField: "date", lengthMinutes: 50,
                                                             location: ""), in: booking).id
            for (instrument, answers) in [("phq-9", [1, 2, 1, 0, 1, 2, 1, 0, 0]), ("gad-7", [1, 1, 2, 0, 1, 1, 0])] {
                var fields = ["comment": ""]
                for (index, value) in answers.enumerated() { fields["item-\(index + 1)"] = String(value) }
                let entered = try await steps.post("\(record)/check-ins/\(held.lowercasedText)/\(instrument)", fields, therapistBrowser)
                #expect(entered.status == 303, "\(instrument): \(entered.text.prefix(300))")
            }
            for (path, text) in [("progress-notes", "PROGRESS-MARKER: we worked on sleep."), ("psychotherapy-notes", "PRIVATE-MARKER: my own process.")] {
                #expect(try await steps.post("\(record)/\(path)", ["body": text], therapistBrowser).status == 303)
            }

            // The client: their password, again; a wrong one gets nothing, and is not an export.
            let exports = { try await AuditEntryRow.query(on: practice.app.db).filter(\.$clientID == clientID)
                .filter(\.$action ~~ [Action.exportOwnRecord.rawValue, Action.exportClientRecord.rawValue]).count() }
            #expect(try await steps.get("/me", clientBrowser).text.contains(#"href="/me/record-download""#))
            #expect(try await steps.get("/me/record-download", clientBrowser).status == 200)
            var answer = try await steps.post("/me/record-download", ["format": "fhir", "password": "not my password"], clientBrowser)
            #expect(answer.status == 422 && answer.text.contains("That isn't your password"))
            answer = try await steps.post("/me/record-download", ["format": "xml", "password": client.password], clientBrowser)
            #expect(answer.status == 400)
            #expect(try await exports() == 0)

            var bundle = Data()
            let (headers, body) = clientBrowser.form(["format": "fhir", "password": client.password])
            try await practice.app.testing().test(.POST, "/me/record-download", headers: headers, body: body) { response in
                #expect(response.status == .ok)
                #expect(response.headers.contentType?.subType == "fhir+json")
                #expect(response.headers.first(name: .contentDisposition)?.contains("attachment; filename=\"rapport-record-") == true)
                bundle = Data(buffer: response.body)
            }
            #expect(try await exports() == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: bundle) as? [String: Any])
            #expect(json["resourceType"] as? String == "Bundle" && json["type"] as? String == "collection")
            let resources = (json["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
            let kinds = Set(resources.compactMap { $0["resourceType"] as? String })
            #expect(kinds.isSuperset(of: ["Patient", "Appointment", "QuestionnaireResponse", "Observation", "Consent", "DocumentReference", "Provenance"]))
            let loinc = resources.filter { $0["resourceType"] as? String == "Observation" }.flatMap { observation -> [String] in
                ((observation["code"] as? [String: Any])?["coding"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            }
            #expect(loinc.contains("44261-6") && loinc.contains("70274-6"), "PHQ-9 and GAD-7 totals, LOINC-coded: \(loinc)")
            let phq = resources.first { (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String == "44261-6" }
            #expect(phq?["valueInteger"] as? Int == 8)
            let text = String(decoding: bundle, as: UTF8.self)
            #expect(text.contains(Data("PROGRESS-MARKER: we worked on sleep.".utf8).base64EncodedString()))
            #expect(!text.contains("PRIVATE-MARKER") && !text.contains(Data("PRIVATE-MARKER: my own process.".utf8).base64EncodedString()),
                    "psychotherapy notes are never exported")
            if let directory = ProcessInfo.processInfo.environment["RAPPORT_FHIR_OUT"], !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try bundle.write(to: URL(fileURLWithPath: directory).appendingPathComponent("client-download.json"))
            }

            // The printable copy holds the same, for a person.
            practice.clock.advance(by: 1)
            let copy = try await steps.post("/me/record-download", ["format": "html", "password": client.password], clientBrowser)
            #expect(copy.status == 200 && copy.text.contains("PROGRESS-MARKER") && copy.text.contains("PHQ-9, total 8") && !copy.text.contains("PRIVATE-MARKER"))

            // The therapist: a fresh code from their app, or nothing.
            #expect(try await steps.get(record, therapistBrowser).text.contains(#"href="\#(record)/export""#))
            #expect(try await steps.get("\(record)/export", therapistBrowser).status == 200)
            answer = try await steps.post("\(record)/export", ["format": "fhir", "code": "000000"], therapistBrowser)
            #expect(answer.status == 422 && answer.text.contains("That code didn't work"))
            #expect(try await exports() == 2)
            practice.clock.advance(by: 30)
            answer = try await steps.post("\(record)/export", ["format": "fhir", "code": therapistsApp.code(at: practice.clock.now())], therapistBrowser)
            #expect(answer.status == 200 && answer.text.contains("\"resourceType\" : \"Bundle\""))
            #expect(try await exports() == 3)

            // Both exports on the client's list, in plain words.
            let list = try await steps.get("/me/record-access", clientBrowser).text
            #expect(list.contains("<strong>You</strong> downloaded your record"))
            #expect(list.contains("<strong>Tom Ward, therapist</strong> exported your record, for a transfer of care"))

            // Nobody else: a colleague off the care team, the owner as owner, another client.
            let colleague = try await practice.newTherapist(in: owner, name: "Colleague")
            let colleagueBrowser = Browser(sessionToken: try await practice.signIn(colleague))
            #expect(try await steps.post("\(record)/export", ["format": "fhir", "code": "123456"], colleagueBrowser).status == 404)
        }
    }
}
