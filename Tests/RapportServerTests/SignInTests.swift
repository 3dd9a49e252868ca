import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import RapportVault
import Testing
import Vapor
import VaporTesting

@Suite struct SignInTests {
    func signIn(_ practice: TestPractice, email: String, password: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        let (headers, body) = Browser().form(["email": email, "password": password])
        try await practice.app.testing().test(.POST, "/signin", headers: headers, body: body, afterResponse: check)
    }

    func sessionToken(_ response: TestingHTTPResponse) -> String? {
        response.headers.setCookie?[SignInCookie.name]?.string
    }

    /// Enrols a staff member's authenticator directly and returns it.
    func enrol(_ person: TestPractice.Person, _ practice: TestPractice) async throws -> RapportVault.TOTP {
        let secret = RapportVault.TOTP.generateSecret()
        let keys = practice.app.rapport.keys
        let user = try #require(try await UserRow.find(person.id, on: practice.app.db))
        let key = try await keys.userKey(for: user, on: practice.app.db)
        user.totpSecretEnvelope = try keys.seal(Base32.encode(secret), key: key, UserRow.schema, "totp_secret", row: person.id)
        user.totpEnabledAt = Date()
        try await user.update(on: practice.app.db)
        return RapportVault.TOTP(secret: secret)
    }

