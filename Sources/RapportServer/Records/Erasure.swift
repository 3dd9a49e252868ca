import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit
public import Vapor

/// Erasure that really erases (issue 12, point 5; SECURITY.md, "Keys"). In one transaction: the client's data key is
/// destroyed, so every envelope sealed under it becomes unreadable wherever a copy of it lies; every row of theirs is
/// deleted, from the leaves of the schema to the client row; the erasure goes on the practice's ledger and into the
/// audit trail. The trail keeps its entries about the client (ids and hashes, no content) and still verifies.
///
/// On SQLite the deletion runs with `secure_delete`, so the freed pages are overwritten with zeros, and the
/// write-ahead log is checkpointed and truncated afterwards: the wrapped key is not left in the file's free space.
/// On PostgreSQL the key table is rewritten (`VACUUM FULL`) for the same reason.
enum Erasure {
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    struct Report: Sendable {
        let clientID: UUID
        let practiceID: UUID
        let basis: ErasureRules.Basis
        let erasedAt: Date
    }

    /// Tables with a `client_id` column, children before parents. Whatever is not here (a new table) is caught by
    /// `ErasureTests`, which finds every such column in the live schema.
    static let clientTables = [
        "risk_alerts", "rupture_repairs", "ruptures", "check_ins", "follow_ups", "endings", "practice_attempts",
        "practice_agreements", "appointments", "appointment_series", "progress_notes", "psychotherapy_notes", "messages",
        "words_to_carry", "safety_plan_versions", "enquiries", "care_team_members", "consent_signatures", "disclosures",
    ]

    /// Erases one client's record if the rules allow (`ErasureRules.decide`), else throws `Refused` and changes
    /// nothing. `by` is the owner who asked on their page, or nil for the operator's command; `clientAsked` records
    /// the client's request now if they made it outside Rapport (in writing, say).
    static func erase(clientID: UUID, by owner: Principal?, legalReason: String?, clientAsked: Bool,
                      services: RapportServices, on database: any Database) async throws -> Report {
        let report = try await services.transactions.run(on: database) { db in
            try await eraseWithin(db, clientID: clientID, by: owner, legalReason: legalReason, clientAsked: clientAsked, services: services)
        }
        await scrubFreedSpace(services, on: database)
        return report
    }

