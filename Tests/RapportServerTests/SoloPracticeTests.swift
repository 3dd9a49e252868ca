import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// A solo practitioner is one person (issue 9): an owner can also be a therapist with a caseload, with one account.
@Suite struct SoloPracticeTests {
    func soloOwner(_ practice: TestPractice, seesClients: Bool) async throws -> TestPractice.Person {
        let token = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
            try await People.issueSetupToken(services: practice.app.rapport, on: db)
        }
        let email = "solo-\(UUID().uuidString.prefix(6))@example.org"
        let owner = try await practice.people.setUpPractice(token: token, .init(
            practiceName: "Solo Practice", ownerName: "Sam Solo", email: email, password: TestPractice.password, ownerSeesClients: seesClients))
        return TestPractice.Person(user: owner, email: email, password: TestPractice.password)
    }

    func navigation(_ html: String) -> [String] {
        guard let start = html.range(of: "aria-label=\"Main\""), let end = html.range(of: "</nav>", range: start.upperBound..<html.endIndex)
        else { return [] }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "href=\"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
    }

    func user(_ person: TestPractice.Person, _ practice: TestPractice) async throws -> UserRow {
        try #require(try await UserRow.find(person.id, on: practice.app.db))
    }

    @Test func theSetupPageAsksAndRemembersWhetherTheOwnerSeesClients() async throws {
        try await TestPractice.run { practice in
            for (ticked, expected) in [(true, true), (false, false)] {
                let token = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                    try await People.issueSetupToken(services: practice.app.rapport, on: db)
                }
                let browser = Browser()
                try await practice.app.testing().test(.GET, "/setup/\(token)", headers: browser.headers) { response in
                    #expect(response.body.string.contains(#"name="sees_clients" id="sees_clients" value="on" checked"#),
                            "a solo practice is the usual one: ticked to begin with")
                }
                var fields = ["practice_name": "Quiet Room", "name": "Ola Owner", "email": "ola-\(ticked)@example.org", "password": "short"]
                if ticked { fields["sees_clients"] = "on" }
                // A problem elsewhere on the form keeps the choice as it was made.
                var (headers, body) = browser.form(fields)
                try await practice.app.testing().test(.POST, "/setup/\(token)", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.body.string.contains(#"value="on" checked"#) == ticked)
                }
                fields["password"] = "a long enough password"
                (headers, body) = browser.form(fields)
                try await practice.app.testing().test(.POST, "/setup/\(token)", headers: headers, body: body) { response in
                    #expect(response.status == .seeOther)
                }
                let owner = try #require(try await UserRow.query(on: practice.app.db).filter(\.$role == "owner").sort(\.$createdAt, .descending).first())
                #expect(owner.seesClients == expected)
                #expect(owner.roles == (expected ? [.owner, .therapist] : [.owner]))
            }
        }
    }

    @Test func aSoloOwnerHasACaseloadAndReadsTheirClientsAsTheirTherapist() async throws {
        try await TestPractice.run { practice in
            let owner = try await soloOwner(practice, seesClients: true)
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            try await practice.app.testing().test(.GET, "/", headers: browser.headers) { response in
                #expect(response.headers.first(name: .location) == "/clients", "the caseload is a solo practitioner's home")
            }
            try await practice.app.testing().test(.GET, "/clients", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(navigation(response.body.string) == ["/clients", "/account/calendar", "/practice", "/practice/outcomes", "/practice/settings", "/enquiries", "/account"])
            }
            let client = try await practice.newClient(of: owner)
            let clientPath = "/clients/\(client.user.clientID!.uuidString.lowercased())"
            try await practice.app.testing().test(.GET, clientPath, headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Cleo Client"))
            }
            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.viewClientRecord.rawValue)
            #expect(entry.actorRole == "therapist", "read in the capacity of the client's therapist")
            #expect(entry.actorID == owner.id)
            try await practice.app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("You see clients here too: 1 on your caseload"))
                #expect(!response.body.string.contains("Stop seeing clients myself"), "not offered while a client depends on them")
            }
            // Stopping while a client has them on their care team is refused, and changes nothing.
            let auditBefore = try await practice.auditCount()
            let (headers, body) = browser.form(["sees_clients": "no"])
            try await practice.app.testing().test(.POST, "/practice/own-caseload", headers: headers, body: body) { response in
                #expect(response.status == .conflict)
                #expect(response.body.string.contains("One client has you on their care team"))
            }
            #expect(try await user(owner, practice).seesClients)
            #expect(try await practice.auditCount() == auditBefore)
            try await practice.app.testing().test(.GET, clientPath, headers: browser.headers) { #expect($0.status == .ok) }
        }
    }

    @Test func anOwnerCanTakeOnACaseloadAndGiveUpAnEmptyOne() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice("A")
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            let therapist = try await practice.newTherapist(in: owner)
            let theirClient = try await practice.newClient(of: therapist)
            let theirClientPath = "/clients/\(theirClient.user.clientID!.uuidString.lowercased())"
            try await practice.app.testing().test(.GET, "/clients", headers: browser.headers) { #expect($0.status == .forbidden) }
            try await practice.app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                #expect(response.body.string.contains("I see clients myself"))
                #expect(navigation(response.body.string) == ["/practice", "/practice/outcomes", "/practice/settings", "/enquiries", "/account"])
            }
            // Anything but yes or no changes nothing.
            for value in ["", "maybe", "YES", String(repeating: "y", count: 10_000)] {
                let (headers, body) = browser.form(["sees_clients": value])
                try await practice.app.testing().test(.POST, "/practice/own-caseload", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(value.prefix(10))")
                    #expect(response.body.string.contains("Please choose whether you see clients yourself."))
                }
            }
            #expect(try await user(owner, practice).seesClients == false)

            var (headers, body) = browser.form(["sees_clients": "yes"])
            try await practice.app.testing().test(.POST, "/practice/own-caseload", headers: headers, body: body) { response in
                #expect(response.headers.first(name: .location) == "/clients")
            }
            let started = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(started.resourceType == "owner-sees-clients")
            #expect(started.actorRole == "owner")
            #expect(started.clientID == nil)
            try await practice.app.testing().test(.GET, "/clients", headers: browser.headers) { #expect($0.status == .ok) }
            // Seeing clients of their own opens nobody else's record.
            try await practice.app.testing().test(.GET, theirClientPath, headers: browser.headers) { #expect($0.status == .notFound) }

            (headers, body) = browser.form(["sees_clients": "no"])
            try await practice.app.testing().test(.POST, "/practice/own-caseload", headers: headers, body: body) { response in
                #expect(response.headers.first(name: .location) == "/practice")
            }
            #expect(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first()?.resourceType == "owner-stops-seeing-clients")
            try await practice.app.testing().test(.GET, "/clients", headers: browser.headers) { #expect($0.status == .forbidden) }
            // A therapist can't give themselves the owner's role this way.
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            (headers, body) = therapistBrowser.form(["sees_clients": "yes"])
            try await practice.app.testing().test(.POST, "/practice/own-caseload", headers: headers, body: body) { #expect($0.status == .forbidden) }
        }
    }

    @Test func theAPISaysEveryRoleAndSetsUpASoloPractice() async throws {
        try await TestPractice.run { practice in
            let token = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                try await People.issueSetupToken(services: practice.app.rapport, on: db)
            }
            let body = #"{"token":"\#(token)","practice_name":"Solo","name":"Sam Solo","email":"sam@example.org","password":"a long enough password","sees_clients":true}"#
            try await practice.app.testing().test(.POST, "/api/v1/setup", headers: .json(), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(json?["role"] as? String == "owner")
                #expect(json?["roles"] as? [String] == ["owner", "therapist"])
            }
        }
    }
}
