import Fluent
import Foundation
import NIOHTTP1
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Drives two-step sign-in through the pages, as a browser would, for the recovery-code and reset tests.
struct TwoStep {
    let practice: TestPractice

    /// The page's text with Plot's escapes of quotes undone, so tests can look for plain words.
    static func text(_ response: TestingHTTPResponse) -> String {
        response.body.string.replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"")
    }

    static func cookie(_ response: TestingHTTPResponse) -> String? {
        response.headers.setCookie?[SignInCookie.name]?.string
    }

    /// The codes a page shows, in the order shown.
    static func codes(in html: String) -> [String] {
        html.matches(of: /<code>([2-9a-z]{6}-[2-9a-z]{6})<\/code>/).map { String($0.output.1) }
    }

    struct Enrolled {
        /// Fully signed in by the enrolment itself.
        let browser: Browser
        let totp: RapportVault.TOTP
        let codes: [String]
        /// The page that showed the codes.
        let page: String
    }

    /// Enrols the person's authenticator through the enrolment pages (key shown, first code typed) and returns what
    /// the page right after shows: the recovery codes.
    func enrol(_ person: TestPractice.Person) async throws -> Enrolled {
        let app = practice.app
        let enrolling = Browser(sessionToken: try await app.rapport.transactions.run(on: app.db) { db in
            try await SignIns.start(for: person.user, stage: .enrolTwoFactor, kind: .browser, services: app.rapport, on: db)
        })
        var secret = ""
        try await app.testing().test(.GET, "/account/two-factor", headers: enrolling.headers) { response in
            let html = response.body.string
            let start = try #require(html.range(of: #"id="totp-secret">"#))
            secret = String(html[start.upperBound...].prefix { $0 != "<" }).replacingOccurrences(of: " ", with: "")
        }
        let totp = RapportVault.TOTP(secret: try #require(Base32.decode(secret)))
        let (headers, body) = enrolling.form(["code": totp.code(at: practice.clock.now())])
        var page = ""
        var token: String?
        try await app.testing().test(.POST, "/account/two-factor", headers: headers, body: body) { response in
            #expect(response.status == .ok, "the codes are shown by the answer to the code itself")
            page = Self.text(response)
            token = Self.cookie(response)
        }
        let signedIn: String = try #require(token)
        return Enrolled(browser: Browser(sessionToken: signedIn), totp: totp, codes: Self.codes(in: page), page: page)
    }

    /// Email and password accepted: the browser is at the second step.
    func passwordOnly(_ person: TestPractice.Person) async throws -> Browser {
        let (headers, body) = Browser().form(["email": person.email, "password": person.password])
        var token: String?
        try await practice.app.testing().test(.POST, "/signin", headers: headers, body: body) { response in
            #expect(response.headers.first(name: .location) == "/signin/two-factor")
            token = Self.cookie(response)
        }
        let secondStep: String = try #require(token)
        return Browser(sessionToken: secondStep)
    }

    /// Posts a recovery code at the second step; returns the status, the page's text and any new sign-in cookie.
    @discardableResult
    func useRecoveryCode(_ code: String, _ browser: Browser) async throws -> (status: UInt, text: String, location: String?, cookie: String?) {
        let (headers, body) = browser.form(["code": code])
        var result: (UInt, String, String?, String?) = (0, "", nil, nil)
        try await practice.app.testing().test(.POST, "/signin/recovery-code", headers: headers, body: body) { response in
            result = (response.status.code, Self.text(response), response.headers.first(name: .location), Self.cookie(response))
        }
        return result
    }

    func get(_ path: String, _ browser: Browser) async throws -> (status: UInt, text: String, location: String?) {
        var result: (UInt, String, String?) = (0, "", nil)
        try await practice.app.testing().test(.GET, path, headers: browser.headers) { response in
            result = (response.status.code, Self.text(response), response.headers.first(name: .location))
        }
        return result
    }

    func post(_ path: String, _ fields: [String: String], _ browser: Browser) async throws -> (status: UInt, text: String, location: String?) {
        let (headers, body) = browser.form(fields)
        var result: (UInt, String, String?) = (0, "", nil)
        try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
            result = (response.status.code, Self.text(response), response.headers.first(name: .location))
        }
        return result
    }

    /// Every text and byte value in every row of every table, to search for something that must not be stored.
    func everyStoredValue() async throws -> [Data] {
        let sql = try #require(practice.app.db as? any SQLDatabase)
        let tables = TestDatabase.postgresURL == nil
            ? try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table'").all().map { try $0.decode(column: "name", as: String.self) }
            : try await sql.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").all()
                .map { try $0.decode(column: "table_name", as: String.self) }
        #expect(tables.contains("recovery_codes"))
        var values: [Data] = []
        for table in tables {
            for row in try await sql.raw("SELECT * FROM \(ident: table)").all() {
                for column in row.allColumns {
                    if let text = try? row.decode(column: column, as: String?.self) {
                        values.append(Data(text.utf8))
                    } else if let bytes = try? row.decode(column: column, as: Data?.self) {
                        values.append(bytes)
                    }
                }
            }
        }
        return values
    }

    func unusedCodes(of person: TestPractice.Person) async throws -> Int {
        try await RecoveryCodes.remaining(for: person.id, on: practice.app.db)
    }
}

