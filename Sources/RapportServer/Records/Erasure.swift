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
        "words_to_carry", "safety_plan_versions", "enquiries", "care_team_members",
    ]

    /// Erases one client's record if the rules allow (`ErasureRules.decide`), else throws `Refused` and changes
    /// nothing. `by` is the owner who asked on their page, or nil for the operator's command; `clientAsked` records
    /// the client's request now if they made it outside Rapport (in writing, say).
    static func erase(clientID: UUID, by owner: Principal?, legalReason: String?, clientAsked: Bool,
                      services: RapportServices, on database: any Database) async throws -> Report {
        let now = services.now
        let report = try await services.transactions.run(on: database) { db in
            let sql = try HotPaths.sql(db)
            guard let client = try await sql.raw("""
                SELECT "clients"."practice_id" AS "practice_id", "clients"."ended_at" AS "ended_at",
                       "clients"."erasure_requested_at" AS "erasure_requested_at",
                       "practice_settings"."record_retention_years" AS "retention_years"
                FROM "clients" LEFT JOIN "practice_settings" ON "practice_settings"."id" = "clients"."practice_id"
                WHERE "clients"."id" = \(bind: clientID)
                """).first() else {
                if let erased = try await sql.raw(#"SELECT "erased_at" FROM "client_erasures" WHERE "client_id" = \#(bind: clientID)"#).first() {
                    throw Refused(description: "That record was already erased, on \(ErasureRules.dayText(try erased.decode(column: "erased_at", as: Date.self))) (UTC).")
                }
                throw Refused(description: "There is no client \(clientID.uuidString.lowercased()) on this server.")
            }
            let practiceID = try client.decode(column: "practice_id", as: UUID.self)
            if let owner, owner.practiceID != practiceID { throw Refused(description: "That client is not one of your practice's.") }
            let requestedAt = try client.decode(column: "erasure_requested_at", as: Date?.self) ?? (clientAsked ? now : nil)
            let reason = legalReason?.trimmingCharacters(in: .whitespacesAndNewlines)
            let decision = ErasureRules.decide(
                endedAt: try client.decode(column: "ended_at", as: Date?.self), requestedAt: requestedAt,
                retentionYears: try client.decode(column: "retention_years", as: Int?.self),
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
        try await scrubFreedSpace(services, on: database)
        return report
    }

    /// After the commit: the old pages (the wrapped key among them) out of the write-ahead log (SQLite), or out of
    /// the key table's file (PostgreSQL).
    static func scrubFreedSpace(_ services: RapportServices, on database: any Database) async throws {
        let sql = try HotPaths.sql(database)
        if services.configuration.database.isSQLite {
            try await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        } else {
            try await sql.raw(#"VACUUM FULL "client_keys""#).run()
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
            let report = try await Erasure.erase(clientID: clientID, by: nil, legalReason: legalReason, clientAsked: clientAsked,
                                                 services: app.rapport, on: app.db)
            return report.basis == .legalReason ? "early, for the legal reason recorded" : "the client asked and the retention period has passed"
        } catch let refused as Erasure.Refused {
            throw ErasureRefused(message: refused.description)
        }
    }
}