    /// The erasure itself, inside the caller's transaction (the owner's page claims their two-step code in the same
    /// one). The caller runs `scrubFreedSpace` after the commit.
    static func eraseWithin(_ db: any Database, clientID: UUID, by owner: Principal?, legalReason: String?, clientAsked: Bool,
                            services: RapportServices) async throws -> Report {
        let now = services.now
        let sql = try HotPaths.sql(db)
        guard let client = try await status(clientID: clientID, on: db) else {
            // An owner learns only of their own practice's erasures: any other reference is simply not there.
            if let erased = try await sql.raw(#"SELECT "erased_at", "practice_id" FROM "client_erasures" WHERE "client_id" = \#(bind: clientID)"#).first(),
               try owner == nil || erased.decode(column: "practice_id", as: UUID.self) == owner?.practiceID {
                throw Refused(description: "That record was already erased, on \(ErasureRules.dayText(try erased.decode(column: "erased_at", as: Date.self))) (UTC).")
            }
            throw Refused(description: owner == nil ? "There is no client \(clientID.uuidString.lowercased()) on this server."
                : "There is no client with that reference in your practice.")
        }
        let practiceID = client.practiceID
        if let owner, owner.practiceID != practiceID { throw Refused(description: "There is no client with that reference in your practice.") }
        let requestedAt = client.requestedAt ?? (clientAsked ? now : nil)
        let reason = legalReason?.trimmingCharacters(in: .whitespacesAndNewlines)
        let decision = ErasureRules.decide(
            endedAt: client.endedAt, requestedAt: requestedAt, retentionYears: client.retentionYears,
            legalReason: reason.flatMap { $0.isEmpty ? nil : $0 }, now: now)
        guard case .allowed(let basis) = decision else {
            if case .refused(let why) = decision { throw Refused(description: why) }
            throw Refused(description: "Not erased.")
        }

        if services.configuration.database.isSQLite {
            // Freed pages are overwritten with zeros from here on, on this connection (the writer's).
            try await sql.raw("PRAGMA secure_delete = ON").run()
        }
        try await sql.raw("""
            DELETE FROM "notification_outbox" WHERE "client_id" = \(bind: clientID)
               OR "recipient_id" IN (SELECT "id" FROM "users" WHERE "client_id" = \(bind: clientID))
               OR "invitation_id" IN (SELECT "id" FROM "invitations" WHERE "client_id" = \(bind: clientID))
            """).run()
        for table in clientTables {
            try await sql.raw(#"DELETE FROM \#(ident: table) WHERE "client_id" = \#(bind: clientID)"#).run()
        }
        try await sql.raw(#"DELETE FROM "check_in_plans" WHERE "id" = \#(bind: clientID)"#).run()
        for table in ["sign_ins", "recovery_codes", "calendar_feeds"] {
            try await sql.raw(#"DELETE FROM \#(ident: table) WHERE "user_id" IN (SELECT "id" FROM "users" WHERE "client_id" = \#(bind: clientID))"#).run()
        }
        for table in ["users", "invitations", "client_keys"] {
            try await sql.raw(#"DELETE FROM \#(ident: table) WHERE "client_id" = \#(bind: clientID)"#).run()
        }
        try await sql.raw(#"DELETE FROM "clients" WHERE "id" = \#(bind: clientID)"#).run()

        let erasureID = UUID()
        var reasonEnvelope: Data?
        if basis == .legalReason, let reason {
            let key = try await services.keys.practiceKey(practiceID: practiceID, on: db)
            reasonEnvelope = try services.keys.seal(reason, key: key, "client_erasures", "reason", row: erasureID)
        }
        try await sql.raw("""
            INSERT INTO "client_erasures" ("id", "client_id", "practice_id", "erased_at", "basis", "reason_envelope", "erased_by")
            VALUES (\(bind: erasureID), \(bind: clientID), \(bind: practiceID), \(bind: now), \(bind: basis.rawValue),
                    \(bind: reasonEnvelope), \(bind: owner?.userID))
            """).run()
        let event = owner.map { AuditEvent.access(by: $0, .eraseClientRecord, clientID: clientID, resource: nil) }
            ?? AuditEvent(actorID: nil, actorRole: "operator", action: .eraseClientRecord, clientID: clientID,
                          resourceType: "client-record", resourceID: nil, outcome: "allowed")
        try await AuditWriter.append(event, at: now, on: db)
        return Report(clientID: clientID, practiceID: practiceID, basis: basis, erasedAt: now)
    }

    /// After the commit: the old pages (the wrapped key among them) out of the write-ahead log (SQLite), or out of
    /// the key table's file (PostgreSQL). The erasure itself is done and stays done whatever happens here: a reader
    /// holding the log open only delays the truncation (it is retried, then left to the next checkpoint), and a
    /// failure is logged, never reported as a failed erasure. The log line names no one.
    static func scrubFreedSpace(_ services: RapportServices, on database: any Database, table: String = "client_keys", logger: Logger? = nil) async {
        do {
            let sql = try HotPaths.sql(database)
            if services.configuration.database.isSQLite {
                for _ in 0..<20 {
                    let row = try await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").first()
                    if try row?.decode(column: "busy", as: Int.self) == 0 { return }
                    try await Task.sleep(for: .milliseconds(100))
                }
                logger?.warning("erasure: the write-ahead log is still in use; it is truncated at the next checkpoint")
            } else {
                try await sql.raw("VACUUM FULL \(ident: table)").run()
            }
        } catch {
            logger?.warning("erasure: freed space not scrubbed", metadata: ["error": "\(String(describing: type(of: error)))"])
        }
    }
}

extension RapportApp {
    /// Why `eraseClient` did nothing, in words for the operator.
    public struct ErasureRefused: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The operator's erasure (`rapport keys erase-client`). Returns the basis in words.
    public static func eraseClient(_ app: Application, clientID: UUID, legalReason: String?, clientAsked: Bool) async throws -> String {
        do {
            if clientAsked {
                // Their request is recorded whatever the decision: a refusal for the retention period still stands
                // as a request, met when the period has passed.
                let now = app.rapport.now
                try await app.rapport.transactions.run(on: app.db) { db in try await Erasure.request(clientID: clientID, now: now, on: db) }
            }
            let report = try await Erasure.erase(clientID: clientID, by: nil, legalReason: legalReason, clientAsked: false,
                                                 services: app.rapport, on: app.db)
            return report.basis == .legalReason ? "early, for the legal reason recorded" : "the client asked and the retention period has passed"
        } catch let refused as Erasure.Refused {
            throw ErasureRefused(message: refused.description)
        }
    }
}

// MARK: What the pages show

extension Erasure {
    /// Where a client's erasure stands: for their own page, and for the erasure's decision.
    struct ClientStatus: Sendable {
        let practiceID: UUID
        let requestedAt: Date?
        let endedAt: Date?
        let retentionYears: Int
        /// When the retention period ends (nil while therapy goes on).
        var retentionEnds: Date? { endedAt.map { ErasureRules.retentionEnds(endedAt: $0, years: retentionYears) } }
    }

    static func status(clientID: UUID, on db: any Database) async throws -> ClientStatus? {
        guard let row = try await HotPaths.sql(db).raw("""
            SELECT "clients"."practice_id" AS "practice_id", "clients"."ended_at" AS "ended_at",
                   "clients"."erasure_requested_at" AS "erasure_requested_at",
                   "practice_settings"."record_retention_years" AS "retention_years"
            FROM "clients" LEFT JOIN "practice_settings" ON "practice_settings"."id" = "clients"."practice_id"
            WHERE "clients"."id" = \(bind: clientID)
            """).first() else { return nil }
        return ClientStatus(practiceID: try row.decode(column: "practice_id", as: UUID.self),
                            requestedAt: try row.decode(column: "erasure_requested_at", as: Date?.self),
                            endedAt: try row.decode(column: "ended_at", as: Date?.self),
                            retentionYears: retentionYears(try row.decode(column: "retention_years", as: Int?.self)))
    }

    /// The practice's period: what the owner set, or the default (also for a stored value out of range).
    static func retentionYears(_ stored: Int?) -> Int {
        stored.flatMap { ErasureRules.retentionYears.contains($0) ? $0 : nil } ?? ErasureRules.defaultRetentionYears
    }

    /// The client asks for their record to be erased. Asking again changes nothing (the first date stands).
    static func request(clientID: UUID, now: Date, on db: any Database) async throws {
        try await HotPaths.sql(db).raw("""
            UPDATE "clients" SET "erasure_requested_at" = \(bind: now) WHERE "id" = \(bind: clientID) AND "erasure_requested_at" IS NULL
            """).run()
    }

    /// A request on the owner's page. The client is named only by a reference: their name is sealed under their own
    /// key, which the owner as owner does not open; their therapist knows who it is.
    struct Request: Sendable {
        let clientID: UUID
        let requestedAt: Date
        let endedAt: Date?
        let therapistIDs: [UUID]
        let retentionEnds: Date?
    }

    /// An erasure on the practice's ledger.
    struct Done: Sendable {
        let clientID: UUID
        let erasedAt: Date
        let basis: ErasureRules.Basis
        let erasedBy: UUID?
    }

    static func requests(practiceID: UUID, on db: any Database) async throws -> (years: Int, requests: [Request], done: [Done]) {
        let sql = try HotPaths.sql(db)
        let years = retentionYears(try await HotPaths.practiceSettings(practiceID: practiceID, on: db)?.recordRetentionYears)
        let rows = try await sql.raw("""
            SELECT "clients"."id" AS "id", "clients"."erasure_requested_at" AS "requested_at", "clients"."ended_at" AS "ended_at",
                   "care_team_members"."therapist_id" AS "therapist_id"
            FROM "clients" LEFT JOIN "care_team_members" ON "care_team_members"."client_id" = "clients"."id"
            WHERE "clients"."practice_id" = \(bind: practiceID) AND "clients"."erasure_requested_at" IS NOT NULL
            ORDER BY "clients"."erasure_requested_at", "clients"."id"
            """).all()
        var requests: [Request] = []
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let therapist = try row.decode(column: "therapist_id", as: UUID?.self)
            if let last = requests.last, last.clientID == id {
                requests[requests.count - 1] = Request(clientID: id, requestedAt: last.requestedAt, endedAt: last.endedAt,
                                                       therapistIDs: last.therapistIDs + (therapist.map { [$0] } ?? []),
                                                       retentionEnds: last.retentionEnds)
                continue
            }
            let ended = try row.decode(column: "ended_at", as: Date?.self)
            requests.append(Request(clientID: id, requestedAt: try row.decode(column: "requested_at", as: Date.self), endedAt: ended,
                                    therapistIDs: therapist.map { [$0] } ?? [],
                                    retentionEnds: ended.map { ErasureRules.retentionEnds(endedAt: $0, years: years) }))
        }
        let done = try await sql.raw("""
            SELECT "client_id", "erased_at", "basis", "erased_by" FROM "client_erasures" WHERE "practice_id" = \(bind: practiceID)
            ORDER BY "erased_at" DESC LIMIT 200
            """).all().map { row in
            Done(clientID: try row.decode(column: "client_id", as: UUID.self), erasedAt: try row.decode(column: "erased_at", as: Date.self),
                 basis: ErasureRules.Basis(rawValue: try row.decode(column: "basis", as: String.self)) ?? .legalReason,
                 erasedBy: try row.decode(column: "erased_by", as: UUID?.self))
        }
        return (years, requests, done)
    }

    /// The owner sets how long records are kept after therapy ends.
    static func saveRetention(_ raw: String?, by owner: Principal, now: Date, on db: any Database) async throws {
        guard let years = InputRules.integer(raw, in: ErasureRules.retentionYears) else {
            throw RecordError.invalid([FieldProblem(field: "retention_years", message: "Keep records from \(ErasureRules.retentionYears.lowerBound) to \(ErasureRules.retentionYears.upperBound) years after therapy ends.")])
        }
        let row = try await PracticeSettingsRow.find(owner.practiceID, on: db) ?? PracticeSettingsRow()
        let isNew = row.id == nil
        if isNew {
            row.id = owner.practiceID
            row.enabledInstruments = ""
        }
        row.recordRetentionYears = years
        row.updatedBy = owner.userID
        row.updatedAt = now
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }
}