@Suite struct RecoveryCodeTests {
    @Test func tenCodesAreShownOnceWhenEnrolmentCompletesAndStoredOnlyAsKeyedHashes() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let enrolled = try await steps.enrol(therapist)

            #expect(enrolled.codes.count == 10 && Set(enrolled.codes).count == 10)
            #expect(enrolled.page.contains("Keep these somewhere safe. Each works once, and they won't be shown again."))
            #expect(enrolled.page.contains(#"href="/clients""#), "a way on to the therapist's home")
            // The enrolment's answer signed them in fully.
            #expect(try await steps.get("/clients", enrolled.browser).status == 200)

            // Nowhere to see them again: not the enrolment address, not the recovery codes page.
            let again = try await steps.get("/account/two-factor", enrolled.browser)
            #expect(again.status == 303 && TwoStep.codes(in: again.text).isEmpty)
            let codesPage = try await steps.get("/account/recovery-codes", enrolled.browser)
            #expect(codesPage.status == 200)
            #expect(codesPage.text.contains("You have 10 recovery codes left"))
            let account = try await steps.get("/account", enrolled.browser)
            #expect(account.text.contains("Recovery codes: 10 left"))
            for page in [codesPage.text, account.text] {
                for code in enrolled.codes { #expect(!page.contains(code) && !page.contains(code.replacingOccurrences(of: "-", with: ""))) }
            }

            // Stored: one keyed hash per code, bound to the person, and no form of any code anywhere in the database.
            let rows = try await RecoveryCodeRow.query(on: practice.app.db).all()
            #expect(rows.count == 10 && rows.allSatisfy { $0.userID == therapist.id && $0.usedAt == nil })
            let keys = practice.app.rapport.keys
            let expected = Set(enrolled.codes.map { keys.recoveryCodeHash(RecoveryCode.canonical($0)!, userID: therapist.id) })
            #expect(Set(rows.map(\.codeHash)) == expected)
            let stored = try await steps.everyStoredValue()
            #expect(stored.count > 50)
            for code in enrolled.codes {
                for form in [code, code.replacingOccurrences(of: "-", with: ""), code.uppercased()] {
                    #expect(!stored.contains { $0.range(of: Data(form.utf8)) != nil }, "a recovery code is stored as \(form)")
                }
            }
        }
    }

    @Test func eachCodeWorksOnceTypedWithAnyCaseDashOrSpacesAndItsUseIsAudited() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let enrolled = try await steps.enrol(owner)
            let first = enrolled.codes[0]

            // The second step offers the way in without the phone.
            let secondStep = try await steps.passwordOnly(owner)
            let form = try await steps.get("/signin/two-factor", secondStep)
            #expect(form.text.contains(#"href="/signin/recovery-code""#))
            #expect(try await steps.get("/signin/recovery-code", secondStep).status == 200)

            let typed = first.uppercased().replacingOccurrences(of: "-", with: " ")
            let used = try await steps.useRecoveryCode(" \(typed) ", secondStep)
            #expect(used.status == 303 && used.location == "/account")
            let newToken: String = try #require(used.cookie)
            let signedIn = Browser(sessionToken: newToken)
            #expect(signedIn.sessionToken != secondStep.sessionToken, "a new token once fully signed in")
            let account = try await steps.get("/account", signedIn)
            #expect(account.status == 200 && account.text.contains("Recovery codes: 9 left"))

            // The same code again, in a new sign-in: refused, and it says why.
            let again = try await steps.useRecoveryCode(first, try await steps.passwordOnly(owner))
            #expect(again.status == 422 && again.text.contains("That recovery code has already been used."))
            #expect(again.cookie == nil)
            // Another, lower case without the dash.
            let second = try await steps.useRecoveryCode(enrolled.codes[1].replacingOccurrences(of: "-", with: ""), try await steps.passwordOnly(owner))
            #expect(second.status == 303)
            #expect(try await steps.unusedCodes(of: owner) == 8)

            let entries = try await AuditEntryRow.query(on: practice.app.db).filter(\.$resourceType == "recovery-code").sort(\.$sequence).all()
            #expect(entries.map(\.outcome) == ["allowed", "denied:wrong-recovery-code", "allowed"])
            #expect(entries.allSatisfy {
                $0.action == Action.completeSignIn.rawValue && $0.actorID == owner.id && $0.actorRole == "owner"
                    && $0.resourceID == owner.id.lowercasedText && $0.clientID == nil
            })
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: 3))
        }
    }

    @Test func wrongCodesAreRefusedAndCountedByTheSignInThrottle() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let enrolled = try await steps.enrol(therapist)
            let secondStep = try await steps.passwordOnly(therapist)  // attempt 1 (staff: counted until the second step is done)

            let malformed = try await steps.useRecoveryCode("not a code", secondStep)  // 2
            #expect(malformed.status == 422 && malformed.text.contains("A recovery code has 12 letters and digits"))
            #expect(malformed.text.contains(#"id="code-error""#) && malformed.text.contains(#"aria-invalid="true""#), "beside the field")
            let unknown = try await steps.useRecoveryCode("2345672-34567", secondStep)
            #expect(unknown.status == 422 && unknown.text.contains("12 letters and digits"), "13 symbols is not a code")
            let wrong = try await steps.useRecoveryCode("234567-234567", secondStep)  // 4
            #expect(wrong.status == 422 && wrong.text.contains("That recovery code didn't work."))
            let huge = try await steps.useRecoveryCode(String(repeating: "9", count: 100_000), secondStep)  // 5
            #expect(huge.status == 422)
            #expect(try await practice.auditCount("denied:wrong-recovery-code") == 4)

            // The sixth attempt is refused before it is checked, even with a right code, which stays unused.
            let locked = try await steps.useRecoveryCode(enrolled.codes[0], secondStep)
            #expect(locked.status == 429 && locked.text.contains("paused"))
            #expect(try await steps.unusedCodes(of: therapist) == 10)
            #expect(try await practice.auditCount("denied:wrong-recovery-code") == 4, "a refused attempt is not checked, so not audited")

            // Once the pause is over, the code works.
            practice.clock.advance(by: 16 * 60)
            let later = try await steps.useRecoveryCode(enrolled.codes[0], try await steps.passwordOnly(therapist))
            #expect(later.status == 303)
            #expect(try await steps.unusedCodes(of: therapist) == 9)
        }
    }

    /// Two sign-ins racing with the same code: exactly one gets in.
    @Test func aCodeRacedTwiceSignsInOnce() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let enrolled = try await steps.enrol(owner)
            let browsers = [try await steps.passwordOnly(owner), try await steps.passwordOnly(owner)]
            let code = enrolled.codes[3]
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for browser in browsers {
                    group.addTask { try await steps.useRecoveryCode(code, browser).status }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [303, 422], "\(statuses)")
            #expect(try await steps.unusedCodes(of: owner) == 9)
        }
    }

    @Test func newCodesNeedACurrentCodeFromTheAppAndTheOldOnesStopWorking() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let enrolled = try await steps.enrol(owner)
            let before = Set(try await RecoveryCodeRow.query(on: practice.app.db).all().map(\.codeHash))

            // A wrong code from the app: the page again with its message, and nothing replaced.
            practice.clock.advance(by: 31)
            let current = enrolled.totp.code(at: practice.clock.now())
            let wrong = try await steps.post("/account/recovery-codes", ["code": current == "000000" ? "111111" : "000000"], enrolled.browser)
            #expect(wrong.status == 422 && wrong.text.contains("That code didn't work") && wrong.text.contains(#"id="code-error""#))
            #expect(TwoStep.codes(in: wrong.text).isEmpty)
            #expect(Set(try await RecoveryCodeRow.query(on: practice.app.db).all().map(\.codeHash)) == before)

            let made = try await steps.post("/account/recovery-codes", ["code": current], enrolled.browser)
            #expect(made.status == 200 && made.text.contains("The old ones no longer work."))
            let fresh = TwoStep.codes(in: made.text)
            #expect(fresh.count == 10 && Set(fresh).isDisjoint(with: enrolled.codes))
            #expect(made.text.contains(#"href="/account""#))
            #expect(try await RecoveryCodeRow.query(on: practice.app.db).count() == 10, "the old set is gone, not kept beside")

            let old = try await steps.useRecoveryCode(enrolled.codes[0], try await steps.passwordOnly(owner))
            #expect(old.status == 422 && old.text.contains("That recovery code didn't work."))
            let new = try await steps.useRecoveryCode(fresh[0], try await steps.passwordOnly(owner))
            #expect(new.status == 303)

            let madeEntry = try #require(try await AuditEntryRow.query(on: practice.app.db).filter(\.$resourceType == "recovery-codes").first())
            #expect(madeEntry.action == Action.useOwnAccount.rawValue && madeEntry.outcome == "allowed" && madeEntry.actorID == owner.id)
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: 3))
        }
    }

    @Test func theAccountPageSaysHowManyAreLeftAndWhenFewAre() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let enrolled = try await steps.enrol(therapist)
            let people = practice.people
            let user = try #require(try await UserRow.find(therapist.id, on: practice.app.db))
            for code in enrolled.codes.prefix(6) { try await people.signInWithRecoveryCode(code, for: user, as: therapist.actor) }
            let four = try await steps.get("/account", enrolled.browser)
            #expect(four.text.contains("Recovery codes: 4 left") && !four.text.contains(#"class="warning""#))
            try await people.signInWithRecoveryCode(enrolled.codes[6], for: user, as: therapist.actor)
            let three = try await steps.get("/account", enrolled.browser)
            #expect(three.text.contains("Recovery codes: only 3 left. Make new ones soon"))
            #expect(three.text.contains(#"id="recovery-codes-left" class="warning""#))
            #expect(three.text.contains(#"href="/account/recovery-codes""#))
            for code in enrolled.codes.suffix(3) { try await people.signInWithRecoveryCode(code, for: user, as: therapist.actor) }
            #expect(try await steps.get("/account", enrolled.browser).text.contains("Recovery codes: none to use. Make some now"))
            #expect(try await steps.get("/account/recovery-codes", enrolled.browser).text.contains("You have no recovery codes to use."))

            // A client signs in with a password alone: no codes to speak of, and no way to make any.
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            #expect(!(try await steps.get("/account", clientBrowser)).text.contains("Recovery codes"))
            let noTwoStep = try await steps.get("/account/recovery-codes", clientBrowser)
            #expect(noTwoStep.text.contains("isn't turned on for your account") && !noTwoStep.text.contains("new-recovery-codes-form"))
            let refused = try await steps.post("/account/recovery-codes", ["code": "123456"], clientBrowser)
            #expect(refused.status == 409)
            #expect(try await RecoveryCodeRow.query(on: practice.app.db).filter(\.$userID == client.id).count() == 0)
        }
    }
}

