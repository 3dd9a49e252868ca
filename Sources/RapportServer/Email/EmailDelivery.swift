import Fluent
import Foundation
import NIOConcurrencyHelpers
import RapportCore
import SQLKit
import Vapor

/// Email from the notification outbox (issue 11, point 3). A row is written in the same transaction as what it tells
/// of, so nothing acknowledged is without its row; this sends each one through the practice's own mail server,
/// trying again with a doubling wait after a failure, and after the last try keeps it, marked, for the owner to see
/// and send again. Nothing is ever dropped. A row is claimed before it is sent (`claimed_until`), so two servers on one
/// PostgreSQL database never send the same row at once; a server killed mid-send leaves a claim that lapses, and the
/// row goes again (at least once: a second "you have a new message" is harmless, a missing one is not).
enum EmailOutbox {
    /// A notification older than this when it could first be sent (email set up late, or the server down for weeks)
    /// is kept but not sent: "you have a new message" a month late misleads. It shows to the owner like a failure.
    static let maximumAge: TimeInterval = 14 * 86_400
    /// How long a claim holds: longer than one send can take (`SMTPSettings.timeoutSeconds`).
    static let claimSeconds: TimeInterval = 120
    static let batchSize = 25

    enum Outcome: Sendable, Equatable {
        case sent
        /// Failed; tried again at `next`, or given up when nil.
        case failed(String, next: Date?)
        /// Nothing to send any more (an invitation accepted or withdrawn first, an account gone).
        case notNeeded(String)
        /// Kept for the owner without a try (too old by its first chance): shown as not delivered, tries not counted.
        case kept(String)
    }

    /// Rows due now, oldest first, nothing opened.
    static func due(now: Date, limit: Int = batchSize, on db: any Database) async throws -> [NotificationRow] {
        try await NotificationRow.query(on: db)
            .filter(\.$deliveredAt == nil).filter(\.$failedAt == nil)
            .group(.or) { $0.filter(\.$nextAttemptAt == nil).filter(\.$nextAttemptAt <= now) }
            .group(.or) { $0.filter(\.$claimedUntil == nil).filter(\.$claimedUntil < now) }
            .sort(\.$createdAt).sort(\.$id).limit(limit).all()
    }

    /// Takes a row for this server: true only for the one server whose UPDATE found it still free.
    static func claim(_ id: UUID, now: Date, on db: any Database) async throws -> Bool {
        let rows = try await HotPaths.sql(db).raw("""
            UPDATE "notification_outbox" SET "claimed_until" = \(bind: now.addingTimeInterval(claimSeconds))
            WHERE "id" = \(bind: id) AND "delivered_at" IS NULL AND "failed_at" IS NULL
              AND ("claimed_until" IS NULL OR "claimed_until" < \(bind: now))
            RETURNING "id"
            """).all()
        return rows.count == 1
    }

    /// The email a row becomes, or why none is needed now. Opens only the recipient's address (and an invitation's
    /// link), with the key it is sealed under.
    static func compose(_ row: NotificationRow, settings: SMTPSettings, services: RapportServices,
                        on db: any Database) async throws -> Result<OutgoingEmail, NotNeeded> {
        let id = try row.requireID()
        let domain = SMTPClient.helloName(from: settings.from)
        func email(to address: String, _ text: EmailTexts.Text) -> OutgoingEmail {
            OutgoingEmail(from: settings.from, to: address, subject: text.subject, body: text.body,
                          messageID: "\(id.uuidString.lowercased()).\(row.attempts)@\(domain)", date: services.now)
        }
        let signIn = "\(services.configuration.baseURL)/signin"
        if let recipientID = row.recipientID {
            guard let user = try await UserRow.find(recipientID, on: db) else { return .failure(NotNeeded("the account no longer exists")) }
            let key = try await services.keys.subjectKey(clientID: user.clientID, practiceID: user.practiceID, on: db)
            let address = try services.keys.open(user.emailEnvelope, key: key, UserRow.schema, "email", row: recipientID)
            return .success(email(to: address, EmailTexts.notification(kind: row.kind, signInURL: signIn)))
        }
        if let invitationID = row.invitationID {
            guard let invitation = try await InvitationRow.find(invitationID, on: db), invitation.acceptedAt == nil,
                  invitation.withdrawnAt == nil, invitation.expiresAt > services.now, let sealedToken = invitation.tokenEnvelope
            else { return .failure(NotNeeded("the invitation was accepted, withdrawn or expired first")) }
            let key = try await services.keys.subjectKey(clientID: invitation.clientID, practiceID: invitation.practiceID, on: db)
            let address = try services.keys.open(invitation.emailEnvelope, key: key, InvitationRow.schema, "email", row: invitationID)
            let token = try services.keys.open(sealedToken, key: key, InvitationRow.schema, "token", row: invitationID)
            let until = Formats.when(invitation.expiresAt, in: services.configuration.timeZone)
            return .success(email(to: address, EmailTexts.invitation(link: "\(services.configuration.baseURL)/invitations/\(token)", until: until)))
        }
        if let enquiryID = row.enquiryID {
            guard let enquiry = try await EnquiryRow.find(enquiryID, on: db), enquiry.clientID == nil else {
                return .failure(NotNeeded("the enquiry was erased or became a client's first"))
            }
            let key = try await services.keys.practiceKey(practiceID: enquiry.practiceID, on: db)
            let opened = try JSONDecoder().decode(Enquiry.self, from: Data(
                try services.keys.open(enquiry.enquiryEnvelope, key: key, EnquiryRow.schema, "enquiry", row: enquiryID).utf8))
            guard opened.route == .email else { return .failure(NotNeeded("the enquiry asked to be contacted by phone")) }
            return .success(email(to: opened.contact, EmailTexts.enquiryReply))
        }
        return .failure(NotNeeded("the notification has nobody to go to"))
    }

