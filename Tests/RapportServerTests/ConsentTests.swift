import Crypto
import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Consent with the limits of confidentiality (issue 12, point 1): Rapport's starting text is version 1; the owner's
/// edits make versions; a new client signs (typed name, version, SHA-256 of the exact text) before their first
/// check-in; the therapist sees where each client stands on the caseload and the record; a new version asks again.
@Suite struct ConsentTests {
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The editor's fields for `document`, as the browser sends them.
    static func fields(_ document: ConsentDocument) -> [String: String] {
        var fields = ["introduction": document.introduction, "records": document.records]
        for limit in document.limits {
            fields["limit-\(limit.kind.rawValue)-title"] = limit.title
            fields["limit-\(limit.kind.rawValue)-text"] = limit.text
        }
        return fields
    }

    @Test func aNewClientSignsBeforeTheirFirstCheckInAndANewVersionAsksAgain() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let client = try await practice.newClient(of: therapist, name: "Ana Signing", signsAgreement: false)
            let clientID = try #require(client.user.clientID)
            let scope = ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let booking = try await practice.record(therapist.actor, .scheduleAppointment, scope)
            let soon = try await Appointments.schedule(.init(start: Date().addingTimeInterval(2 * 86400), startField: "date", lengthMinutes: 50, location: ""),
                                                       in: booking).id
            let checkIn = "/me/check-ins/\(soon.lowercasedText)/phq-9"
            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))

            // Version 1 is Rapport's starting text, whose fingerprint is the SHA-256 of exactly what the client reads.
            let first = try await Consents.current(practiceID: owner.user.practiceID, now: Date(), on: practice.app.db)
            #expect(first.version == 1 && first.document == ConsentRules.starting)
            #expect(first.sha256 == Self.sha256Hex(ConsentRules.starting.signedText))
            #expect(try await steps.get("/clients", therapistBrowser).text.contains("agreement not signed yet"))
            #expect(try await steps.get("/me", clientBrowser).text.contains(#"id="consent-waiting""#))

            // A check-in their therapist entered in the room does not let them past the agreement.
            let held = try await Appointments.schedule(.init(start: Date().addingTimeInterval(-2 * 3600), startField: "date", lengthMinutes: 50,
                                                             location: ""), in: booking).id
            var room = ["comment": ""]
            for index in 1...7 { room["item-\(index)"] = "1" }
            #expect(try await steps.post("/clients/\(clientID.lowercasedText)/check-ins/\(held.lowercasedText)/gad-7", room, therapistBrowser).status == 303)

            // The first check-in waits for the signature; an answer posted anyway is not kept.
            let question = try await steps.get(checkIn, clientBrowser)
            #expect(question.status == 303 && question.location == "/me/consent?next=\(checkIn)")
            #expect(try await steps.post(checkIn, ["q": "1", "answer": "1"], clientBrowser).location == "/me/consent?next=\(checkIn)")
            #expect(try await CheckInRow.query(on: practice.app.db).filter(\.$clientID == clientID).count() == 1, "only the one from the room")

            // The owner writes version 2: a required limit left empty is refused field by field, changing nothing.
            var edited = Self.fields(ConsentRules.starting)
            edited["limit-risk-title"] = "  "
            let refused = try await steps.post("/practice/consent", edited, ownerBrowser)
            #expect(refused.status == 422 && refused.text.contains("Please write the limit's heading."))
            #expect(try await steps.post("/practice/consent", Self.fields(ConsentRules.starting), ownerBrowser).location == "/practice/consent?saved=same")
            edited = Self.fields(ConsentRules.starting)
            edited["records"] = ConsentRules.starting.records + "\r\nWe keep records for seven years after therapy ends."
            edited["limit-supervision-title"] = ""
            edited["limit-supervision-text"] = ""
            #expect(try await steps.post("/practice/consent", edited, ownerBrowser).location == "/practice/consent?saved=new")
            let second = try await Consents.current(practiceID: owner.user.practiceID, now: Date(), on: practice.app.db)
            #expect(second.version == 2 && second.document.limit(.supervision) == nil && second.document.records.contains("seven years"))

            // The client reads version 2 and signs it. A signature for the version they no longer see is refused.
            let page = try await steps.get("/me/consent?next=\(checkIn)", clientBrowser)
            #expect(page.status == 200 && page.text.contains("We keep records for seven years") && !page.text.contains("Supervision"))
            #expect(page.text.contains(#"name="next" value="\#(checkIn)""#))
            var answer = try await steps.post("/me/consent", ["version": "1", "signature": "Ana Signing", "next": checkIn], clientBrowser)
            #expect(answer.status == 409 && answer.text.contains("updated its agreement while you were reading"))
            answer = try await steps.post("/me/consent", ["version": "2", "signature": " ", "next": checkIn], clientBrowser)
            #expect(answer.status == 422 && answer.text.contains("Please type your name to sign"))
            answer = try await steps.post("/me/consent", ["version": "99999999999999999999", "signature": "Ana Signing"], clientBrowser)
            #expect(answer.status == 400)
            #expect(try await Consents.signature(clientID: clientID, on: practice.app.db) == nil)
            answer = try await steps.post("/me/consent", ["version": "2", "signature": "Ana Signing", "next": "https://elsewhere.example/"], clientBrowser)
            #expect(answer.location == "/me/consent#signed", "only a check-in of their own is a place to go back to")
            let signature = try #require(try await Consents.signature(clientID: clientID, on: practice.app.db))
            #expect(signature.version == 2 && signature.sha256 == Self.sha256Hex(second.document.signedText))
            #expect(signature.nameEnvelope.range(of: Data("Ana Signing".utf8)) == nil, "the typed name is sealed")

            // Signed: the check-in opens; the copy shows the signature and the fingerprint; nothing waits on the home page.
            #expect(try await steps.get(checkIn, clientBrowser).status == 200)
            let copy = try await steps.get("/me/consent", clientBrowser)
            #expect(copy.text.contains("Signed by Ana Signing") && copy.text.contains(second.sha256) && !copy.text.contains(#"id="consent-form""#))
            #expect(!(try await steps.get("/me", clientBrowser).text.contains(#"id="consent-waiting""#)))
            #expect(!(try await steps.get("/clients", therapistBrowser).text.contains("agreement")))
            let record = try await steps.get("/clients/\(clientID.lowercasedText)", therapistBrowser)
            #expect(record.text.contains("signed the practice's agreement (version 2)"))

            // Version 3 asks again; their earlier signature still lets them answer check-ins meanwhile.
            edited["introduction"] = ConsentRules.starting.introduction + "\nYou can ask us anything about this."
            #expect(try await steps.post("/practice/consent", edited, ownerBrowser).location == "/practice/consent?saved=new")
            #expect(try await steps.get("/me", clientBrowser).text.contains("has updated its agreement"))
            #expect(try await steps.get("/clients", therapistBrowser).text.contains("new agreement to sign"))
            #expect(try await steps.get("/clients/\(clientID.lowercasedText)", therapistBrowser).text.contains("version 3 waits for their signature"))
            #expect(try await steps.get(checkIn, clientBrowser).status == 200)

            // Who may do what: the therapist cannot edit the practice's agreement; the owner has no client page.
            #expect(try await steps.post("/practice/consent", edited, therapistBrowser).status == 403)
            #expect(try await steps.get("/me/consent", ownerBrowser).status == 403)
        }
    }
}
