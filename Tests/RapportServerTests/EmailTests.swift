import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting
import NIOCore
import NIOPosix

/// Email from the outbox (issue 11, point 3): what each email may say, the settings it needs, the waits between
/// tries, and the outbox's bookkeeping (claims, outcomes, giving up, sending again). The conversation with a real SMTP
/// server is the browser suite's `test_email.py` (aiosmtpd: STARTTLS, a password, a refusal, a server down).
@Suite struct EmailTests {
    static let settings = SMTPSettings(host: "localhost", port: 2525, security: .none, username: nil, password: nil,
                                       from: "rapport@practice.example")

    @Test func noEmailCarriesAClinicalWordOrAName() {
        var texts = ["new-message", "risk-alert", "safety-plan", "practice", "anything-else"].map {
            EmailTexts.notification(kind: $0, signInURL: "https://rapport.example/signin")
        }
        texts.append(EmailTexts.invitation(link: "https://rapport.example/invitations/abc", until: "11 Dec 2026 at 10:00 AM"))
        texts.append(EmailTexts.enquiryReply)
        for text in texts {
            let words = (text.subject + "\n" + text.body).lowercased()
            for word in EmailTexts.forbiddenWords { #expect(!words.contains(word), "\(text.subject) carries \(word)") }
            // Someone who wrote from the public page has never heard of Rapport: their reply needn't name it.
            #expect(words.contains("rapport") || text == EmailTexts.enquiryReply)
        }
        #expect(EmailTexts.notification(kind: "new-message", signInURL: "x").subject == "You have a new message in Rapport")
    }

    @Test func aMessageIsWrittenAsSMTPCarriesIt() {
        let email = OutgoingEmail(from: "rapport@practice.example", to: "sam@example.org", subject: "You have a new message in Rapport",
                                  body: "First line\n.a line that starts with a dot\r\nlast", messageID: "id@practice.example",
                                  date: Date(timeIntervalSince1970: 1_796_126_400))
        let wire = email.wire
        #expect(wire.hasSuffix("last\r\n"))
        #expect(wire.contains("\r\n\r\nFirst line\r\n..a line that starts with a dot\r\nlast"))
        #expect(wire.contains("Date: Tue, 01 Dec 2026 12:00:00 +0000\r\n"))
        #expect(!wire.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends CRLF")
    }

    @Test(arguments: [
        ("sam@example.org", true), ("sam@example.org\r\nBcc: eve@example.org", false), ("<sam@example.org>", false),
        ("sam example@example.org", false), ("no-at-sign", false), ("two@at@signs", false), ("", false),
    ])
    func onlyOnePlainAddressGoesInAHeader(address: String, plain: Bool) {
        #expect(SMTPSettings.isPlainAddress(address) == plain)
    }

    @Test func settingsComeFromTheEnvironmentAndAreChecked() throws {
        #expect(try RapportConfiguration.smtpSettings([:]) == nil, "no host: email isn't set up")
        let plain = try #require(try RapportConfiguration.smtpSettings(["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example"]))
        #expect(plain.security == .startTLS && plain.port == 587 && plain.password == nil)
        let tls = try #require(try RapportConfiguration.smtpSettings(["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example",
                                                                      "RAPPORT_SMTP_SECURITY": "tls", "RAPPORT_SMTP_USER": "u",
                                                                      "RAPPORT_SMTP_PASSWORD": "p"]))
        #expect(tls.port == 465 && tls.username == "u" && tls.password == "p")
        let relay = try #require(try RapportConfiguration.smtpSettings(["RAPPORT_SMTP_HOST": "127.0.0.1", "RAPPORT_SMTP_FROM": "r@p.example",
                                                                        "RAPPORT_SMTP_STARTTLS": "false"]))
        #expect(relay.security == .none && relay.port == 25)
        let refused: [[String: String]] = [
            ["RAPPORT_SMTP_HOST": "mail.example"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "not an address"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example", "RAPPORT_SMTP_PORT": "70000"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example", "RAPPORT_SMTP_PORT": "99999999999999999999"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example", "RAPPORT_SMTP_SECURITY": "maybe"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example", "RAPPORT_SMTP_SECURITY": "none",
             "RAPPORT_SMTP_USER": "u", "RAPPORT_SMTP_PASSWORD": "p"],
            ["RAPPORT_SMTP_HOST": "mail.example", "RAPPORT_SMTP_FROM": "r@p.example", "RAPPORT_SMTP_USER": "u"],
        ]
        for environment in refused {
            #expect(throws: ConfigurationError.self, "\(environment)") { try RapportConfiguration.smtpSettings(environment) }
        }
        // And through the whole configuration, with the tries' settings range-checked.
        #expect(throws: ConfigurationError.self) { try RapportConfiguration.fromEnvironment(["RAPPORT_EMAIL_ATTEMPTS": "0"]) }
        #expect(throws: ConfigurationError.self) { try RapportConfiguration.fromEnvironment(["RAPPORT_EMAIL_RETRY_SECONDS": "1e300"]) }
        #expect(try RapportConfiguration.fromEnvironment([:]).emailAttempts == 10)
    }

    @Test func triesWaitLongerEachTimeThenStop() {
        let now = Date(timeIntervalSince1970: 0)
        let waits = (1...6).map { EmailOutbox.nextTry(after: $0, base: 60, limit: 6, now: now)?.timeIntervalSince(now) }
        #expect(waits == [60, 120, 240, 480, 960, nil])
        #expect(EmailOutbox.nextTry(after: 40, base: 60, limit: 50, now: now)?.timeIntervalSince(now) == 86_400, "a day at most")
    }

    @Test func theSMTPRepliesAreReadWithTheirKeywords() {
        let hello = SMTPReply(code: 250, lines: ["mail.example greets you", "8BITMIME", "STARTTLS", "AUTH LOGIN PLAIN", "SIZE 10000"])
        #expect(hello.extensions.contains("STARTTLS") && hello.authMethods == ["LOGIN", "PLAIN"])
        #expect(SMTPFailure.reply(550, at: "RCPT TO").kind == .refused)
        #expect(SMTPFailure.reply(451, at: "RCPT TO").kind == .temporary)
        #expect(SMTPFailure.reply(550, at: "RCPT TO").words == "the mail server answered 550 to RCPT TO")
    }

    /// The bookkeeping on a real outbox: an invitation's email is written with it and a new link replaces it; a row is
    /// claimed by one taker only; a failure waits, the last one is given up and kept; the owner sends it again.
    @Test func theOutboxKeepsEveryEmailUntilItGoes() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let people = practice.people
            _ = try await people.inviteClient(by: therapist.actor, name: "Robin Quill", email: "robin@example.org")
            let rows = try await NotificationRow.query(on: app.db).filter(\.$kind == EmailOutbox.invitationKind).all()
            // The therapist's own invitation (accepted) and the client's, each with its email.
            #expect(rows.count == 2 && rows.allSatisfy { $0.invitationID != nil && $0.recipientID == nil })
            let waiting = try #require(try await people.waitingInvitations(.clients(of: therapist.id, practiceID: owner.user.practiceID),
                                                                            on: app.db).first)
            _ = try await people.reissueInvitation(waiting.id, .clients(of: therapist.id, practiceID: owner.user.practiceID), by: therapist.actor)
            let forIt = try await NotificationRow.query(on: app.db).filter(\.$invitationID == waiting.id).sort(\.$createdAt).all()
            #expect(forIt.count == 2 && forIt.filter { $0.deliveredAt == nil }.count == 1, "a new link replaces the unsent email")

            let now = Date()
            let due = try await EmailOutbox.due(now: now, on: app.db)
            let pending = try #require(due.first { $0.invitationID == waiting.id })
            let id = try pending.requireID()
            #expect(try await EmailOutbox.claim(id, now: now, on: app.db))
            #expect(try await !EmailOutbox.claim(id, now: now, on: app.db), "held by the first taker")
            #expect(try await EmailOutbox.due(now: now, on: app.db).allSatisfy { $0.id != id })

            // What it becomes: the invited address and the working link, nothing of the name.
            let composed = try await EmailOutbox.compose(pending, settings: Self.settings, services: app.rapport, on: app.db)
            let email = try composed.get()
            #expect(email.to == "robin@example.org" && email.body.contains("/invitations/"))
            #expect(!email.body.contains("Robin") && !email.subject.contains("Robin"))

            try await EmailOutbox.record(.failed("could not connect to the mail server (connection refused)", next: now.addingTimeInterval(60)),
                                         for: id, now: now, on: app.db)
            var row = try #require(try await NotificationRow.find(id, on: app.db))
            #expect(row.attempts == 1 && row.failedAt == nil && row.claimedUntil == nil)
            #expect(try await EmailOutbox.due(now: now, on: app.db).allSatisfy { $0.id != id }, "waits for its next try")
            #expect(try await EmailOutbox.due(now: now.addingTimeInterval(61), on: app.db).contains { $0.id == id })
            try await EmailOutbox.record(.failed("the mail server answered 550 to RCPT TO", next: nil), for: id, now: now, on: app.db)
            row = try #require(try await NotificationRow.find(id, on: app.db))
            #expect(row.failedAt != nil && row.deliveredAt == nil, "given up, kept")
            let overview = try await EmailOutbox.overview(practiceID: owner.user.practiceID, now: now, on: app.db)
            #expect(overview.failures.map(\.id) == [id] && overview.failures.first?.reason == "the mail server answered 550 to RCPT TO")

            // Sending again: only the practice's own, only one given up.
            #expect(try await !EmailOutbox.retry(id, practiceID: UUID(), now: now, on: app.db))
            #expect(try await EmailOutbox.retry(id, practiceID: owner.user.practiceID, now: now, on: app.db))
            #expect(try await !EmailOutbox.retry(id, practiceID: owner.user.practiceID, now: now, on: app.db))
            #expect(try await EmailOutbox.due(now: now, on: app.db).contains { $0.id == id })
            try await EmailOutbox.record(.sent, for: id, now: now, on: app.db)
            row = try #require(try await NotificationRow.find(id, on: app.db))
            #expect(row.deliveredAt != nil && row.failedAt == nil && row.lastError == nil)

            // An accepted invitation's email is no longer needed: closed, not failed.
            let accepted = try #require(rows.first { $0.invitationID != waiting.id })
            let notNeeded = try await EmailOutbox.compose(accepted, settings: Self.settings, services: app.rapport, on: app.db)
            guard case .failure = notNeeded else { Issue.record("an accepted invitation's email should not be sent"); return }
        }
    }

    /// The owner's page: what waits, what didn't go, and "Send again"; nobody else's, nothing with an address.
    @Test func theOwnerSeesWhatWasNotDeliveredAndSendsItAgain() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let row = try #require(try await NotificationRow.query(on: app.db).filter(\.$invitationID != nil).first())
            let id = try row.requireID()
            try await EmailOutbox.record(.failed("the mail server answered 550 to RCPT TO", next: nil), for: id, now: Date(), on: app.db)
            let browser = Browser(sessionToken: try await practice.signIn(owner))
            try await app.testing().test(.GET, "/practice", headers: browser.headers) { response in
                #expect(response.body.string.contains("Email: 1 not delivered"))
            }
            try await app.testing().test(.GET, "/practice/email", headers: browser.headers) { response in
                let html = response.body.string
                #expect(html.contains("Email is not set up yet") && html.contains("The mail server answered 550 to RCPT TO."))
                #expect(html.contains("/practice/email/\(id.uuidString.lowercased())/retry"))
                #expect(!html.contains("@example.org"))
            }
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let (theirHeaders, theirBody) = therapistBrowser.form([:])
            try await app.testing().test(.POST, "/practice/email/\(id.uuidString.lowercased())/retry", headers: theirHeaders, body: theirBody) { response in
                #expect(response.status == .forbidden)
            }
            let (headers, body) = browser.form([:])
            for path in ["/practice/email/\(UUID().uuidString)/retry", "/practice/email/not-an-id/retry"] {
                try await app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .notFound)
                }
            }
            #expect(try await NotificationRow.find(id, on: app.db)?.failedAt != nil)
            try await app.testing().test(.POST, "/practice/email/\(id.uuidString.lowercased())/retry", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await NotificationRow.find(id, on: app.db)?.failedAt == nil)
        }
    }
}

/// A mail server that answers STARTTLS and, in the same breath, a reply of its own: what an attacker on the wire
/// would add (CVE-2011-0411). Nothing said before TLS may be read after it.
@Suite struct StartTLSInjectionTests {
    final class Liar: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 mail.example ready\r\n")), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            let line = buffer.readString(length: buffer.readableBytes) ?? ""
            let answer = line.hasPrefix("EHLO") ? "250-mail.example\r\n250 STARTTLS\r\n"
                : line.hasPrefix("STARTTLS") ? "220 go ahead\r\n250 injected before TLS\r\n" : "500 no\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
        }
    }

    @Test func aReplySlippedInBeforeTLSEndsTheConversation() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Liar()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: port, security: .startTLS, username: nil, password: nil,
                                                       from: "rapport@practice.example", timeoutSeconds: 10), group: group)
        let email = OutgoingEmail(from: "rapport@practice.example", to: "sam@example.org", subject: "s", body: "b",
                                  messageID: "x@practice.example", date: Date())
        do {
            try await client.send(email)
            Issue.record("the send should have been refused")
        } catch let failure as SMTPFailure {
            #expect(failure.words == "the mail server said more than it should before TLS began")
        }
        try await server.close()
        try await group.shutdownGracefully()
    }
}
