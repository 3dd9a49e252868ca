import Fluent
import Foundation
import NIOConcurrencyHelpers
import RapportCore
import SQLKit
import Vapor

/// An enquiry as the inbox shows it.
struct EnquiryView: Sendable, Equatable {
    let id: UUID
    let receivedAt: Date
    let status: String
    let handledAt: Date?
    /// Nil once it became a client's invitation (sealed under their key then, and not the practice's to read).
    let enquiry: Enquiry?
}

/// The public page of one practice, as its visitors get it.
struct ReachOutPractice: Sendable {
    let practiceID: UUID
    let name: String
    let frameOrigin: String?
    let crisisResources: String
    let replyTime: ReplyTime
}

/// Reaching out (issue 11, point 1): people who are not clients yet write to a practice from its public page; their
/// enquiries are sealed under the practice's key and read in the staff's inbox, answered by the route they asked for,
/// marked handled, or turned into a client invitation in one step. Those not turned into clients are erased after
/// the owner's retention period (90 days unless set).
enum Enquiries {
    static let statuses = ["new", "handled", "invited"]

    // MARK: The page's settings

    static func page(practiceID: UUID, on db: any Database) async throws -> ReachOutPageRow? {
        try await ReachOutPageRow.find(practiceID, on: db)
    }

    /// The practice behind a public address, with what its page shows; nil for an address nobody has.
    static func practice(slug: String, services: RapportServices, on db: any Database) async throws -> ReachOutPractice? {
        guard EnquiryRules.slugProblem(slug) == nil,
              let page = try await ReachOutPageRow.query(on: db).filter(\.$slug == slug).first(), let practiceID = page.id,
              let practice = try await PracticeRow.find(practiceID, on: db) else { return nil }
        let key = try await services.keys.practiceKey(practiceID: practiceID, on: db)
        let settings = try await PracticeSettings.row(practiceID: practiceID, on: db)
        return ReachOutPractice(practiceID: practiceID,
                                name: try services.keys.open(practice.nameEnvelope, key: key, PracticeRow.schema, "name", row: practiceID),
                                frameOrigin: page.frameOrigin,
                                crisisResources: try await PracticeSettings.crisisResources(settings, practiceID: practiceID, keys: services.keys, on: db),
                                replyTime: ReplyTime.stored(settings?.replyWithinHours))
    }

    /// Saves the owner's settings for the page; the address must be free.
    static func savePage(slug: String, frameOrigin raw: String, retentionDays rawDays: String, by owner: Principal, now: Date,
                         on db: any Database) async throws {
        var problems: [FieldProblem] = []
        if let problem = EnquiryRules.slugProblem(slug) { problems.append(problem) }
        var origin: String?
        switch EnquiryRules.frameOrigin(raw) {
        case .success(let value): origin = value
        case .failure(let refused): problems += refused.problems
        }
        let days = InputRules.integer(rawDays, in: EnquiryRules.retentionDays)
        if days == nil {
            problems.append(FieldProblem(field: "retention_days", message: "Keep enquiries from 7 to 730 days."))
        }
        guard problems.isEmpty, let days else { throw RecordError.invalid(problems) }
        if let taken = try await ReachOutPageRow.query(on: db).filter(\.$slug == slug).first(), taken.id != owner.practiceID {
            throw RecordError.invalid([FieldProblem(field: "slug", message: "Another practice has that address. Please choose another.")])
        }
        let row = try await page(practiceID: owner.practiceID, on: db) ?? ReachOutPageRow()
        let isNew = row.id == nil
        row.id = owner.practiceID
        row.slug = slug
        row.frameOrigin = origin
        row.retentionDays = days
        row.updatedBy = owner.userID
        row.updatedAt = now
        do {
            if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw RecordError.invalid([FieldProblem(field: "slug", message: "Another practice has that address. Please choose another.")])
        }
    }

    // MARK: Receiving

