import Fluent
import Foundation
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Invitations that can't get lost (issue 9): listed for whoever sent them, shown again, re-issued, withdrawn.
@Suite struct WaitingInvitationTests {
    func linkPath(_ link: String) -> String { "/" + link.split(separator: "/").suffix(2).joined(separator: "/") }

    @Test func theOwnerSeesTheirTherapistInvitationAndCanShowReissueAndWithdrawIt() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice("A")
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            let invitation = try await practice.people.inviteTherapist(by: owner.actor, name: "Tom Ward", email: "tom@example.org")
            try await practice.app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                let html = response.body.string
                #expect(html.contains("id=\"waiting-invitations\"") && html.contains("Tom Ward") && html.contains("tom@example.org"))
                #expect(html.contains("value=\"\(invitation.link)\""), "the link can be shown again")
                #expect(!html.contains("No therapists yet"), "an invitation is on its way")
                #expect(html.contains("No therapist has joined yet"))
            }
            let id = try #require(try await InvitationRow.query(on: practice.app.db).first()?.requireID()).uuidString.lowercased()

            // A new link: the old one stops working at once, the new one opens.
            var newLink = ""
            try await practice.app.testing().test(.POST, "/practice/invitations/\(id)/reissue", headers: browser.form([:]).0,
                                                  body: browser.form([:]).1) { response in
                #expect(response.status == .ok)
                newLink = response.body.string.components(separatedBy: "id=\"invitation-link\" class=\"link-out\" href=\"").dropFirst().first?
                    .split(separator: "\"").first.map(String.init) ?? ""
            }
            #expect(!newLink.isEmpty && newLink != invitation.link)
            try await practice.app.testing().test(.GET, linkPath(invitation.link)) { #expect($0.status == .notFound, "the old link is dead") }
            try await practice.app.testing().test(.GET, linkPath(newLink)) { #expect($0.status == .ok, "the new link opens") }

            // Withdrawn: gone from the list, and its link says so.
            try await practice.app.testing().test(.POST, "/practice/invitations/\(id)/withdraw", headers: browser.form([:]).0,
                                                  body: browser.form([:]).1) { #expect($0.status == .seeOther) }
            try await practice.app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                #expect(!response.body.string.contains("Tom Ward"))
            }
            try await practice.app.testing().test(.GET, linkPath(newLink)) { response in
                #expect(response.status == .gone)
                #expect(response.body.string.contains("This invitation was withdrawn."))
            }
            // Nothing more can be done with a withdrawn one.
            try await practice.app.testing().test(.POST, "/practice/invitations/\(id)/reissue", headers: browser.form([:]).0,
                                                  body: browser.form([:]).1) { #expect($0.status == .notFound) }
        }
    }

    @Test func clientInvitationsAreTheirTherapistsAloneAndLeaveTheListOnceAccepted() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice("A")
            let own = try await practice.newTherapist(in: owner)
            let colleague = try await practice.newTherapist(in: owner, name: "Colleague")
            let otherOwner = try await practice.newPractice("B")
            let pending = try await practice.people.inviteClient(by: own.actor, name: "Noor Haddad", email: "noor@example.org")
            _ = try await practice.newClient(of: own, name: "Cleo Joined")
            let ownBrowser = Browser(sessionToken: try await practice.signIn(own))
            try await practice.app.testing().test(.GET, "/clients", headers: ownBrowser.headers) { response in
                let html = response.body.string
                #expect(html.contains("Noor Haddad") && html.contains("value=\"\(pending.link)\""))
                #expect(!html.contains("Cleo Joined</strong>"), "a joined client is not an invitation")
            }
            let pendingID = try #require(try await InvitationRow.query(on: practice.app.db).filter(\.$acceptedAt == nil).first()?.requireID())
            let waiting = try await practice.people.waitingInvitations(.clients(of: own.id, practiceID: owner.user.practiceID), on: practice.app.db)
            #expect(waiting.map(\.name) == ["Noor Haddad"], "an accepted invitation is no longer waiting")

            // Another therapist, the owner, another practice: none sees it or can touch it.
            for (person, path) in [(colleague, "/clients/invitations"), (otherOwner, "/practice/invitations")] {
                let browser = Browser(sessionToken: try await practice.signIn(person))
                try await practice.app.testing().test(.GET, path == "/clients/invitations" ? "/clients" : "/practice", headers: browser.headers) {
                    #expect(!$0.body.string.contains("Noor Haddad"))
                }
                for action in ["reissue", "withdraw"] {
                    let (headers, body) = browser.form([:])
                    try await practice.app.testing().test(.POST, "\(path)/\(pendingID.uuidString.lowercased())/\(action)", headers: headers, body: body) {
                        #expect($0.status == .notFound, "\(person.user.role) \(action)")
                    }
                }
            }
            try await practice.app.testing().test(.GET, linkPath(pending.link)) { #expect($0.status == .ok, "still valid after refused attempts") }
            // Whatever the path says, a malformed id is simply not found.
            let (headers, body) = ownBrowser.form([:])
            try await practice.app.testing().test(.POST, "/clients/invitations/not-a-uuid/withdraw", headers: headers, body: body) {
                #expect($0.status == .notFound)
            }
        }
    }
}