    @Test func clientSignsInWithPasswordAndGetsAHardenedCookie() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let client = try await practice.newClient(of: try await practice.newTherapist(in: owner))
            var first: String?
            try await signIn(practice, email: client.email.uppercased(), password: client.password) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/me")
                let cookie = try #require(response.headers.setCookie?[SignInCookie.name])
                #expect(cookie.isHTTPOnly)
                #expect(cookie.sameSite == .lax)
                #expect(cookie.string.count >= 43, "256-bit token")
                first = cookie.string
            }
            try await signIn(practice, email: client.email, password: client.password) { response in
                #expect(self.sessionToken(response) != first, "a new token at every sign-in")
            }
            // Only the hash of the token is stored.
            let stored = try await SignInRow.query(on: practice.app.db).all().map(\.tokenHash)
            #expect(!stored.contains(Data(try #require(first).utf8)))
            #expect(stored.contains(SecureToken.hash(try #require(first))))
        }
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            var bodies: [String] = []
            for (email, password) in [(owner.email, "wrong password here"), ("nobody@example.org", "wrong password here")] {
                try await signIn(practice, email: email, password: password) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(self.sessionToken(response) == nil)
                    bodies.append(response.body.string.replacingOccurrences(of: email, with: "EMAIL")
                        .replacingOccurrences(of: #"value="[^"]*""#, with: "", options: .regularExpression))
                }
            }
            #expect(bodies[0] == bodies[1])
            #expect(bodies[0].contains("don&#8217;t match") || bodies[0].contains("don't match") || bodies[0].contains("don’t match"))
        }
    }

    @Test func repeatedFailuresLockTheAccountForAWhile() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            for attempt in 1...5 {
                try await signIn(practice, email: owner.email, password: "not the password \(attempt)") { response in
                    #expect(response.status == .unprocessableEntity)
                }
            }
            // Even the right password is refused during the lock-out…
            try await signIn(practice, email: owner.email, password: owner.password) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.body.string.contains("paused"))
            }
            // …and accepted after it.
            practice.clock.advance(by: 16 * 60)
            try await signIn(practice, email: owner.email, password: owner.password) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/account/two-factor")
            }
        }
    }

    @Test func staffNeedTheSecondFactorAndEachCodeWorksOnce() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let totp = try await enrol(therapist, practice)
            var partial: String?
            try await signIn(practice, email: therapist.email, password: therapist.password) { response in
                #expect(response.headers.first(name: .location) == "/signin/two-factor")
                partial = self.sessionToken(response)
            }
            let halfway = Browser(sessionToken: partial)
            // Half signed in: the caseload is out of reach.
            try await practice.app.testing().test(.GET, "/clients", headers: halfway.headers) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/signin/two-factor")
            }
            let (wrongHeaders, wrongBody) = halfway.form(["code": "000000" == totp.code(at: Date()) ? "111111" : "000000"])
            try await practice.app.testing().test(.POST, "/signin/two-factor", headers: wrongHeaders, body: wrongBody) { response in
                #expect(response.status == .unprocessableEntity)
            }
            let code = totp.code(at: practice.clock.now())
            let (headers, body) = halfway.form(["code": code])
            var full: String?
            try await practice.app.testing().test(.POST, "/signin/two-factor", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/clients")
                full = self.sessionToken(response)
            }
            #expect(full != nil && full != partial, "a new token once fully signed in")
            try await practice.app.testing().test(.GET, "/clients", headers: Browser(sessionToken: full).headers) { #expect($0.status == .ok) }

            // The same code again, in a new sign-in: refused.
            try await signIn(practice, email: therapist.email, password: therapist.password) { partial = self.sessionToken($0) }
            let (againHeaders, againBody) = Browser(sessionToken: partial).form(["code": code])
            try await practice.app.testing().test(.POST, "/signin/two-factor", headers: againHeaders, body: againBody) { response in
                #expect(response.status == .unprocessableEntity)
            }
        }
    }

    /// A known password must not reset the count of wrong codes: otherwise the code could be guessed forever.
    @Test func wrongCodesLockTheAccountEvenWhenThePasswordIsKnown() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let totp = try await enrol(therapist, practice)
            let wrong = totp.code(at: practice.clock.now()) == "000000" ? "111111" : "000000"
            var statuses: [UInt] = []
            for _ in 0..<3 {
                var partial: String?
                try await signIn(practice, email: therapist.email, password: therapist.password) { response in
                    statuses.append(response.status.code)
                    partial = self.sessionToken(response)
                }
                guard let partial else { continue }
                let (headers, body) = Browser(sessionToken: partial).form(["code": wrong])
                try await practice.app.testing().test(.POST, "/signin/two-factor", headers: headers, body: body) { statuses.append($0.status.code) }
            }
            // password, code, password, code, password (5 attempts) → the sixth attempt is refused.
            #expect(statuses.prefix(5) == [303, 422, 303, 422, 303], "\(statuses)")
            #expect(statuses.last == 429, "\(statuses)")
        }
    }

    /// Two requests racing with the same code: exactly one signs in.
    @Test func aCodeRacedTwiceSignsInOnce() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let totp = try await enrol(therapist, practice)
            var partials: [String] = []
            for _ in 0..<2 {
                try await signIn(practice, email: therapist.email, password: therapist.password) { response in
                    if let token = self.sessionToken(response) { partials.append(token) }
                }
            }
            let code = totp.code(at: practice.clock.now())
            let app = practice.app
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for partial in partials {
                    group.addTask {
                        let (headers, body) = Browser(sessionToken: partial).form(["code": code])
                        var status: UInt = 0
                        try await app.testing().test(.POST, "/signin/two-factor", headers: headers, body: body) { status = $0.status.code }
                        return status
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [303, 422], "\(statuses)")
        }
    }

    @Test func enrolmentOfTheOwnerThroughThePages() async throws {
        try await TestPractice.run { practice in
            let token = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                try await People.issueSetupToken(services: practice.app.rapport, on: db)
            }
            let browser = Browser()
            let (headers, body) = browser.form(["practice_name": "Quiet Room", "name": "Ola Owner", "email": "ola@example.org",
                                                "password": "a long enough password"])
            var session: String?
            try await practice.app.testing().test(.POST, "/setup/\(token)", headers: headers, body: body) { response in
                #expect(response.headers.first(name: .location) == "/account/two-factor")
                session = self.sessionToken(response)
            }
            // The setup link works once.
            try await practice.app.testing().test(.GET, "/setup/\(token)", headers: browser.headers) { #expect($0.status == .gone) }
            var secret = ""
            let enrolling = Browser(sessionToken: session)
            try await practice.app.testing().test(.GET, "/account/two-factor", headers: enrolling.headers) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                let start = try #require(html.range(of: #"id="totp-secret">"#))
                secret = String(html[start.upperBound...].prefix { $0 != "<" }).replacingOccurrences(of: " ", with: "")
            }
            let totp = RapportVault.TOTP(secret: try #require(Base32.decode(secret)))
            let (codeHeaders, codeBody) = enrolling.form(["code": totp.code(at: practice.clock.now())])
            try await practice.app.testing().test(.POST, "/account/two-factor", headers: codeHeaders, body: codeBody) { response in
                #expect(response.status == .ok, "the recovery codes, shown once")
                #expect(response.body.string.contains(#"href="/practice""#))
                #expect(self.sessionToken(response) != nil, "fully signed in by the same answer")
            }
            let owner = try #require(try await UserRow.query(on: practice.app.db).first())
            #expect(owner.totpEnabledAt != nil)
            #expect(owner.totpSecretEnvelope.map { !$0.contains(Data(secret.utf8)) } == true)
        }
    }

    @Test func sessionsEndWhenIdleSoonerForStaffAndAtTheirAbsoluteLifetime() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let staff = Browser(sessionToken: try await practice.signIn(therapist))
            let portal = Browser(sessionToken: try await practice.signIn(client))
            practice.clock.advance(by: 16 * 60)
            try await practice.app.testing().test(.GET, "/clients", headers: staff.headers) { response in
                #expect(response.headers.first(name: .location) == "/signin", "staff idle timeout is 15 minutes")
            }
            try await practice.app.testing().test(.GET, "/me", headers: portal.headers) { #expect($0.status == .ok) }
            // Keep the client active every 20 minutes: still signed out at the 12-hour absolute lifetime.
            for _ in 0..<36 {
                practice.clock.advance(by: 20 * 60)
                try await practice.app.testing().test(.GET, "/me", headers: portal.headers) { _ in }
            }
            try await practice.app.testing().test(.GET, "/me", headers: portal.headers) { response in
                #expect(response.headers.first(name: .location) == "/signin")
            }
        }
    }

    /// A note typed for longer than the idle timeout is refused, but handed back so it is not lost.
    @Test func aNoteSentAfterTheSessionEndedIsShownBackNotSaved() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let browser = Browser(sessionToken: try await practice.signIn(cast.own))
            practice.clock.advance(by: 20 * 60)
            let before = try await ProgressNoteRow.query(on: practice.app.db).count()
            let (headers, body) = browser.form(["body": "Long reflection <after> the session"])
            try await practice.app.testing().test(.POST, "/clients/\(cast.clientID.uuidString.lowercased())/progress-notes",
                                                  headers: headers, body: body) { response in
                #expect(response.status == .forbidden)
                let html = response.body.string
                let handedBack = html.contains("Long reflection &lt;after&gt; the session")
                #expect(handedBack, "the typed note is shown back, escaped")
                #expect(html.contains("Your note was not saved"))
            }
            #expect(try await ProgressNoteRow.query(on: practice.app.db).count() == before)
        }
    }

    @Test func formsWithoutTheCSRFTokenOrFromAnotherSiteChangeNothing() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let token = try await practice.signIn(owner)
            let before = try await InvitationRow.query(on: practice.app.db).count()
            // No token in the form.
            var headers = Browser(sessionToken: token).headers
            headers.contentType = .urlEncodedForm
            try await practice.app.testing().test(.POST, "/practice/invitations", headers: headers,
                                                  body: ByteBuffer(string: "name=Eve&email=eve%40example.org")) { response in
                #expect(response.status == .forbidden)
            }
            // A valid token, but posted from another site.
            var (crossHeaders, body) = Browser(sessionToken: token).form(["name": "Eve", "email": "eve@example.org"])
            crossHeaders.add(name: .origin, value: "https://evil.example")
            try await practice.app.testing().test(.POST, "/practice/invitations", headers: crossHeaders, body: body) { response in
                #expect(response.status == .forbidden)
            }
            // An opaque origin from another site (a sandboxed frame, a data: page).
            var (nullHeaders, nullBody) = Browser(sessionToken: token).form(["name": "Eve", "email": "eve@example.org"])
            nullHeaders.add(name: .origin, value: "null")
            nullHeaders.add(name: "Sec-Fetch-Site", value: "cross-site")
            try await practice.app.testing().test(.POST, "/practice/invitations", headers: nullHeaders, body: nullBody) { response in
                #expect(response.status == .forbidden)
            }
            #expect(try await InvitationRow.query(on: practice.app.db).count() == before)
            // Our own form as Chromium posts it under Referrer-Policy: no-referrer works.
            var (sameHeaders, sameBody) = Browser(sessionToken: token).form(["name": "Sue", "email": "sue@example.org"])
            sameHeaders.add(name: .origin, value: "null")
            sameHeaders.add(name: "Sec-Fetch-Site", value: "same-origin")
            try await practice.app.testing().test(.POST, "/practice/invitations", headers: sameHeaders, body: sameBody) { response in
                #expect(response.status == .ok)
            }
            // The same form, done right, works.
            let (goodHeaders, goodBody) = Browser(sessionToken: token).form(["name": "Eve", "email": "eve@example.org"])
            try await practice.app.testing().test(.POST, "/practice/invitations", headers: goodHeaders, body: goodBody) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("invitation-link"))
            }
            #expect(try await InvitationRow.query(on: practice.app.db).count() == before + 2)
        }
    }

    @Test func signOutEndsTheSession() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            let (headers, body) = browser.form([:])
            try await practice.app.testing().test(.POST, "/signout", headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await practice.app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                #expect(response.headers.first(name: .location) == "/signin")
            }
            #expect(try await SignInRow.query(on: practice.app.db).count() == 0)
        }
    }
}