    /// Keeps an enquiry, sealed under the practice's key. Staff hear there is something new (ids only).
    static func receive(_ enquiry: Enquiry, practiceID: UUID, services: RapportServices, on db: any Database) async throws -> UUID {
        let id = UUID()
        let key = try await services.keys.practiceKey(practiceID: practiceID, on: db)
        let row = EnquiryRow()
        row.id = id
        row.practiceID = practiceID
        row.receivedAt = services.now
        row.enquiryEnvelope = try services.keys.seal(String(decoding: try JSONEncoder().encode(enquiry), as: UTF8.self), key: key,
                                                     EnquiryRow.schema, "enquiry", row: id)
        row.status = "new"
        try await row.create(on: db)
        return id
    }

    // MARK: The inbox

    /// Every enquiry still kept, newest first; those that became clients show only that they did.
    static func inbox(practiceID: UUID, services: RapportServices, on db: any Database) async throws -> [EnquiryView] {
        let rows = try await EnquiryRow.query(on: db).filter(\.$practiceID == practiceID).sort(\.$receivedAt, .descending).sort(\.$id)
            .limit(500).all()
        guard !rows.isEmpty else { return [] }
        let key = try await services.keys.practiceKey(practiceID: practiceID, on: db)
        return try rows.map { row in
            let id = try row.requireID()
            let enquiry: Enquiry? = row.clientID != nil ? nil : try JSONDecoder().decode(Enquiry.self, from: Data(
                try services.keys.open(row.enquiryEnvelope, key: key, EnquiryRow.schema, "enquiry", row: id).utf8))
            return EnquiryView(id: id, receivedAt: row.receivedAt, status: row.status, handledAt: row.handledAt, enquiry: enquiry)
        }
    }

    /// Whether `id` is one of the practice's enquiries not yet turned into a client. Asked before a handler's transaction:
    /// another practice's, one become a client's, or a made-up id is "not found" without one.
    static func isOpen(_ id: UUID, practiceID: UUID, on db: any Database) async throws -> Bool {
        try await EnquiryRow.query(on: db).filter(\.$id == id).filter(\.$practiceID == practiceID).filter(\.$clientID == nil).count() == 1
    }

    /// One of the practice's enquiries not yet turned into a client, opened; `RecordError.notFound` otherwise.
    static func open(_ id: UUID, practiceID: UUID, services: RapportServices, on db: any Database) async throws -> (EnquiryRow, Enquiry) {
        guard let row = try await EnquiryRow.query(on: db).filter(\.$id == id).filter(\.$practiceID == practiceID).first(),
              row.clientID == nil else { throw RecordError.notFound }
        let key = try await services.keys.practiceKey(practiceID: practiceID, on: db)
        let enquiry = try JSONDecoder().decode(Enquiry.self, from: Data(
            try services.keys.open(row.enquiryEnvelope, key: key, EnquiryRow.schema, "enquiry", row: id).utf8))
        return (row, enquiry)
    }

    /// Marks an enquiry handled (replied to by its route, or nothing more to do), or new again.
    static func mark(_ id: UUID, handled: Bool, by actor: Principal, now: Date, on db: any Database) async throws {
        guard let row = try await EnquiryRow.query(on: db).filter(\.$id == id).filter(\.$practiceID == actor.practiceID).first(),
              row.clientID == nil else { throw RecordError.notFound }
        row.status = handled ? "handled" : "new"
        row.handledAt = handled ? now : nil
        row.handledBy = handled ? actor.userID : nil
        try await row.update(on: db)
    }

    /// Answers an email enquiry by email, through the outbox, and marks it handled: the email says only that it was read
    /// and someone will be in touch. `RecordError.notFound` for one that isn't the practice's or asked for a phone call.
    static func replyByEmail(_ id: UUID, by actor: Principal, services: RapportServices, on db: any Database) async throws {
        let (row, enquiry) = try await open(id, practiceID: actor.practiceID, services: services, on: db)
        guard enquiry.route == .email else { throw RecordError.notFound }
        let notification = NotificationRow()
        notification.practiceID = actor.practiceID
        notification.enquiryID = id
        notification.kind = EmailOutbox.enquiryReplyKind
        notification.createdAt = services.now
        notification.attempts = 0
        try await notification.create(on: db)
        row.status = "handled"
        row.handledAt = services.now
        row.handledBy = actor.userID
        try await row.update(on: db)
    }

