import Fluent
import Foundation
import RapportCore
import SQLKit

/// The disclosure ledger (issue 12, point 3). A therapist records each disclosure made under a limit of
/// confidentiality; it goes on this ledger and, through the route's audit entry, into the trail and the client's
/// "who opened my record". The client is told (an email that says only that something waits) unless the therapist
/// records the lawful reason not to; then the owner is told instead, and the disclosure stays off the client's pages
/// (HIPAA 164.528(a)(2) allows such a suspension) until the therapist tells them (`tell`), when the hold ends.
enum Disclosures {
    static let notificationKind = "disclosure"
    static let withheldNotificationKind = "disclosure-withheld"

    struct View: Sendable {
        let id: UUID
        let limit: ConsentDocument.LimitKind
        let consentVersion: Int?
        let recipient: String
        let shared: String
        let reason: String
        let clientTold: Bool
        let disclosedBy: UUID
        let disclosedAt: Date
    }

    /// Records one, in the route's transaction (`withClientRecord` writes its audit entry), after the fresh code.
    static func record(_ input: DisclosureRules.Input, in record: ClientRecord) async throws -> View {
        let problems = DisclosureRules.problems(input)
        guard problems.isEmpty, let limit = input.limitKind else { throw RecordError.invalid(problems) }
        let id = UUID()
        let trimmed = { (text: String) in text.trimmingCharacters(in: .whitespacesAndNewlines) }
        let signed = try await Consents.signature(clientID: record.clientID, on: record.db)?.version
        let withheld: Data? = input.tellsClient ? nil : try record.keys.seal(
            trimmed(input.withheldReason), key: try await record.keys.practiceKey(practiceID: record.practiceID, on: record.db),
            "disclosures", "withheld_reason", row: id)
        try await HotPaths.sql(record.db).raw("""
            INSERT INTO "disclosures" ("id", "practice_id", "client_id", "limit_kind", "consent_version", "recipient_envelope",
                                       "shared_envelope", "reason_envelope", "client_told", "withheld_reason_envelope", "disclosed_by", "disclosed_at")
            VALUES (\(bind: id), \(bind: record.practiceID), \(bind: record.clientID), \(bind: limit.rawValue), \(bind: signed),
                    \(bind: try record.seal(trimmed(input.recipient), "disclosures", "recipient", row: id)),
                    \(bind: try record.seal(trimmed(input.shared), "disclosures", "shared", row: id)),
                    \(bind: try record.seal(trimmed(input.reason), "disclosures", "reason", row: id)),
                    \(bind: input.tellsClient), \(bind: withheld), \(bind: record.actor.userID), \(bind: record.now))
            """).run()
        if input.tellsClient {
            try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: false, in: record), about: id,
                                            practiceID: record.practiceID, clientID: record.clientID, now: record.now, on: record.db)
        } else {
            let owners = try await UserRow.query(on: record.db).filter(\.$practiceID == record.practiceID)
                .filter(\.$role == Role.owner.rawValue).all().map { try $0.requireID() }
            try await Notifications.enqueue(withheldNotificationKind, to: owners, about: id, practiceID: record.practiceID,
                                            clientID: record.clientID, now: record.now, on: record.db)
        }
        return View(id: id, limit: limit, consentVersion: signed, recipient: trimmed(input.recipient), shared: trimmed(input.shared),
                    reason: trimmed(input.reason), clientTold: input.tellsClient, disclosedBy: record.actor.userID, disclosedAt: record.now)
    }

    /// The hold ends: the client is told of a disclosure kept from them, now. Nil if there is no such disclosure held
    /// in this record (an old link, or one already told).
    static func tell(_ id: UUID, in record: ClientRecord) async throws {
        guard try await HotPaths.sql(record.db).raw("""
            UPDATE "disclosures" SET "client_told" = \(bind: true)
            WHERE "id" = \(bind: id) AND "client_id" = \(bind: record.clientID) AND "client_told" = \(bind: false) RETURNING "id"
            """).first() != nil else { throw RecordError.notFound }
        try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: false, in: record), about: id,
                                        practiceID: record.practiceID, clientID: record.clientID, now: record.now, on: record.db)
    }

    /// The ledger, newest first: everything for the care team; for the client, what they are told of, in `period`.
    static func list(in record: ClientRecord, clientView: Bool, period: ClosedRange<Date>? = nil) async throws -> [View] {
        var query: SQLQueryString = """
            SELECT "id", "limit_kind", "consent_version", "recipient_envelope", "shared_envelope", "reason_envelope", "client_told",
                   "disclosed_by", "disclosed_at" FROM "disclosures" WHERE "client_id" = \(bind: record.clientID)
            """
        if clientView {
            let told: SQLQueryString = " AND \"client_told\" = \(bind: true)"
            query = query + told
        }
        if let period {
            let within: SQLQueryString = " AND \"disclosed_at\" >= \(bind: period.lowerBound) AND \"disclosed_at\" <= \(bind: period.upperBound)"
            query = query + within
        }
        let order: SQLQueryString = " ORDER BY \"disclosed_at\" DESC"
        return try await HotPaths.sql(record.db).raw(query + order).all().map { row in
            let id = try row.decode(column: "id", as: UUID.self)
            return View(id: id,
                        limit: ConsentDocument.LimitKind(rawValue: try row.decode(column: "limit_kind", as: String.self)) ?? .legal,
                        consentVersion: try row.decode(column: "consent_version", as: Int?.self),
                        recipient: try record.open(try row.decode(column: "recipient_envelope", as: Data.self), "disclosures", "recipient", row: id),
                        shared: try record.open(try row.decode(column: "shared_envelope", as: Data.self), "disclosures", "shared", row: id),
                        reason: try record.open(try row.decode(column: "reason_envelope", as: Data.self), "disclosures", "reason", row: id),
                        clientTold: try row.decode(column: "client_told", as: Bool.self),
                        disclosedBy: try row.decode(column: "disclosed_by", as: UUID.self),
                        disclosedAt: try row.decode(column: "disclosed_at", as: Date.self))
        }
    }

    /// What the owner is told of a disclosure the client was not: who, when, under which limit, and the lawful reason
    /// (sealed under the practice key for them). Nothing of what was shared: that is the client's record.
    struct Withheld: Sendable {
        let clientID: UUID
        let disclosedBy: UUID
        let disclosedAt: Date
        let limit: ConsentDocument.LimitKind
        let lawfulReason: String
    }

    /// How many are held from their clients now: a number for the practice page, which names no one.
    static func withheldCount(practiceID: UUID, on db: any Database) async throws -> Int {
        try await HotPaths.sql(db).raw("""
            SELECT COUNT(*) AS "n" FROM "disclosures" WHERE "practice_id" = \(bind: practiceID) AND "client_told" = \(bind: false)
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The held ones for the owner, each written to the trail as read (in the caller's transaction).
    static func withheld(practiceID: UUID, by owner: Principal, keys: KeyStore, now: Date, on db: any Database) async throws -> [Withheld] {
        let rows = try await HotPaths.sql(db).raw("""
            SELECT "id", "client_id", "disclosed_by", "disclosed_at", "limit_kind", "withheld_reason_envelope" FROM "disclosures"
            WHERE "practice_id" = \(bind: practiceID) AND "client_told" = \(bind: false) ORDER BY "disclosed_at" DESC LIMIT 100
            """).all()
        guard !rows.isEmpty else { return [] }
        let key = try await keys.practiceKey(practiceID: practiceID, on: db)
        let held = try rows.map { row in
            let id = try row.decode(column: "id", as: UUID.self)
            let envelope = try row.decode(column: "withheld_reason_envelope", as: Data?.self)
            return Withheld(clientID: try row.decode(column: "client_id", as: UUID.self), disclosedBy: try row.decode(column: "disclosed_by", as: UUID.self),
                            disclosedAt: try row.decode(column: "disclosed_at", as: Date.self),
                            limit: ConsentDocument.LimitKind(rawValue: try row.decode(column: "limit_kind", as: String.self)) ?? .legal,
                            lawfulReason: try envelope.map { try keys.open($0, key: key, "disclosures", "withheld_reason", row: id) } ?? "")
        }
        for disclosure in held {
            try await AuditWriter.append(.access(by: owner, .reviewWithheldDisclosures, clientID: disclosure.clientID, resource: nil,
                                                 resourceType: "disclosure"), at: now, on: db)
        }
        return held
    }

    /// The period of an accounting from `from`/`to` as typed (YYYY-MM-DD, UTC days), defaulting to the last six years.
    /// Nil when either is not a real date, or `from` is after `to`.
    static func period(from rawFrom: String?, to rawTo: String?, now: Date) -> ClosedRange<Date>? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func day(_ raw: String?) -> Date?? {
            guard let raw, !raw.isEmpty else { return .some(nil) }
            guard raw.utf8.count == 10 else { return nil }
            let parts = raw.split(separator: "-")
            guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
                  (1900...2200).contains(year), (1...12).contains(month), (1...31).contains(dayOfMonth),
                  let date = calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth)),
                  calendar.component(.day, from: date) == dayOfMonth else { return nil }
            return .some(date)
        }
        guard let from = day(rawFrom), let to = day(rawTo) else { return nil }
        let start = from ?? calendar.date(byAdding: .year, value: -DisclosureRules.accountingYears, to: now) ?? .distantPast
        let end = to.flatMap { calendar.date(byAdding: DateComponents(day: 1, second: -1), to: $0) } ?? now
        guard start <= end else { return nil }
        return start...end
    }
}