/// Signed-out requests must not write without limit (issue 7, point 3).
@Suite struct SignedOutTrafficTests {
    @Test func refusalsToNobodyAreCountedNotAuditedAndEachAddressHasABudget() async throws {
        try await TestPractice.run(adjust: { $0.signedOutRequestsPerMinute = 40 }) { practice in
            let cast = try await Cast.assemble(practice)
            let auditBefore = try await practice.auditCount()
            let record = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())"
            var statuses: [UInt: Int] = [:]
            for index in 0..<200 {
                let path = index.isMultiple(of: 2) ? record : "/clients/\(cast.clientID.uuidString.lowercased())"
                try await practice.app.testing().test(.GET, path) { statuses[$0.status.code, default: 0] += 1 }
            }
            // 40 at once, plus what refills (40 a minute) while the loop runs: 401 from the API, 403 from the page.
            let answered = (statuses[401] ?? 0) + (statuses[403] ?? 0)
            #expect((40...50).contains(answered), "\(statuses)")
            #expect(answered + (statuses[429] ?? 0) == 200, "\(statuses)")
            #expect(try await practice.auditCount() == auditBefore, "signed-out refusals wrote audit rows")
            #expect(practice.app.rapport.signedOutTraffic.totals == (refused: answered, throttled: 200 - answered))
            // Sign-in attempts from that address wait too, before any password is checked or any row written. The
            // budget refills with real time (one request every 1.5 s here), so on a slow machine it is spent again
            // first: the check below must meet an empty budget, not a refilled one.
            // A loaded machine (CI runs PostgreSQL's pass beside other suites) can take longer than a refill between
            // spending the budget and the sign-in attempt; so the attempt is tried again, after spending again, until
            // one meets the empty budget. The one that does must be refused before any row is written.
            var refused: TestingHTTPResponse?
            var rowsBefore = 0
            for _ in 0..<5 where refused == nil {
                for _ in 0..<20 {
                    var throttled = false
                    try await practice.app.testing().test(.GET, record) { throttled = $0.status == .tooManyRequests }
                    if throttled { break }
                }
                rowsBefore = try await SignInThrottleRow.query(on: practice.app.db).count()
                try await practice.app.testing().test(.POST, "/api/v1/sessions", headers: .json(),
                                                      body: ByteBuffer(string: #"{"email":"x@example.org","password":"a long enough password"}"#)) { response in
                    if response.status == .tooManyRequests { refused = response }
                }
            }
            let response = try #require(refused, "no sign-in attempt met the spent budget")
            #expect(response.headers.first(name: .retryAfter) == "60")
            #expect(response.headers.first(name: .contentType) == "application/problem+json")
            #expect(try await SignInThrottleRow.query(on: practice.app.db).count() == rowsBefore)
            // The budget refills: a minute later the address is answered again.
            practice.clock.advance(by: 61)
            try await practice.app.testing().test(.GET, record) { #expect($0.status == .unauthorized) }
            // Someone signed in is never throttled by it, and their refusals stay audited one by one.
            let browser = Browser(sessionToken: try await practice.signIn(cast.colleague))
            let deniedBefore = try await practice.auditCount("denied")
            for _ in 0..<60 {
                try await practice.app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())", headers: browser.headers) {
                    #expect($0.status == .notFound)
                }
            }
            #expect(try await practice.auditCount("denied") == deniedBefore + 60)
        }
    }
}