    struct NotNeeded: Error, Sendable, Equatable {
        let words: String
        init(_ words: String) { self.words = words }
    }

    /// Writes how a try went, and lets the claim go.
    static func record(_ outcome: Outcome, for id: UUID, now: Date, on db: any Database) async throws {
        guard let row = try await NotificationRow.find(id, on: db) else { return }
        row.claimedUntil = nil
        switch outcome {
        case .sent:
            row.attempts += 1
            row.deliveredAt = now
            row.lastError = nil
        case .failed(let words, let next):
            row.attempts += 1
            row.lastError = String(words.prefix(200))
            row.nextAttemptAt = next
            if next == nil { row.failedAt = now }
        case .kept(let words):
            row.lastError = words
            row.failedAt = now
        case .notNeeded(let words):
            // Closed, not failed: nothing is missing (the owner's list is for what didn't arrive).
            row.deliveredAt = now
            row.lastError = "not sent: " + words
        }
        try await row.update(on: db)
    }

    /// When to try again after `attempts` tries (the first retry after `base` seconds, doubling, at most a day);
    /// nil once every try is spent.
    static func nextTry(after attempts: Int, base: Double, limit: Int, now: Date) -> Date? {
        guard attempts < limit else { return nil }
        let wait = min(base * pow(2, Double(max(0, min(attempts - 1, 30)))), 86_400)
        return now.addingTimeInterval(wait)
    }

    /// Sends every row due now; returns how many were sent and how many failed. Each row is claimed, sent, and its
    /// outcome written in a transaction of its own, so one bad address never holds up the rest.
    @discardableResult
    static func deliverDue(_ app: Application, settings: SMTPSettings, client: SMTPClient) async throws -> (sent: Int, failed: Int) {
        let services = app.rapport
        var sent = 0, failed = 0
        for row in try await due(now: services.now, on: app.db) {
            let id = try row.requireID()
            guard try await claim(id, now: services.now, on: app.db) else { continue }
            let outcome: Outcome
            // Never tried nor scheduled: its first chance. Too old by then, it is kept for the owner, not sent.
            if row.nextAttemptAt == nil && row.attempts == 0 && services.now.timeIntervalSince(row.createdAt) > maximumAge {
                outcome = .kept("not sent: it was more than two weeks old when email could first send it")
            } else {
                let next = nextTry(after: row.attempts + 1, base: services.configuration.emailRetrySeconds,
                                   limit: services.configuration.emailAttempts, now: services.now)
                do {
                    switch try await compose(row, settings: settings, services: services, on: app.db) {
                    case .failure(let reason):
                        outcome = .notNeeded(reason.words)
                    case .success(let email):
                        try await client.send(email)
                        outcome = .sent
                    }
                } catch let failure as SMTPFailure {
                    // A permanent refusal is final at once: trying it again would only be refused again.
                    outcome = .failed(failure.words, next: failure.kind == .refused ? nil : next)
                } catch {
                    outcome = .failed("the email could not be prepared (\(String(reflecting: type(of: error))))", next: next)
                }
            }
            try await services.transactions.run(on: app.db) { db in try await record(outcome, for: id, now: services.now, on: db) }
            switch outcome {
            case .sent:
                sent += 1
            case .kept(let words):
                failed += 1
                app.logger.notice("email kept, not sent", metadata: ["kind": "\(row.kind)", "reason": "\(words)"])
            case .failed(let words, let next):
                failed += 1
                // The kind and the failure's words: no address, nothing the server echoed back.
                app.logger.warning("email not delivered", metadata: ["kind": "\(row.kind)", "reason": "\(words)",
                                                                     "will_retry": "\(next != nil)"])
            case .notNeeded(let words):
                app.logger.debug("email not sent", metadata: ["kind": "\(row.kind)", "reason": "\(words)"])
            }
        }
        return (sent, failed)
    }

