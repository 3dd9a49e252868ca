import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Disclosures under a limit (issue 12, point 3): recorded with a fresh code, on the ledger, in the trail and on the
/// client's list; the client told unless a lawful reason is recorded (then the owner is told); an accounting for any
/// period. Bad input changes nothing and spends no code.
@Suite struct DisclosureTests {
    @Test func aTherapistRecordsADisclosureWithAFreshCodeAndTheClientSeesIt() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let client = try await practice.newClient(of: therapist, name: "Ana Shared")
            let clientID = try #require(client.user.clientID)
            let therapistsApp = try await steps.enrol(therapist).totp
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let ledger = "/clients/\(clientID.lowercasedText)/disclosures"
            let rows = { try await practice.app.db.query(DisclosureRowProbe.self).count() }
            let code = { () -> String in practice.clock.advance(by: 30); return therapistsApp.code(at: practice.clock.now()) }
            var fields = ["limit": "safeguarding", "recipient": "Children's services, duty team", "shared": "MARKER-SHARED: a concern about a child at home.",
                          "reason": "A child may be at risk of harm.", "withheld_reason": ""]

            #expect(try await steps.get(ledger, therapistBrowser).text.contains("Nothing disclosed"))
            // Bad words first: refused field by field, no code spent, nothing written.
            for (field, bad) in [("limit", "supervision"), ("limit", "other"), ("recipient", " "), ("shared", ""), ("reason", String(repeating: "x", count: 2001))] {
                var wrong = fields
                wrong[field] = bad
                wrong["code"] = "000000"
                let answer = try await steps.post(ledger, wrong, therapistBrowser)
                #expect(answer.status == 422 && !answer.text.contains("That code didn't work"), "\(field)=\(bad.prefix(10))")
            }
            fields["code"] = "000000"
            #expect(try await steps.post(ledger, fields, therapistBrowser).text.contains("That code didn't work"))
            #expect(try await rows() == 0)

