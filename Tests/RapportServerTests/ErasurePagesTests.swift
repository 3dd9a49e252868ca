import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Erasure from the pages (issue 12, point 5): the client asks in their portal; the owner sets the retention period,
/// sees the request, and erases with a fresh code from their own app. Bad input changes nothing.
@Suite struct ErasurePagesTests {
    @Test func theClientAsksAndTheOwnerErasesWithAFreshCode() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let client = try await practice.newClient(of: therapist, name: "Ana Erasing")
            let clientID = try #require(client.user.clientID)
            let ownersApp = try await steps.enrol(owner).totp
            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))

            // The client's own page: the retention period, and the button.
            var mine = try await steps.get("/me/record-access", clientBrowser)
            #expect(mine.text.contains("Your practice keeps records for 7 years after therapy ends"))
            #expect(mine.text.contains(#"action="/me/erasure-request""#))
            #expect(try await steps.post("/me/erasure-request", [:], clientBrowser).location == "/me/record-access#erasure")
            mine = try await steps.get("/me/record-access", clientBrowser)
            #expect(mine.text.contains("You asked for your record to be erased on"))
            #expect(!mine.text.contains(#"action="/me/erasure-request""#))

            // The owner sees the request by reference and therapist, never by the client's name.
            var page = try await steps.get("/practice/erasures", ownerBrowser)
            #expect(page.status == 200)
            #expect(page.text.contains("A client of Tom Ward</strong> asked on") && page.text.contains(clientID.lowercasedText))
            #expect(!page.text.contains("Ana Erasing"))
            #expect(page.text.contains("Therapy has not ended"))
            #expect(try await steps.get("/practice", ownerBrowser).text.contains(#"href="/practice/erasures""#))

            // The retention period: out of range refused with the rule; in range saved.
            for bad in ["0", "51", "seven", "", "99999999999999999999999"] {
                let answer = try await steps.post("/practice/erasures/retention", ["retention_years": bad], ownerBrowser)
                #expect(answer.status == 422 && answer.text.contains("Keep records from 1 to 50 years"), "\(bad)")
            }
            #expect(try await steps.post("/practice/erasures/retention", ["retention_years": "3"], ownerBrowser).location == "/practice/erasures?saved=1")
            #expect(try await steps.get("/me/record-access", clientBrowser).text.contains("keeps records for 3 years"))

            // Erasing: a bad reference, a wrong code, a refusal by the rules: each changes nothing.
            let count = { try await ClientRow.query(on: practice.app.db).filter(\.$id == clientID).count() }
            var answer = try await steps.post("/practice/erasures", ["client": "not-a-reference", "code": ownersApp.code(at: practice.clock.now())], ownerBrowser)
            #expect(answer.status == 422 && answer.text.contains("Enter the client's reference"))
            answer = try await steps.post("/practice/erasures", ["client": clientID.lowercasedText, "code": "000000"], ownerBrowser)
            #expect(answer.status == 422 && answer.text.contains("That code didn't work"))
            practice.clock.advance(by: 30)
            answer = try await steps.post("/practice/erasures", ["client": clientID.lowercasedText, "code": ownersApp.code(at: practice.clock.now())], ownerBrowser)
            #expect(answer.status == 422 && answer.text.contains("Not erased: Therapy has not ended"))
            #expect(try await count() == 1)
            practice.clock.advance(by: 30)
            answer = try await steps.post("/practice/erasures", ["client": clientID.lowercasedText, "legal_reason": "short",
                                                                 "code": ownersApp.code(at: practice.clock.now())], ownerBrowser)
            #expect(answer.status == 422 && answer.text.contains("10 to 1000 characters"))
            #expect(answer.text.contains(">short</textarea>"), "the draft is kept")
            #expect(try await count() == 1)

            // A therapist is not the owner: refused by the policy.
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            #expect(try await steps.get("/practice/erasures", therapistBrowser).status == 403)

            // With the legal reason and a fresh code: erased, on the ledger, in the trail as the owner's.
            practice.clock.advance(by: 30)
            answer = try await steps.post("/practice/erasures", ["client": clientID.lowercasedText,
                                                                 "legal_reason": "Court order 2026/77 requires erasure now.",
                                                                 "code": ownersApp.code(at: practice.clock.now())], ownerBrowser)
            #expect(answer.location == "/practice/erasures?erased=1")
            #expect(try await count() == 0)
            page = try await steps.get("/practice/erasures?erased=1", ownerBrowser)
            #expect(page.text.contains("The record is erased.") && page.text.contains("No one has asked"))
            #expect(page.text.contains("before the time had passed, for a legal reason") && page.text.contains(clientID.lowercasedText))
            let newest = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(newest.action == Action.eraseClientRecord.rawValue && newest.actorID == owner.id && newest.clientID == clientID)
            // The client's sign-in is gone with the record.
            #expect(try await steps.get("/me", clientBrowser).status != 200)
        }
    }
}