/// Accounts from before accounts were per invitation carry a random-salt hash: they still sign in, and move to the
/// keyed hash at that sign-in.
@Suite struct OlderPasswordHashTests {
    @Test func anAccountWithAnOlderHashSignsInAndIsUpgraded() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let user = try #require(try await UserRow.find(cast.client.id, on: practice.app.db))
            user.passwordHash = try Bcrypt.hash(TestPractice.password, cost: 4)
            user.passwordScheme = nil
            try await user.update(on: practice.app.db)
            func signIn(_ password: String) async throws -> UInt {
                var status: UInt = 0
                try await practice.app.testing().test(.POST, "/api/v1/sessions", headers: .json(),
                                                      body: ByteBuffer(string: #"{"email":"\#(cast.client.email)","password":"\#(password)"}"#)) {
                    status = $0.status.code
                }
                return status
            }
            #expect(try await signIn("not the password at all") == 401)
            #expect(try await UserRow.find(cast.client.id, on: practice.app.db)?.passwordScheme == nil)
            #expect(try await signIn(TestPractice.password) == 201)
            let upgraded = try #require(try await UserRow.find(cast.client.id, on: practice.app.db))
            #expect(upgraded.passwordScheme == Passwords.keyedScheme(cost: 4))
            #expect(upgraded.passwordHash != user.passwordHash)
            #expect(try await signIn(TestPractice.password) == 201)
        }
    }

    @Test func theKeyedSaltIsBcryptsOwnBase64() throws {
        // 16 zero bytes encode as 22 '.' (bcrypt's alphabet starts with "./"), and the hash verifies like any bcrypt.
        #expect(Passwords.bcryptSalt(Data(count: 16), cost: 4) == "$2b$04$" + String(repeating: ".", count: 22))
        let salt = Passwords.bcryptSalt(Data((0..<16).map { UInt8($0 * 17) }), cost: 4)
        let hash = try Bcrypt.hash("a long enough password", salt: salt)
        #expect(hash.hasPrefix(salt))
        #expect(try Bcrypt.verify("a long enough password", created: hash))
        #expect(try !Bcrypt.verify("another password here", created: hash))
    }
}