            // With a fresh code: on the ledger, in the trail, the client told.
            fields["code"] = code()
            #expect(try await steps.post(ledger, fields, therapistBrowser).location == "\(ledger)?recorded=1")
            #expect(try await rows() == 1)
            let page = try await steps.get(ledger, therapistBrowser).text
            #expect(page.contains("MARKER-SHARED") && page.contains("Children's services, duty team") && page.contains("version 1 of the agreement they signed"))
            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).filter(\.$action == Action.recordDisclosure.rawValue).first())
            #expect(entry.clientID == clientID && entry.actorID == therapist.id)
            #expect(try await NotificationRow.query(on: practice.app.db).filter(\.$kind == Disclosures.notificationKind)
                .filter(\.$recipientID == client.id).count() == 1)
            let sealed = try await practice.app.db.query(DisclosureRowProbe.self).first()
            #expect(sealed?.sharedEnvelope.range(of: Data("MARKER-SHARED".utf8)) == nil, "what was shared is sealed")

            // The client: on who opened their record, and in the accounting, with what, to whom and why.
            let list = try await steps.get("/me/record-access", clientBrowser).text
            #expect(list.contains("Tom Ward, therapist</strong> shared information from your record under a limit of confidentiality"))
            let accounting = try await steps.get("/me/disclosures", clientBrowser)
            #expect(accounting.status == 200 && accounting.text.contains("MARKER-SHARED") && accounting.text.contains("safeguarding a child or an adult at risk")
                    && accounting.text.contains("version 1 of the agreement you signed"))
            // A period that holds it, one that doesn't, and dates that aren't dates.
            let today = String(RecordExport.instant(practice.clock.now()).prefix(10))
            #expect(try await steps.get("/me/disclosures?from=\(today)&to=\(today)", clientBrowser).text.contains("MARKER-SHARED"))
            #expect(try await steps.get("/me/disclosures?from=2000-01-01&to=2000-12-31", clientBrowser).text.contains(#"id="no-disclosures""#))
            for bad in ["from=2026-02-30", "from=31-01-2026", "to=9999999999999999999999", "from=2026-12-31&to=2026-01-01", "from=%00"] {
                let refused = try await steps.get("/me/disclosures?\(bad)", clientBrowser)
                #expect(refused.status == 400 && refused.text.contains("year-month-day"), "\(bad)")
            }

            // Not telling the client, for a lawful reason: off their pages, and the owner is told.
            fields["recipient"] = "Police, for an investigation"
            fields["limit"] = "legal"
            fields["shared"] = "MARKER-WITHHELD: dates of sessions."
            fields["withheld_reason"] = "short"
            fields["code"] = code()
            #expect(try await steps.post(ledger, fields, therapistBrowser).status == 422, "a lawful reason needs words")
            fields["withheld_reason"] = "A police request under 45 CFR 164.528(a)(2) not to tell the client for 30 days."
            fields["code"] = code()
            #expect(try await steps.post(ledger, fields, therapistBrowser).status == 303)
            #expect(!(try await steps.get("/me/disclosures", clientBrowser).text.contains("MARKER-WITHHELD")))
            #expect(try await NotificationRow.query(on: practice.app.db).filter(\.$kind == Disclosures.withheldNotificationKind)
                .filter(\.$recipientID == owner.id).count() == 1)
            let practicePage = try await steps.get("/practice", ownerBrowser).text
            #expect(practicePage.contains("A disclosure was made without telling the client") && practicePage.contains(#"href="/practice/disclosures""#))
            #expect(!practicePage.contains(clientID.lowercasedText), "the practice page names no one")
            let reviews = { try await AuditEntryRow.query(on: practice.app.db).filter(\.$action == Action.reviewWithheldDisclosures.rawValue).count() }
            #expect(try await reviews() == 0)
            let review = try await steps.get("/practice/disclosures", ownerBrowser).text
            #expect(review.contains("164.528(a)(2)") && review.contains(clientID.lowercasedText) && review.contains("Tom Ward"))
            #expect(!review.contains("MARKER-WITHHELD"), "what was shared stays in the client's record")
            #expect(try await reviews() == 1, "the owner's reading is written to the trail")
            #expect(try await steps.get("/practice/disclosures", therapistBrowser).status == 403)
            let held = try await steps.get(ledger, therapistBrowser).text
            #expect(held.contains("Not told to the client") && held.contains("/tell"))
            // Nor on their list of who opened their record: there, the one they were told of, and the link to the accounting.
            let opened = try await steps.get("/me/record-access", clientBrowser).text
            #expect(opened.components(separatedBy: "under a limit of confidentiality").count - 1 == 2)

            // The hold ends: the therapist tells the client, who now sees it, and is emailed as for any other.
            let withheldID = try #require(try await HotPaths.sql(practice.app.db).raw(
                #"SELECT "id" FROM "disclosures" WHERE "client_told" = \#(bind: false)"#).first()?.decode(column: "id", as: UUID.self))
            for wrong in ["not-a-uuid", UUID().uuidString.lowercased()] {
                #expect(try await steps.post("\(ledger)/\(wrong)/tell", [:], therapistBrowser).status == 404)
            }
            #expect(try await steps.post("\(ledger)/\(withheldID.lowercasedText)/tell", [:], therapistBrowser).location == "\(ledger)?told=1")
            #expect(try await steps.post("\(ledger)/\(withheldID.lowercasedText)/tell", [:], therapistBrowser).status == 404, "told once")
            #expect(try await steps.get("/me/disclosures", clientBrowser).text.contains("MARKER-WITHHELD"))
            #expect(try await NotificationRow.query(on: practice.app.db).filter(\.$kind == Disclosures.notificationKind)
                .filter(\.$recipientID == client.id).count() == 2)
            #expect(try await steps.get("/me/record-access", clientBrowser).text.components(separatedBy: "under a limit of confidentiality").count - 1 == 3)
        }
    }
}

/// The stored row, read raw.
final class DisclosureRowProbe: Model, @unchecked Sendable {
    static let schema = "disclosures"
    @ID(key: .id) var id: UUID?
    @Field(key: "shared_envelope") var sharedEnvelope: Data
    init() {}
}
