import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Words to carry (issue 11): written on the record (audited, sealed), kept by the client, pinned to their home page
/// by them alone.
@Suite struct WordsToCarryTests {
    static let words = "When the guilt comes after saying no, remember: guilt is not proof you did something wrong. \(UUID().uuidString.prefix(6))"

    @Test func theTherapistWritesTheClientKeepsAndPins() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let before = try await practice.auditCount()
            let (headers, body) = therapist.form(["body": Self.words])
            try await app.testing().test(.POST, "\(record)/words", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
            let row = try #require(try await WordsToCarryRow.query(on: app.db).first())
            #expect(row.bodyEnvelope.range(of: Data("guilt is not proof".utf8)) == nil, "the words are sealed")
            #expect(row.pinned == false && row.authorID == cast.own.id)
            #expect(try await practice.auditCount() == before + 1)
            let entry = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.writeWordsToCarry.rawValue && entry.resourceType == "words-to-carry")
            try await app.testing().test(.GET, record, headers: therapist.headers) { response in
                #expect(response.body.string.contains("guilt is not proof you did something wrong"))
            }

            // The client finds them from home, then pins them there.
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                let html = response.body.string
                #expect(html.contains("id=\"words-to-carry\"") && html.contains("Words your therapist wrote for you"))
                #expect(!html.contains("guilt is not proof"), "not pinned yet: only the way to them")
            }
            try await app.testing().test(.GET, "/me/words", headers: client.headers) { response in
                #expect(response.body.string.contains("guilt is not proof you did something wrong"))
                #expect(response.body.string.contains("Pin to my home page"))
            }
            let pin = "/me/words/\(try row.requireID().uuidString.lowercased())/pin"
            let (pinHeaders, pinBody) = client.form(["pinned": "yes"])
            try await app.testing().test(.POST, pin, headers: pinHeaders, body: pinBody) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await WordsToCarryRow.find(row.id, on: app.db)?.pinned == true)
            try await app.testing().test(.GET, "/me", headers: client.headers) { response in
                #expect(response.body.string.contains("guilt is not proof you did something wrong"))
            }

            // Nobody else pins them: another client gets "not found", a value that isn't yes or no is refused.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            let (otherHeaders, otherBody) = other.form(["pinned": "no"])
            try await app.testing().test(.POST, pin, headers: otherHeaders, body: otherBody) { response in
                #expect(response.status == .notFound)
            }
            for value in ["", "maybe", "YES"] {
                let (badHeaders, badBody) = client.form(["pinned": value])
                try await app.testing().test(.POST, pin, headers: badHeaders, body: badBody) { response in
                    #expect(response.status == .badRequest, "\(value)")
                }
            }
            let (noIDHeaders, noIDBody) = client.form(["pinned": "no"])
            try await app.testing().test(.POST, "/me/words/not-an-id/pin", headers: noIDHeaders, body: noIDBody) { response in
                #expect(response.status == .notFound)
            }
            #expect(try await WordsToCarryRow.find(row.id, on: app.db)?.pinned == true)
        }
    }

    @Test func emptyOrOverlongWordsAreRefusedBesideTheBox() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            for text in ["", " \n ", String(repeating: "a", count: WordsToCarryRules.maximumLength + 1)] {
                let (headers, body) = therapist.form(["body": text])
                try await practice.app.testing().test(.POST, "\(record)/words", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.body.string.contains("id=\"words-body-error\""))
                }
            }
            #expect(try await WordsToCarryRow.query(on: practice.app.db).count() == 0)
            #expect(WordsToCarryRules.problem(String(repeating: "a", count: WordsToCarryRules.maximumLength)) == nil)
        }
    }
}
