import Fluent
import Foundation
import RapportVault
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Two-step enrolment people can finish (issue 9): the key survives a reload, a restart is deliberate, and a code
/// from the key before the restart is explained plainly.
@Suite struct EnrolmentTests {
    func secret(_ practice: TestPractice, _ browser: Browser) async throws -> String {
        var secret = ""
        try await practice.app.testing().test(.GET, "/account/two-factor", headers: browser.headers) { response in
            #expect(response.status == .ok)
            let html = response.body.string
            let start = try #require(html.range(of: #"id="totp-secret">"#))
            secret = String(html[start.upperBound...].prefix { $0 != "<" }).replacingOccurrences(of: " ", with: "")
        }
        return secret
    }

    @Test func theKeyStaysUntilRestartedAndAnOlderKeysCodeIsExplained() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let invitation = try await practice.people.inviteTherapist(by: owner.actor, name: "Tom Ward", email: "tom@example.org")
            let user = try await practice.people.acceptInvitation(token: invitation.token, password: TestPractice.password,
                                                                  confirmation: TestPractice.password)
            let browser = Browser(sessionToken: try await practice.app.rapport.transactions.run(on: practice.app.db) { [app = practice.app] db in
                try await SignIns.start(for: user, stage: .enrolTwoFactor, kind: .browser, services: app.rapport, on: db)
            })
            let first = try await secret(practice, browser)
            #expect(try await secret(practice, browser) == first, "a reload shows the same key")

            let (restartHeaders, restartBody) = browser.form([:])
            try await practice.app.testing().test(.POST, "/account/two-factor/restart", headers: restartHeaders, body: restartBody) {
                #expect($0.headers.first(name: .location) == "/account/two-factor")
            }
            let second = try await secret(practice, browser)
            #expect(second != first, "starting again on purpose makes a new key")

            let old = RapportVault.TOTP(secret: try #require(Base32.decode(first)))
            let (oldHeaders, oldBody) = browser.form(["code": old.code(at: practice.clock.now())])
            try await practice.app.testing().test(.POST, "/account/two-factor", headers: oldHeaders, body: oldBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("That code comes from the key you added before you started again"))
            }
            // A code that fits neither key gets the ordinary words.
            let (wrongHeaders, wrongBody) = browser.form(["code": "000000"])
            try await practice.app.testing().test(.POST, "/account/two-factor", headers: wrongHeaders, body: wrongBody) { response in
                #expect(response.body.string.contains("That code didn&#39;t work") || response.body.string.contains("That code didn't work"))
            }
            let new = RapportVault.TOTP(secret: try #require(Base32.decode(second)))
            let (headers, body) = browser.form(["code": new.code(at: practice.clock.now())])
            try await practice.app.testing().test(.POST, "/account/two-factor", headers: headers, body: body) { response in
                // Enrolled: the recovery codes, shown once, and the way on to the caseload.
                #expect(response.status == .ok)
                #expect(TwoStep.codes(in: response.body.string).count == 10)
                #expect(response.body.string.contains(#"href="/clients""#))
            }
            let enrolled = try #require(try await UserRow.find(try user.requireID(), on: practice.app.db))
            #expect(enrolled.totpEnabledAt != nil && enrolled.totpPreviousSecretEnvelope == nil, "the older key is forgotten once enrolled")
        }
    }
}
