import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Counts every table, so a test can show that a refused request changed nothing.
func rowCounts(_ app: Application) async throws -> [String: Int] {
    let sql = app.db as! any SQLDatabase
    var counts: [String: Int] = [:]
    for table in ["practices", "users", "clients", "client_keys", "care_team_members", "invitations", "setup_tokens",
                  "progress_notes", "psychotherapy_notes"] {
        let row = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
        counts[table] = try row?.decode(column: "n", as: Int.self)
    }
    return counts
}

@Suite struct BadInputTests {
    @Test func everyFormRefusesBadInputInlineAndChangesNothing() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let setupToken = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                try await People.issueSetupToken(services: practice.app.rapport, on: db)
            }
            let invitation = try await practice.people.inviteClient(by: cast.own.actor, name: "New Person", email: "new@example.org")
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let anonymous = Browser()
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let cases: [(Browser, String, [String: String], String)] = [
                (anonymous, "/setup/\(setupToken)", ["practice_name": "", "name": "A", "email": "a@example.org", "password": "long enough password"], "practice_name"),
                (anonymous, "/setup/\(setupToken)", ["practice_name": "P", "name": "A", "email": "not-an-email", "password": "long enough password"], "email"),
                (anonymous, "/setup/\(setupToken)", ["practice_name": "P", "name": "A", "email": "a@example.org", "password": "short"], "password"),
                // The owner's address with the owner's own password: refused, in words only its owner can be told.
                (anonymous, "/setup/\(setupToken)", ["practice_name": "P", "name": "A", "email": cast.owner.email, "password": TestPractice.password], "password"),
                (owner, "/practice/invitations", ["name": "", "email": "t@example.org"], "name"),
                (owner, "/practice/invitations", ["name": "T", "email": "t@"], "email"),
                (therapist, "/clients/invitations", ["name": "C", "email": "c example.org"], "email"),
                (therapist, "/clients/invitations", ["name": String(repeating: "n", count: 201), "email": "c@example.org"], "name"),
                // One letter and 100,000 combining marks: one character on screen, 200 KB on disk.
                (therapist, "/clients/invitations", ["name": "a" + String(repeating: "\u{0301}", count: 100_000), "email": "c@example.org"], "name"),
                (therapist, "\(record)/progress-notes", ["body": "x" + String(repeating: "\u{0301}", count: 100_000)], "progress-body"),
                (anonymous, "/invitations/\(invitation.token)", ["password": "short", "password_confirmation": "short"], "password"),
                (anonymous, "/invitations/\(invitation.token)", ["password": "long enough password", "password_confirmation": "different password!"], "password_confirmation"),
                (therapist, "\(record)/progress-notes", ["body": "   \n "], "progress-body"),
                (therapist, "\(record)/psychotherapy-notes", ["body": ""], "psychotherapy-body"),
                (therapist, "\(record)/progress-notes", ["body": String(repeating: "x", count: 50_001)], "progress-body"),
            ]
            let before = try await rowCounts(practice.app)
            for (browser, path, fields, field) in cases {
                let (headers, body) = browser.form(fields)
                try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(path) \(field) got \(response.status)")
                    let html = response.body.string
                    let hasMessage = html.contains(#"id="\#(field)-error""#)
                    let marksField = html.contains(#"aria-invalid="true""#)
                    #expect(hasMessage, "\(path): no inline message beside \(field)")
                    #expect(marksField, "\(path): \(field) not marked invalid")
                }
            }
            #expect(try await rowCounts(practice.app) == before)
        }
    }

    /// Plot writes attribute values as given: what someone typed, sent back in a refused form or a query, must not
    /// end its attribute and become markup.
    @Test func whatSomeoneTypedComesBackInsideItsAttributeNeverAsMarkup() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let typed = #"Ann "O'Neil"><b id="injected">&lt;"#
            let escaped = #"Ann &quot;O&#39;Neil&quot;&gt;&lt;b id=&quot;injected&quot;&gt;&amp;lt;"#
            for (browser, path) in [(therapist, "/clients/invitations"), (owner, "/practice/invitations")] {
                let (headers, body) = browser.form(["name": typed, "email": "not an email"])
                try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity)
                    let html = response.body.string
                    #expect(!html.contains(#"<b id="injected">"#), "\(path)")
                    #expect(html.contains(#"value="\#(escaped)""#), "\(path)")
                }
            }
            let query = #"2026-01-01"><b id="injected">"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            try await practice.app.testing().test(.GET, "/practice/outcomes?from=\(query)", headers: owner.headers) { response in
                #expect(response.status == .unprocessableEntity || response.status == .badRequest)
                #expect(!response.body.string.contains(#"<b id="injected">"#))
            }
        }
    }

    @Test func everyEndpointRefusesBadInputWithProblemDetailsAndChangesNothing() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let owner = try await practice.signIn(cast.owner, kind: .api)
            let therapist = try await practice.signIn(cast.own, kind: .api)
            let invitation = try await practice.people.inviteClient(by: cast.own.actor, name: "New Person", email: "new@example.org")
            let notes = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())"
            let cases: [(String?, String, String, UInt)] = [
                (nil, "/api/v1/setup", #"{"token":"nope","practice_name":"P","name":"A","email":"a@example.org","password":"long enough password"}"#, 404),
                (nil, "/api/v1/setup", #"{"token":"nope"}"#, 400),
                (nil, "/api/v1/sessions", #"{"email":"x@example.org"}"#, 400),
                (nil, "/api/v1/sessions", #"not json"#, 400),
                (nil, "/api/v1/sessions", #"{"email":"\#(cast.owner.email)","password":"wrong password"}"#, 401),
                (owner, "/api/v1/invitations/therapists", #"{"name":"","email":"t@example.org"}"#, 422),
                (owner, "/api/v1/invitations/therapists", #"{"name":"T","email":42}"#, 400),
                (therapist, "/api/v1/clients", #"{"name":"C","email":"bad"}"#, 422),
                (therapist, "/api/v1/clients", #"{"name":"a\#(String(repeating: "\u{0301}", count: 100_000))","email":"c@example.org"}"#, 422),
                (nil, "/api/v1/invitations/\(invitation.token)/accept", #"{"password":"short"}"#, 422),
                (nil, "/api/v1/invitations/unknown-token/accept", #"{"password":"long enough password"}"#, 404),
                (therapist, "\(notes)/progress-notes", #"{"body":"  "}"#, 422),
                (therapist, "\(notes)/progress-notes", #"{"text":"wrong field"}"#, 400),
                (therapist, "\(notes)/psychotherapy-notes", #"[]"#, 400),
            ]
            let before = try await rowCounts(practice.app)
            for (token, path, json, status) in cases {
                try await practice.app.testing().test(.POST, path, headers: .json(bearer: token), body: ByteBuffer(string: json)) { response in
                    #expect(response.status.code == status, "\(path) \(json) got \(response.status.code)")
                    #expect(response.headers.first(name: .contentType) == "application/problem+json")
                    let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                    #expect(problem.status == Int(status))
                    #expect(!problem.detail.isEmpty)
                }
            }
            // A body that isn't JSON at all, by content type.
            var formHeaders = HTTPHeaders.json(bearer: therapist)
            formHeaders.contentType = .plainText
            try await practice.app.testing().test(.POST, "\(notes)/progress-notes", headers: formHeaders, body: ByteBuffer(string: "hello")) { response in
                #expect(response.status == .badRequest)
            }
            #expect(try await rowCounts(practice.app) == before)
        }
    }

    /// Who has an account stays secret, across practices too: practice B invites an address that is a client of
    /// practice A and one that is new, and both invitations are accepted in exactly the same way. The address then
    /// has two accounts, each with its own password, practice and keys, and each password signs in to its own.
    @Test func anAddressWithAnAccountElsewhereIsAcceptedExactlyLikeANewOne() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let practiceB = try await practice.signIn(cast.otherTherapist, kind: .api)
            let fresh = "someone-new@example.org"
            var answers: [(status: UInt, keys: [String], role: String?, practiceID: String?)] = []
            for email in [cast.client.email, fresh] {
                var link = ""
                try await practice.app.testing().test(.POST, "/api/v1/clients", headers: .json(bearer: practiceB),
                                                      body: ByteBuffer(string: #"{"name":"Someone","email":"\#(email)"}"#)) { response in
                    #expect(response.status == .created)
                    link = (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["invitation_link"] as? String ?? ""
                }
                let token = String(link.split(separator: "/").last ?? "")
                try await practice.app.testing().test(.POST, "/api/v1/invitations/\(token)/accept", headers: .json(),
                                                      body: ByteBuffer(string: #"{"password":"practice b password"}"#)) { response in
                    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
                    answers.append((response.status.code, object.keys.sorted(), object["role"] as? String, object["practice_id"] as? String))
                }
            }
            #expect(answers.count == 2)
            #expect(answers[0].status == 201 && answers[1].status == 201, "\(answers)")
            #expect(answers[0].keys == answers[1].keys)
            #expect(answers[0].role == "client" && answers[1].role == "client")
            #expect(answers[0].practiceID?.lowercased() == cast.otherOwner.user.practiceID.uuidString.lowercased())

            // Each password opens its own account, in its own practice.
            for (password, practiceID) in [(TestPractice.password, cast.owner.user.practiceID), ("practice b password", cast.otherOwner.user.practiceID)] {
                try await practice.app.testing().test(.POST, "/api/v1/sessions", headers: .json(),
                                                      body: ByteBuffer(string: #"{"email":"\#(cast.client.email)","password":"\#(password)"}"#)) { response in
                    #expect(response.status == .created)
                    let user = (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["user"] as? [String: Any]
                    #expect((user?["practice_id"] as? String)?.lowercased() == practiceID.uuidString.lowercased())
                }
            }
            let accounts = try await UserRow.query(on: practice.app.db).filter(\.$emailIndex == cast.client.user.emailIndex).all()
            #expect(Set(accounts.map(\.practiceID)) == [cast.owner.user.practiceID, cast.otherOwner.user.practiceID])

            // The same address with the same password as an existing account is the one thing refused: only someone
            // who already knows that account's password learns anything from it.
            let again = try await practice.people.inviteClient(by: cast.otherTherapist.actor, name: "Someone", email: cast.client.email)
            let before = try await rowCounts(practice.app)
            let (headers, body) = Browser().form(["password": TestPractice.password, "password_confirmation": TestPractice.password])
            try await practice.app.testing().test(.POST, "/invitations/\(again.token)", headers: headers, body: body) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("You already use this password with this email address"))
            }
            #expect(try await rowCounts(practice.app) == before)
        }
    }

    @Test func invitationsWorkOnceAndExpire() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let used = try await practice.people.inviteClient(by: therapist.actor, name: "One", email: "one@example.org")
            let stale = try await practice.people.inviteClient(by: therapist.actor, name: "Two", email: "two@example.org")
            let body = ByteBuffer(string: #"{"password":"a long enough password"}"#)
            try await practice.app.testing().test(.POST, "/api/v1/invitations/\(used.token)/accept", headers: .json(), body: body) {
                #expect($0.status == .created)
            }
            try await practice.app.testing().test(.POST, "/api/v1/invitations/\(used.token)/accept", headers: .json(), body: body) {
                #expect($0.status == .gone)
            }
            practice.clock.advance(by: 8 * 86400)
            try await practice.app.testing().test(.GET, "/invitations/\(stale.token)", headers: Browser().headers) { response in
                #expect(response.status == .gone)
                #expect(response.body.string.contains("expired"))
            }
        }
    }
}

@Suite struct APITests {
    @Test func openAPIDocumentDescribesExactlyTheAPIRoutes() async throws {
        try await TestPractice.run { practice in
            var document: [String: Any] = [:]
            try await practice.app.testing().test(.GET, "/api/v1/openapi.json") { response in
                #expect(response.status == .ok)
                document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            }
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let routed = Set(practice.app.routes.all.filter { $0.path.first?.description == "api" }.map { route in
                let rest = route.path.dropFirst(2).map { component -> String in
                    let text = component.description
                    return text.hasPrefix(":") ? "{\(text.dropFirst())}" : text
                }
                return "\(route.method.rawValue) /\(rest.joined(separator: "/"))"
            })
            // A measure's score and change are documented once per measure (each takes its own answers), at paths that
            // are the routed `{instrumentID}` paths with the id filled in.
            let instrumentIDs = InstrumentCatalogue.shipped.map(\.id)
            var matched = Set<String>()
            for operation in documented {
                let candidates = instrumentIDs.map { operation.replacingOccurrences(of: "/instruments/\($0)/", with: "/instruments/{instrumentID}/") }
                let route = routed.contains(operation) ? operation : candidates.first(where: routed.contains)
                #expect(route != nil, "documented but not routed: \(operation)")
                if let route { matched.insert(route) }
            }
            #expect(matched == routed, "routed but not documented: \(routed.subtracting(matched))")
        }
    }

    @Test func signInWithTheSecondFactorAndWriteAndReadNotes() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            // Staff without an authenticator must set it up in the browser first.
            let body = ByteBuffer(string: #"{"email":"\#(cast.own.email)","password":"\#(cast.own.password)"}"#)
            try await practice.app.testing().test(.POST, "/api/v1/sessions", headers: .json(), body: body) { #expect($0.status == .conflict) }

            let token = try await practice.signIn(cast.own, kind: .api)
            let base = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())"
            var noteID = ""
            try await practice.app.testing().test(.POST, "\(base)/psychotherapy-notes", headers: .json(bearer: token),
                                                  body: ByteBuffer(string: #"{"body":"only for me"}"#)) { response in
                #expect(response.status == .created)
                let note = try JSONDecoder().decode([String: String].self, from: Data(buffer: response.body))
                #expect(note["body"] == "only for me")
                #expect(note["kind"] == "psychotherapy")
                noteID = note["id"] ?? ""
            }
            try await practice.app.testing().test(.GET, "\(base)/psychotherapy-notes/\(noteID.lowercased())", headers: .bearer(token)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("only for me"))
            }
            // A colleague added to the same care team still cannot read it: psychotherapy notes are for their author.
            let member = CareTeamMemberRow()
            member.clientID = cast.clientID
            member.therapistID = cast.colleague.id
            member.createdAt = Date()
            try await member.create(on: practice.app.db)
            let colleague = try await practice.signIn(cast.colleague, kind: .api)
            try await practice.app.testing().test(.GET, "\(base)/psychotherapy-notes/\(noteID.lowercased())", headers: .bearer(colleague)) {
                #expect($0.status == .notFound)
            }
            try await practice.app.testing().test(.GET, "\(base)/psychotherapy-notes", headers: .bearer(colleague)) { response in
                #expect(response.status == .ok)
                #expect(!response.body.string.contains("only for me"))
            }
            try await practice.app.testing().test(.GET, "\(base)/progress-notes", headers: .bearer(colleague)) { #expect($0.status == .ok) }
        }
    }
}

@Suite struct PageTests {
    @Test func pagesCarryTheSecurityHeadersAndNoInlineScriptOrStyle() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            let pages: [(Browser, String)] = [
                (Browser(), "/signin"), (owner, "/practice"), (therapist, "/clients"),
                (therapist, "/clients/\(cast.clientID.uuidString.lowercased())"), (client, "/me"), (Browser(), "/nowhere"),
            ]
            for (browser, path) in pages {
                try await practice.app.testing().test(.GET, path, headers: browser.headers) { response in
                    let csp = response.headers.first(name: "Content-Security-Policy") ?? ""
                    #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "\(path)")
                    #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                    #expect(response.headers.first(name: "Referrer-Policy") == "no-referrer")
                    let html = response.body.string
                    #expect(html.contains("<main"), "\(path) is a page")
                    // The one script is first-party, by address, on pages with a link to copy; never inline, never elsewhere.
                    let scripts = html.components(separatedBy: "<script").dropFirst()
                    #expect(scripts.allSatisfy { $0.hasPrefix(#" src="/assets/copy.js"></script>"#) }, "\(path) has a script of its own")
                    #expect(scripts.isEmpty || ["/practice", "/clients"].contains(path), "\(path) loads a script it doesn't need")
                    #expect(!html.contains(" style="), "\(path) has an inline style")
                    #expect(!html.contains("http://") && !html.contains("https://") || path.hasPrefix("/practice"),
                            "\(path) links off-site")
                }
            }
        }
    }

    @Test func theClientNeverSeesNotesAndTheRecordShowsThemToTheTherapist() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            try await practice.app.testing().test(.GET, "/me", headers: Browser(sessionToken: try await practice.signIn(cast.client)).headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Welcome, Cleo"))
                // The cast's notes read "progress" and "private": neither is on the client's page as a note.
                #expect(!response.body.string.contains("note-body") && !response.body.string.contains(">private<")
                        && !response.body.string.contains(">progress<"))
            }
            try await practice.app.testing().test(.GET, "/clients/\(cast.clientID.uuidString.lowercased())",
                                                  headers: Browser(sessionToken: try await practice.signIn(cast.own)).headers) { response in
                #expect(response.body.string.contains("Cleo Client"))
                #expect(response.body.string.contains(#"<p class="note-body">progress</p>"#))
                #expect(response.body.string.contains(#"<p class="note-body">private</p>"#))
            }
        }
    }
}

@Suite struct AtRestTests {
    /// Reads every column of every table back as raw bytes and text: no name, email, note or place may be there in clear.
    @Test func namesEmailsAndNotesAreOnlyStoredAsEnvelopes() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let marker = "MARKER-\(UUID().uuidString)"
            let token = try await practice.signIn(cast.own, kind: .api)
            try await practice.app.testing().test(.POST, "/api/v1/clients/\(cast.clientID.uuidString.lowercased())/progress-notes",
                                                  headers: .json(bearer: token), body: ByteBuffer(string: #"{"body":"\#(marker)"}"#)) {
                #expect($0.status == .created)
            }
            let place = "PLACE-\(UUID().uuidString)"
            let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86400))
            try await practice.app.testing().test(.POST, "/api/v1/clients/\(cast.clientID.uuidString.lowercased())/appointments",
                                                  headers: .json(bearer: token),
                                                  body: ByteBuffer(string: #"{"starts_at":"\#(start)","duration_minutes":50,"location":"\#(place)"}"#)) {
                #expect($0.status == .created)
            }
            let sql = practice.app.db as! any SQLDatabase
            // Every table there is, read from the database itself: a table added later is covered the day it is made.
            let listing: SQLQueryString = practice.configuration.database.isSQLite
                ? "SELECT name AS table_name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT table_name::text AS table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            let tables = try await sql.raw(listing).all().map { try $0.decode(column: "table_name", as: String.self) }
            #expect(Set(tables).isSuperset(of: ["practices", "practice_keys", "users", "clients", "client_keys", "care_team_members",
                                                "invitations", "setup_tokens", "sign_ins", "progress_notes", "psychotherapy_notes",
                                                "audit_entries", "audit_head", "appointments", "check_ins", "risk_alerts"]), "\(tables)")
            var haystack = Data()
            for table in tables {
                for row in try await sql.raw("SELECT * FROM \(ident: table)").all() {
                    for column in row.allColumns {
                        if let data = try? row.decode(column: column, as: Data.self) { haystack.append(data) }
                        if let text = try? row.decode(column: column, as: String.self) { haystack.append(Data(text.utf8)) }
                    }
                }
            }
            #expect(haystack.count > 1000)
            for secret in [marker, place, "Cleo Client", "Cleo", cast.client.email, cast.own.email, cast.owner.email, "Practice A", "Theo Therapist"] {
                #expect(haystack.range(of: Data(secret.utf8)) == nil, "\(secret) is stored in clear")
                #expect(haystack.range(of: Data(secret.lowercased().utf8)) == nil, "\(secret) is stored in clear")
            }
            // The search works: the role names, stored in clear on purpose, are found.
            #expect(haystack.range(of: Data("therapist".utf8)) != nil)
        }
    }
}

@Suite struct CopyScriptTests {
    /// The copy script is served first-party, with its type, and only adds buttons the pages hide without it.
    @Test func theCopyScriptIsServedFirstPartyAndTheButtonsAreHiddenWithoutIt() async throws {
        try await TestPractice.run { practice in
            try await practice.app.testing().test(.GET, "/assets/copy.js") { response in
                #expect(response.status == .ok)
                #expect(response.headers.contentType?.subType == "javascript")
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("default-src 'self'") == true)
                let source = response.body.string
                #expect(source.contains("data-copy-target") && !source.contains("http"), "copies, and sends nothing anywhere")
            }
            let cast = try await Cast.assemble(practice)
            _ = try await practice.people.inviteClient(by: cast.own.actor, name: "Nadia Waiting", email: "nadia@example.org")
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            try await practice.app.testing().test(.GET, "/clients", headers: therapist.headers) { response in
                let html = response.body.string
                #expect(html.contains(#"<button type="button" class="secondary-button" hidden="hidden" data-copy-target="link-"#))
                #expect(html.contains(#"<script src="/assets/copy.js"></script>"#))
            }
        }
    }
}