@Suite struct OwnerResetTests {
    @Test func theOwnerResetsATherapistsTwoStepSignInInOneAuditedStep() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let colleague = try await practice.newTherapist(in: owner, name: "Cara Lind")
            let enrolled = try await steps.enrol(therapist)
            _ = try await steps.enrol(colleague)
            let ownersApp = try await steps.enrol(owner).totp
            let apiToken = try await practice.signIn(therapist, kind: .api)
            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let path = "/practice/therapists/\(therapist.id.lowercasedText)/reset-two-factor"

            let practicePage = try await steps.get("/practice", ownerBrowser)
            #expect(practicePage.text.contains(#"href="\#(path)""#))
            #expect(practicePage.text.contains(#"aria-label="Reset two-step sign-in for Tom Ward""#))

            // The confirmation says what will happen, and changes nothing by itself.
            let confirm = try await steps.get(path, ownerBrowser)
            #expect(confirm.status == 200)
            for words in ["Reset two-step sign-in for Tom Ward?", "Tom's authenticator app and recovery codes stop working at once.",
                          "Wherever Tom is signed in now, they are signed out.",
                          "The next time Tom signs in with their password, Rapport takes them to set up two-step sign-in again"] {
                #expect(confirm.text.contains(words), "\(words)")
            }
            #expect(confirm.text.contains(#"action="\#(path)""#))
            #expect(try await SignInRow.query(on: practice.app.db).filter(\.$userID == therapist.id).count() == 2)

