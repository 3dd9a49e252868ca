import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Reaching out (issue 11, point 1): the public page and its small version, what it accepts and refuses, the inbox,
/// turning an enquiry into an invitation in one step, and erasing what is past its time.
@Suite struct ReachOutTests {
    static let marker = "sleepless-\(UUID().uuidString.prefix(6))"

    static func form(_ fields: [String: String]) -> (HTTPHeaders, ByteBuffer) {
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return (headers, ByteBuffer(string: body))
    }

    static let valid = ["message": "I haven't slept properly in weeks \(marker)", "route": "email", "contact": "ash@example.org", "name": "Ash"]

    /// A practice with its page at /reach-out/harbour (and, when given, the one site allowed to frame it).
    static func setUp(_ practice: TestPractice, origin: String = "", retention: String = "90") async throws -> (owner: TestPractice.Person, therapist: TestPractice.Person) {
        let owner = try await practice.newPractice()
        let therapist = try await practice.newTherapist(in: owner)
        try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
            try await Enquiries.savePage(slug: "harbour", frameOrigin: origin, retentionDays: retention, by: owner.actor, now: Date(), on: db)
        }
        return (owner, therapist)
    }

    @Test func thePublicPageTakesAnEnquirySealsItAndSaysWhatHappensNext() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            _ = try await Self.setUp(practice)
            for path in ["/reach-out/harbour", "/reach-out/harbour/embed"] {
                try await app.testing().test(.GET, path) { response in
                    #expect(response.status == .ok)
                    let html = response.body.string
                    #expect(html.contains("What would you like us to know?") && html.contains("id=\"crisis-resources\""))
                    #expect(html.contains("This is not for emergencies"))
                    #expect(html.contains("name=\"website\""), "the honeypot")
                    #expect(response.headers[.setCookie].isEmpty, "no cookies")
                    #expect(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true,
                            "no site may frame it until the owner names one")
                    #expect(!html.contains("<script"))
                }
            }
            try await app.testing().test(.GET, "/reach-out/nobody-here") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/reach-out/BAD%20SLUG") { #expect($0.status == .notFound) }

            let (headers, body) = Self.form(Self.valid)
            try await app.testing().test(.POST, "/reach-out/harbour", headers: headers, body: body) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("Thank you for reaching out") && html.contains("by email within 2 working days"))
                #expect(html.contains("id=\"crisis-resources\""))
                #expect(response.headers[.setCookie].isEmpty)
            }
            let row = try #require(try await EnquiryRow.query(on: app.db).first())
            #expect(row.status == "new" && row.clientID == nil)
            #expect(row.enquiryEnvelope.range(of: Data(Self.marker.utf8)) == nil, "sealed")
            #expect(row.enquiryEnvelope.range(of: Data("ash@example.org".utf8)) == nil, "the address sealed too")
        }
    }

    @Test func onlyTheNamedSiteMayFrameTheSmallVersion() async throws {
        try await TestPractice.run { practice in
            _ = try await Self.setUp(practice, origin: "https://www.harbourstreet.example/")
            try await practice.app.testing().test(.GET, "/reach-out/harbour/embed") { response in
                #expect(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors https://www.harbourstreet.example;") == true)
                #expect(response.headers.first(name: "X-Frame-Options") == nil)
                #expect(response.headers.first(name: SecurityHeadersMiddleware.frameAncestorsHeader) == nil, "the marker never leaves")
                #expect(!response.body.string.contains("class=\"top\""), "no header or navigation in the small version")
            }
            // The full page, and every other page, stay unframeable.
            for path in ["/reach-out/harbour", "/signin"] {
                try await practice.app.testing().test(.GET, path) { response in
                    #expect(response.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true, "\(path)")
                    #expect(response.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                }
            }
        }
    }

    @Test func badEnquiriesAreExplainedAndNothingIsKept() async throws {
        try await TestPractice.run { practice in
            _ = try await Self.setUp(practice)
            let cases: [([String: String], String)] = [
                (["message": "  ", "route": "email", "contact": "a@example.org"], "Write a few words"),
                (["message": "hi", "route": "pigeon", "contact": "a@example.org"], "Choose how you'd like us to contact you"),
                (["message": "hi", "route": "email", "contact": "not-an-address"], "doesn't look like an email address"),
                (["message": "hi", "route": "phone", "contact": "call me maybe"], "doesn't look like a phone number"),
                (["message": "hi", "route": "text", "contact": "12"], "doesn't look like a phone number"),
                (["message": String(repeating: "m", count: EnquiryRules.maximumMessageLength + 1), "route": "email", "contact": "a@example.org"],
                 "under 3000 characters"),
                (["message": "hi", "route": "email", "contact": "a@example.org", "name": String(repeating: "n", count: 201)], "under 200 characters"),
            ]
            for (fields, words) in cases {
                let (headers, body) = Self.form(fields)
                try await practice.app.testing().test(.POST, "/reach-out/harbour", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(fields.keys.sorted())")
                    #expect(response.body.string.contains(words), "\(words)")
                }
            }
            #expect(try await EnquiryRow.query(on: practice.app.db).count() == 0)
        }
    }

    @Test func aRobotIsThankedAndABurstIsAskedToWaitWithItsWordsKept() async throws {
        try await TestPractice.run { practice in
            _ = try await Self.setUp(practice)
            var robot = Self.valid
            robot["website"] = "http://spam.example"
            let (robotHeaders, robotBody) = Self.form(robot)
            try await practice.app.testing().test(.POST, "/reach-out/harbour", headers: robotHeaders, body: robotBody) { response in
                #expect(response.status == .ok && response.body.string.contains("Thank you for reaching out"))
            }
            #expect(try await EnquiryRow.query(on: practice.app.db).count() == 0, "the honeypot keeps nothing")
            // The robot's one counted; four more go through, the next is asked to wait with its words in the form.
            for index in 0..<4 {
                var fields = Self.valid
                fields["message"] = "Message \(index) of a burst"
                let (headers, body) = Self.form(fields)
                try await practice.app.testing().test(.POST, "/reach-out/harbour/embed", headers: headers, body: body) { response in
                    #expect(response.status == .ok, "\(index)")
                }
            }
            var last = Self.valid
            last["message"] = "The one too many, kept in the form"
            let (headers, body) = Self.form(last)
            try await practice.app.testing().test(.POST, "/reach-out/harbour", headers: headers, body: body) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.body.string.contains("we have every one of them"))
                #expect(response.body.string.contains("The one too many, kept in the form"))
            }
            #expect(try await EnquiryRow.query(on: practice.app.db).count() == 4)
            // An hour on, the address may write again.
            practice.clock.advance(by: EnquiryRules.burstWindow + 1)
            try await practice.app.testing().test(.POST, "/reach-out/harbour", headers: headers, body: body) { response in
                #expect(response.status == .ok)
            }
            #expect(try await EnquiryRow.query(on: practice.app.db).count() == 5)
        }
    }

    @Test func theStaffReadTheInboxAndTurnAnEnquiryIntoAnInvitation() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            let (owner, therapist) = try await Self.setUp(practice)
            let (headers, body) = Self.form(Self.valid)
            try await app.testing().test(.POST, "/reach-out/harbour", headers: headers, body: body) { #expect($0.status == .ok) }
            let enquiry = try #require(try await EnquiryRow.query(on: app.db).first())
            let id = try enquiry.requireID().uuidString.lowercased()

            let ownerBrowser = Browser(sessionToken: try await practice.signIn(owner))
            let before = try await practice.auditCount()
            try await app.testing().test(.GET, "/enquiries", headers: ownerBrowser.headers) { response in
                let html = response.body.string
                #expect(response.status == .ok && html.contains(Self.marker) && html.contains("mailto:ash@example.org"))
                #expect(!html.contains("Turn into a client invitation"), "an owner without a caseload invites nobody")
                #expect(html.contains("reach-out-settings"))
            }
            #expect(try await practice.auditCount() == before + 1, "reading the inbox is recorded")
            let entry = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.viewEnquiries.rawValue && entry.resourceType == "enquiry")

            // Another practice sees none of it and can't touch it; a client can't open the inbox.
            let other = try await practice.newPractice("Elsewhere")
            let otherBrowser = Browser(sessionToken: try await practice.signIn(other))
            try await app.testing().test(.GET, "/enquiries", headers: otherBrowser.headers) { response in
                #expect(!response.body.string.contains(Self.marker))
            }
            let (otherHeaders, otherBody) = otherBrowser.form(["handled": "yes"])
            try await app.testing().test(.POST, "/enquiries/\(id)/handled", headers: otherHeaders, body: otherBody) { #expect($0.status == .notFound) }
            let client = try await practice.newClient(of: therapist)
            try await app.testing().test(.GET, "/enquiries", headers: Browser(sessionToken: try await practice.signIn(client)).headers) { response in
                #expect(response.status == .forbidden)
            }

            // Answered by email: one outbox row naming the enquiry, the enquiry handled; the email says only that it was read.
            let (replyHeaders, replyBody) = ownerBrowser.form([:])
            try await app.testing().test(.POST, "/enquiries/\(id)/reply", headers: replyHeaders, body: replyBody) { #expect($0.status == .seeOther) }
            let reply = try #require(try await NotificationRow.query(on: app.db).filter(\.$kind == EmailOutbox.enquiryReplyKind).first())
            #expect(reply.enquiryID == enquiry.id && reply.recipientID == nil)
            #expect(try await EnquiryRow.find(enquiry.id, on: app.db)?.status == "handled")
            let settings = SMTPSettings(host: "localhost", port: 2525, security: .none, username: nil, password: nil, from: "rapport@practice.example")
            let email = try await EmailOutbox.compose(reply, settings: settings, services: app.rapport, on: app.db).get()
            #expect(email.to == "ash@example.org" && email.subject == "Your message has been read")
            #expect(!email.body.contains(Self.marker) && !email.body.contains("Ash"))
            let (newHeaders, newBody) = ownerBrowser.form(["handled": "no"])
            try await app.testing().test(.POST, "/enquiries/\(id)/handled", headers: newHeaders, body: newBody) { #expect($0.status == .seeOther) }

            // Marked handled by the owner, then turned into an invitation by the therapist.
            let (handledHeaders, handledBody) = ownerBrowser.form(["handled": "yes"])
            try await app.testing().test(.POST, "/enquiries/\(id)/handled", headers: handledHeaders, body: handledBody) { #expect($0.status == .seeOther) }
            #expect(try await EnquiryRow.find(enquiry.id, on: app.db)?.status == "handled")
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let (badHeaders, badBody) = therapistBrowser.form(["name": "Ash", "email": "nope"])
            try await app.testing().test(.POST, "/enquiries/\(id)/invite", headers: badHeaders, body: badBody) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("id=\"invite-\(id)-opener\" open"))
            }
            let clientsBefore = try await ClientRow.query(on: app.db).count()
            #expect(try await EnquiryRow.find(enquiry.id, on: app.db)?.clientID == nil, "nothing half-made")
            let (inviteHeaders, inviteBody) = therapistBrowser.form(["name": "Ash Fenwick", "email": "ash@example.org"])
            try await app.testing().test(.POST, "/enquiries/\(id)/invite", headers: inviteHeaders, body: inviteBody) { response in
                #expect(response.status == .ok && response.body.string.contains("/invitations/"))
            }
            #expect(try await ClientRow.query(on: app.db).count() == clientsBefore + 1)
            let attached = try #require(try await EnquiryRow.find(enquiry.id, on: app.db))
            #expect(attached.status == "invited" && attached.clientID != nil && attached.enquiryEnvelope != enquiry.enquiryEnvelope)
            #expect(try await CareTeamMemberRow.query(on: app.db).filter(\.$clientID == attached.clientID!).first()?.therapistID == therapist.id)
            try await app.testing().test(.GET, "/enquiries", headers: ownerBrowser.headers) { response in
                #expect(!response.body.string.contains(Self.marker), "now the client's: not the practice's to read")
                #expect(response.body.string.contains("turned into a client invitation"))
            }
            try await app.testing().test(.POST, "/enquiries/\(id)/invite", headers: inviteHeaders, body: inviteBody) { #expect($0.status == .notFound) }
        }
    }

    @Test func enquiriesPastTheirTimeAreErased() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            let (owner, therapist) = try await Self.setUp(practice, retention: "30")
            _ = try await practice.newClient(of: therapist)
            let services = app.rapport
            let enquiry = Enquiry(message: "hello", name: nil, route: .phone, contact: "07700 900123")
            var ids: [UUID] = []
            for _ in 0..<3 {
                ids.append(try await services.transactions.run(on: app.db) { db in
                    try await Enquiries.receive(enquiry, practiceID: owner.user.practiceID, services: services, on: db)
                })
            }
            let sql = try HotPaths.sql(app.db)
            func age(_ id: UUID, days: Double) async throws {
                try await sql.raw("UPDATE \"enquiries\" SET \"received_at\" = \(bind: Date().addingTimeInterval(-days * 86_400)) WHERE \"id\" = \(bind: id)").run()
            }
            try await age(ids[0], days: 31)
            try await age(ids[1], days: 29)
            try await age(ids[2], days: 400)
            try await sql.raw("UPDATE \"enquiries\" SET \"status\" = 'invited', \"client_id\" = (SELECT \"id\" FROM \"clients\" LIMIT 1) WHERE \"id\" = \(bind: ids[2])").run()
            let erased = try await Enquiries.eraseExpired(now: Date(), on: app.db)
            let left = Set(try await EnquiryRow.query(on: app.db).all().compactMap(\.id))
            #expect(!left.contains(ids[0]) && left.contains(ids[1]), "past 30 days erased, within kept")
            #expect(left.contains(ids[2]), "one that became a client is kept")
            #expect(erased == 1)
        }
    }

    @Test func theOwnerSetsThePageAndItsAddressIsChecked() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            _ = try await Self.setUp(practice)
            let owner = try await practice.newPractice("Second")
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            let cases: [([String: String], String)] = [
                (["slug": "harbour", "frame_origin": "", "retention_days": "90"], "Another practice has that address"),
                (["slug": "No Spaces", "frame_origin": "", "retention_days": "90"], "lower-case letters"),
                (["slug": "second", "frame_origin": "https://*.example.org", "retention_days": "90"], "origin only"),
                (["slug": "second", "frame_origin": "https://site.example/path", "retention_days": "90"], "origin only"),
                (["slug": "second", "frame_origin": "", "retention_days": "3"], "from 7 to 730 days"),
                (["slug": "second", "frame_origin": "", "retention_days": "99999999999999999999"], "from 7 to 730 days"),
            ]
            for (fields, words) in cases {
                let (headers, body) = browser.form(fields)
                try await app.testing().test(.POST, "/enquiries/settings", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(fields)")
                    #expect(response.body.string.contains(words), "\(words)")
                }
            }
            #expect(try await ReachOutPageRow.find(owner.user.practiceID, on: app.db) == nil)
            let (headers, body) = browser.form(["slug": "second", "frame_origin": "http://localhost:8000", "retention_days": "60"])
            try await app.testing().test(.POST, "/enquiries/settings", headers: headers, body: body) { #expect($0.status == .seeOther) }
            let saved = try #require(try await ReachOutPageRow.find(owner.user.practiceID, on: app.db))
            #expect(saved.slug == "second" && saved.frameOrigin == "http://localhost:8000" && saved.retentionDays == 60)
            let therapist = try await practice.newTherapist(in: owner)
            let (theirHeaders, theirBody) = Browser(sessionToken: try await practice.signIn(therapist)).form(["slug": "third", "retention_days": "90"])
            try await app.testing().test(.POST, "/enquiries/settings", headers: theirHeaders, body: theirBody) { #expect($0.status == .forbidden) }
        }
    }
}