    /// The owner sends a given-up email again: it goes on the next round, its tries counted afresh.
    static func retry(_ id: UUID, practiceID: UUID, now: Date, on db: any Database) async throws -> Bool {
        guard let row = try await NotificationRow.query(on: db).filter(\.$id == id).filter(\.$practiceID == practiceID)
            .filter(\.$failedAt != nil).first() else { return false }
        row.failedAt = nil
        row.attempts = 0
        row.nextAttemptAt = now
        row.claimedUntil = nil
        try await row.update(on: db)
        return true
    }

    /// What the owner sees: how many wait, how many went in the last week, and each given up, newest first.
    struct Overview: Sendable {
        struct Failure: Sendable {
            let id: UUID
            let kind: String
            let createdAt: Date
            let attempts: Int
            let reason: String
        }

        var waiting = 0
        var retrying = 0
        var sentThisWeek = 0
        var failures: [Failure] = []
    }

    static func overview(practiceID: UUID, now: Date, on db: any Database) async throws -> Overview {
        var overview = Overview()
        overview.waiting = try await NotificationRow.query(on: db).filter(\.$practiceID == practiceID).filter(\.$deliveredAt == nil)
            .filter(\.$failedAt == nil).count()
        overview.retrying = try await NotificationRow.query(on: db).filter(\.$practiceID == practiceID).filter(\.$deliveredAt == nil)
            .filter(\.$failedAt == nil).filter(\.$attempts > 0).count()
        overview.sentThisWeek = try await NotificationRow.query(on: db).filter(\.$practiceID == practiceID)
            .filter(\.$deliveredAt >= now.addingTimeInterval(-7 * 86_400)).filter(\.$lastError == nil).count()
        overview.failures = try await NotificationRow.query(on: db).filter(\.$practiceID == practiceID).filter(\.$failedAt != nil)
            .sort(\.$failedAt, .descending).limit(50).all().map { row in
                Overview.Failure(id: try row.requireID(), kind: row.kind, createdAt: row.createdAt, attempts: row.attempts,
                                 reason: row.lastError ?? "not delivered")
            }
        return overview
    }

    /// A kind in the owner's words.
    static func kindWords(_ kind: String) -> String {
        switch kind {
        case Messages.notificationKind: return "New message"
        case RiskAlerts.notificationKind: return "Needs attention today"
        case invitationKind: return "Invitation"
        case enquiryReplyKind: return "Reply to an enquiry"
        default: return "Something new"
        }
    }

    static let invitationKind = "invitation"
    static let enquiryReplyKind = "enquiry-reply"
}

/// Runs `EmailOutbox.deliverDue` every few seconds while the server runs (started by `serve` when RAPPORT_SMTP_HOST
/// is set).
final class EmailDelivery: LifecycleHandler, Sendable {
    let settings: SMTPSettings
    private let loop = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(settings: SMTPSettings) {
        self.settings = settings
    }

    func didBootAsync(_ application: Application) async throws {
        let client = SMTPClient(settings: settings, group: application.eventLoopGroup)
        let settings = self.settings
        let poll = application.rapport.configuration.emailPollSeconds
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await EmailOutbox.deliverDue(application, settings: settings, client: client)
                } catch {
                    application.logger.error("email delivery round failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try? await Task.sleep(for: .milliseconds(Int64(poll * 1000)))
            }
        }
        loop.withLockedValue { $0 = task }
    }

    func shutdownAsync(_ application: Application) async {
        loop.withLockedValue { $0?.cancel() }
    }
}
