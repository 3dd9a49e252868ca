import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit

/// One access to a client's record (or an attempt), as the audit trail records it. No clinical content.
struct AuditEvent: Sendable {
    var actorID: UUID?
    /// `owner`, `therapist`, `client`, or `anonymous` for a signed-out visitor.
    var actorRole: String
    var action: Action
    var clientID: UUID?
    var resourceType: String
    var resourceID: String?
    /// `allowed`, or `denied:<reason>`.
    var outcome: String

    static func outcome(of decision: Decision) -> String {
        switch decision {
        case .allow: return "allowed"
        case .deny(let reason): return "denied:\(reason.rawValue)"
        }
    }
}

/// The only code that writes audit rows (SECURITY.md). Call it inside the transaction of the access it records.
enum AuditWriter {
    static func append(_ event: AuditEvent, on db: any Database, at date: Date = Date()) async throws {
        // Claim the next sequence number first: the UPDATE takes the write lock (SQLite) or the row lock
        // (PostgreSQL), so two requests can never chain onto the same previous entry.
        // One statement claims the number and reads the previous hash (RETURNING, on SQLite and PostgreSQL alike).
        guard let sql = db as? any SQLDatabase else { throw AuditTrailError.headMissing }
        guard let claimed = try await sql.raw("""
            UPDATE "audit_head" SET "sequence" = "sequence" + 1 WHERE "id" = \(bind: AuditHeadRow.singletonID) RETURNING "sequence", "hash"
            """).first()
        else { throw AuditTrailError.headMissing }
        let sequence = try claimed.decode(column: "sequence", as: Int64.self)
        let previousHash = try claimed.decode(column: "hash", as: Data.self)
        let record = AuditRecord(
            sequence: sequence,
            occurredAtMilliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)),
            actorID: event.actorID,
            actorRole: event.actorRole,
            action: event.action.rawValue,
            clientID: event.clientID,
            resourceType: event.resourceType,
            resourceID: event.resourceID,
            outcome: event.outcome
        )
        let hash = AuditChain.hash(previous: previousHash, record: record)
        // Plain SQL, not a Fluent model: this runs on every access (see HotPaths for why).
        try await sql.raw("""
            INSERT INTO "audit_entries" ("id", "sequence", "occurred_at_ms", "actor_id", "actor_role", "action", "client_id",
                                         "resource_type", "resource_id", "outcome", "previous_hash", "hash")
            VALUES (\(bind: UUID()), \(bind: record.sequence), \(bind: record.occurredAtMilliseconds), \(bind: record.actorID),
                    \(bind: record.actorRole), \(bind: record.action), \(bind: record.clientID), \(bind: record.resourceType),
                    \(bind: record.resourceID), \(bind: record.outcome), \(bind: previousHash), \(bind: hash))
            """).run()
        try await sql.raw(#"UPDATE "audit_head" SET "hash" = \#(bind: hash) WHERE "id" = \#(bind: AuditHeadRow.singletonID)"#).run()
    }
}

enum AuditTrailError: Error, CustomStringConvertible {
    case headMissing
    var description: String { "The audit trail's head row is missing: run `rapport migrate`, or restore the database." }
}

/// Recomputes the chain for `rapport audit verify` and the tests.
enum AuditVerifier {
    static func verify(on db: any Database) async throws -> AuditChain.Verification {
        let rows = try await AuditEntryRow.query(on: db).sort(\.$sequence, .ascending).all()
        guard let head = try await AuditHeadRow.find(AuditHeadRow.singletonID, on: db) else {
            return .broken(sequence: (rows.last?.sequence ?? 0) + 1,
                           reason: "the head record (audit_head) is missing, so deleted entries at the end could not be detected")
        }
        let chain = rows.map { row in
            (record: AuditRecord(
                sequence: row.sequence,
                occurredAtMilliseconds: row.occurredAtMilliseconds,
                actorID: row.actorID,
                actorRole: row.actorRole,
                action: row.action,
                clientID: row.clientID,
                resourceType: row.resourceType,
                resourceID: row.resourceID,
                outcome: row.outcome
            ), previousHash: row.previousHash, hash: row.hash)
        }
        return AuditChain.verify(chain, head: (sequence: head.sequence, hash: head.hash))
    }
}