            #expect(confirm.text.contains(#"name="code""#), "a key operation: the owner confirms with a fresh code")
            // Without a code from the owner's own app, or with a wrong or stale one, nothing happens.
            // (A code from five minutes ago is outside the ±1 step window whenever the test runs; the code of the
            // current step would become valid again if the test crossed into the next 30 s.)
            for code in ["000000", String(repeating: "9", count: 5_000), ownersApp.code(at: practice.clock.now().addingTimeInterval(-300))] {
                let refused = try await steps.post(path, ["code": code], ownerBrowser)
                #expect(refused.status == 422 && refused.text.contains("id=\"code-error\""), "\(code.prefix(12)): \(refused.status)")
            }
            #expect(try await UserRow.find(therapist.id, on: practice.app.db)?.totpEnabledAt != nil)
            #expect(try await SignInRow.query(on: practice.app.db).filter(\.$userID == therapist.id).count() == 2)
            #expect(try await AuditEntryRow.query(on: practice.app.db).filter(\.$action == Action.resetStaffTwoFactor.rawValue).count() == 0)

            practice.clock.advance(by: 30)
            let done = try await steps.post(path, ["code": ownersApp.code(at: practice.clock.now())], ownerBrowser)
            #expect(done.status == 303 && done.location == "/practice?reset=\(therapist.id.lowercasedText)")
            let after = try await steps.get(try #require(done.location), ownerBrowser)
            #expect(after.text.contains("Two-step sign-in for Tom Ward is reset."))
            #expect(!after.text.contains(#"href="\#(path)""#), "nothing left to reset until they enrol again")

            let reset = try #require(try await UserRow.find(therapist.id, on: practice.app.db))
            #expect(reset.totpSecretEnvelope == nil && reset.totpPreviousSecretEnvelope == nil && reset.totpLastStep == nil && reset.totpEnabledAt == nil)
            #expect(try await RecoveryCodeRow.query(on: practice.app.db).filter(\.$userID == therapist.id).count() == 0)
            #expect(try await SignInRow.query(on: practice.app.db).filter(\.$userID == therapist.id).count() == 0)
            // The colleague and the owner are untouched.
            #expect(try await RecoveryCodeRow.query(on: practice.app.db).filter(\.$userID == colleague.id).count() == 10)
            #expect(try await UserRow.find(colleague.id, on: practice.app.db)?.totpEnabledAt != nil)
            #expect(try await steps.get("/practice", ownerBrowser).status == 200)

            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db)
                .filter(\.$action == Action.resetStaffTwoFactor.rawValue).all().first)
            #expect(entry.outcome == "allowed" && entry.actorID == owner.id && entry.actorRole == "owner")
            #expect(entry.resourceType == "two-factor" && entry.resourceID == therapist.id.lowercasedText && entry.clientID == nil)
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: 1))

            // Their sign-ins have ended, and the next one with their password leads to enrolment, with a new key.
            #expect(try await steps.get("/clients", enrolled.browser).location?.hasPrefix("/signin") == true)
            try await practice.app.testing().test(.GET, "/api/v1/me", headers: .bearer(apiToken)) { #expect($0.status == .unauthorized) }
            let (headers, body) = Browser().form(["email": therapist.email, "password": therapist.password])
            var enrolling: String?
            try await practice.app.testing().test(.POST, "/signin", headers: headers, body: body) { response in
                #expect(response.headers.first(name: .location) == "/account/two-factor")
                enrolling = TwoStep.cookie(response)
            }
            let enrolment = try await steps.get("/account/two-factor", Browser(sessionToken: enrolling))
            #expect(enrolment.status == 200)
            let shown = try #require(enrolment.text.range(of: #"id="totp-secret">"#))
            let newSecret = String(enrolment.text[shown.upperBound...].prefix { $0 != "<" }).replacingOccurrences(of: " ", with: "")
            #expect(!newSecret.isEmpty && Base32.decode(newSecret) != enrolled.totp.secret, "a new key, not the lost phone's")
            #expect(try await steps.useRecoveryCode(enrolled.codes[0], Browser(sessionToken: enrolling)).location == "/",
                    "no second step to take a recovery code at: enrolment comes first")
        }
    }

    @Test func theResetIsRefusedForAnyoneButTheOwnersOwnTherapistsAndChangesNothing() async throws {
        try await TestPractice.run { practice in
            let steps = TwoStep(practice: practice)
            let owner = try await practice.newPractice("A")
            let therapist = try await practice.newTherapist(in: owner)
            let colleague = try await practice.newTherapist(in: owner, name: "Colleague")
            let client = try await practice.newClient(of: therapist)
            let otherOwner = try await practice.newPractice("B")
            let otherTherapist = try await practice.newTherapist(in: otherOwner)
            for person in [owner, therapist, colleague, otherOwner, otherTherapist] { _ = try await steps.enrol(person) }
            // A client who has two-step sign-in, to show a client's id is refused whatever their account holds.
            let clientUser = try #require(try await UserRow.find(client.id, on: practice.app.db))
            clientUser.totpEnabledAt = Date()
            try await clientUser.update(on: practice.app.db)

            func state() async throws -> [String] {
                let users = try await UserRow.query(on: practice.app.db).sort(\.$createdAt).all()
                var lines = try users.map { "\(try $0.requireID()) \($0.totpSecretEnvelope?.count ?? 0) \($0.totpLastStep ?? -1) \($0.totpEnabledAt != nil)" }
                lines.append("codes \(try await RecoveryCodeRow.query(on: practice.app.db).filter(\.$usedAt == nil).count())")
                lines.append("sign-ins \(try await SignInRow.query(on: practice.app.db).count())")
                lines.append("audit \(try await practice.auditCount())")
                return lines
            }

            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let otherOwnerBrowser = Browser(sessionToken: try await practice.signIn(otherOwner))
            let colleagueBrowser = Browser(sessionToken: try await practice.signIn(colleague))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            let before = try await state()

            func path(_ id: String) -> String { "/practice/therapists/\(id)/reset-two-factor" }
            // The owner, for anyone who isn't one of their own therapists, or for an id that names nobody.
            let notTheirs = [otherTherapist.id.lowercasedText, otherOwner.id.lowercasedText, client.id.lowercasedText,
                             client.user.clientID!.lowercasedText, owner.id.lowercasedText, UUID().uuidString,
                             "nope", "123", therapist.id.uuidString + "0", "-1", String(repeating: "9", count: 5_000)]
            for id in notTheirs {
                #expect(try await steps.get(path(id), ownerBrowser).status == 404, "GET \(id.prefix(40))")
                #expect(try await steps.post(path(id), [:], ownerBrowser).status == 404, "POST \(id.prefix(40))")
            }
            // Another practice's owner, for this practice's therapist: not found either.
            #expect(try await steps.get(path(therapist.id.lowercasedText), otherOwnerBrowser).status == 404)
            #expect(try await steps.post(path(therapist.id.lowercasedText), [:], otherOwnerBrowser).status == 404)
            // Anyone who isn't an owner: refused for who they are.
            for browser in [colleagueBrowser, clientBrowser] {
                #expect(try await steps.get(path(therapist.id.lowercasedText), browser).status == 403)
                #expect(try await steps.post(path(therapist.id.lowercasedText), [:], browser).status == 403)
            }
            let signedOut = try await steps.post(path(therapist.id.lowercasedText), [:], Browser())
            #expect(signedOut.status != 200 && signedOut.location != "/practice?reset=\(therapist.id.lowercasedText)")

            #expect(try await state() == before, "a refused reset changed something")
            #expect(try await AuditEntryRow.query(on: practice.app.db).filter(\.$action == Action.resetStaffTwoFactor.rawValue).count() == 0)
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: 1))

            // A `reset` query that names someone else, or nothing, shows no notice.
            for value in [otherTherapist.id.lowercasedText, therapist.id.lowercasedText, "x", String(repeating: "9", count: 5_000)] {
                let page = try await steps.get("/practice?reset=\(value)", ownerBrowser)
                #expect(page.status == 200 && !page.text.contains("is reset"), "\(value.prefix(40))")
            }
        }
    }
}