    /// After the client's record and invitation are made (`People.inviteClient`): the enquiry becomes theirs, sealed
    /// again under their key, and leaves the practice's inbox but for a line saying it did.
    static func attach(_ id: UUID, toClient clientID: UUID, by actor: Principal, services: RapportServices, on db: any Database) async throws {
        let (row, enquiry) = try await open(id, practiceID: actor.practiceID, services: services, on: db)
        let clientKey = try await services.keys.clientKey(clientID: clientID, practiceID: actor.practiceID, on: db)
        row.enquiryEnvelope = try services.keys.seal(String(decoding: try JSONEncoder().encode(enquiry), as: UTF8.self), key: clientKey,
                                                     EnquiryRow.schema, "enquiry", row: try row.requireID())
        row.clientID = clientID
        row.status = "invited"
        row.handledAt = services.now
        row.handledBy = actor.userID
        try await row.update(on: db)
    }

    // MARK: Retention

    /// Erases every enquiry not turned into a client that is older than its practice's retention period (90 days
    /// for a practice that never set one). Returns how many were erased.
    @discardableResult
    static func eraseExpired(now: Date, on db: any Database) async throws -> Int {
        let pages = Dictionary(try await ReachOutPageRow.query(on: db).all().compactMap { row in row.id.map { ($0, row.retentionDays) } },
                               uniquingKeysWith: { first, _ in first })
        let stale = try await EnquiryRow.query(on: db).filter(\.$clientID == nil)
            .filter(\.$receivedAt < now.addingTimeInterval(-Double(EnquiryRules.retentionDays.lowerBound) * 86_400)).all()
        var erased = 0
        for row in stale {
            let days = pages[row.practiceID] ?? EnquiryRules.defaultRetentionDays
            guard row.receivedAt < now.addingTimeInterval(-Double(days) * 86_400) else { continue }
            try await row.delete(on: db)
            erased += 1
        }
        return erased
    }
}

/// How many enquiries each address sent lately, in memory: past `EnquiryRules.burstLimit` in `burstWindow`, the page
/// asks the person to wait and keeps what they wrote in the form (nothing they sent before is touched).
final class EnquiryThrottle: Sendable {
    private let sent = NIOLockedValueBox<[String: [Date]]>([:])

    /// Counts this enquiry for `address`, or returns false when it is one too many.
    func allow(_ address: String, now: Date) -> Bool {
        sent.withLockedValue { sent in
            if sent.count > 10_000 {
                sent = sent.filter { $0.value.contains { now.timeIntervalSince($0) < EnquiryRules.burstWindow } }
            }
            var recent = (sent[address] ?? []).filter { now.timeIntervalSince($0) < EnquiryRules.burstWindow }
            guard recent.count < EnquiryRules.burstLimit else {
                sent[address] = recent
                return false
            }
            recent.append(now)
            sent[address] = recent
            return true
        }
    }
}

/// The hourly round of `serve` (and once at start): erases enquiries past their practice's retention period, and tells
/// clients whose follow-up check-in has come due.
final class HourlyRound: LifecycleHandler, Sendable {
    static let everySeconds: Int64 = 3600
    private let loop = NIOLockedValueBox<Task<Void, Never>?>(nil)

    func didBootAsync(_ application: Application) async throws {
        let task = Task {
            while !Task.isCancelled {
                do {
                    let erased = try await application.rapport.transactions.run(on: application.db) { db in
                        try await Enquiries.eraseExpired(now: application.rapport.now, on: db)
                    }
                    if erased > 0 { application.logger.notice("enquiries past their retention erased", metadata: ["count": "\(erased)"]) }
                    // Follow-up check-ins come due by the day: each client told once, through the outbox.
                    _ = try await application.rapport.transactions.run(on: application.db) { db in
                        try await FollowUps.remindDue(now: application.rapport.now, on: db)
                    }
                } catch {
                    application.logger.error("erasing old enquiries failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
                }
                try? await Task.sleep(for: .seconds(Self.everySeconds))
            }
        }
        loop.withLockedValue { $0 = task }
    }

    func shutdownAsync(_ application: Application) async {
        loop.withLockedValue { $0?.cancel() }
    }
}
