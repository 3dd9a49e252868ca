import Fluent
import Foundation
import NIOConcurrencyHelpers
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

    /// The one way entries are made: who (and in which capacity: the role of theirs the action is done in, see
    /// `Principal.capacity(for:)`; "anonymous" for nobody) did what to which client's record, which resource in it
    /// (`resource`, nil for none), and with what outcome. The resource's type follows from the action unless given.
    static func access(by actor: Principal?, _ action: Action, clientID: UUID?, resource: UUID?,
                       resourceType: String? = nil, outcome: String = "allowed") -> AuditEvent {
        AuditEvent(actorID: actor?.userID, actorRole: actor?.capacity(for: action).rawValue ?? "anonymous", action: action, clientID: clientID,
                   resourceType: resourceType ?? Self.resourceType(action), resourceID: resource?.lowercasedText, outcome: outcome)
    }

    static func resourceType(_ action: Action) -> String {
        switch action {
        case .listProgressNotes, .readProgressNote, .writeProgressNote: return "progress-note"
        case .listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote: return "psychotherapy-note"
        case .listAppointments, .scheduleAppointment, .recordAttendance: return "appointment"
        case .listCheckIns, .enterCheckIn, .chooseMeasures: return "check-in"
        case .acknowledgeRiskAlert: return "risk-alert"
        case .listRuptures, .recordRupture: return "rupture"
        case .listMessages, .writeMessage: return "message"
        case .writeWordsToCarry: return "words-to-carry"
        case .readSafetyPlan, .writeSafetyPlan: return "safety-plan"
        case .agreePractice: return "practice-between-sessions"
        case .viewEnquiries, .handleEnquiry: return "enquiry"
        // The resource is the staff member's account (their id), not a client's record.
        case .resetStaffTwoFactor: return "two-factor"
        default: return "client-record"
        }
    }
}

/// The head of the chain while one SQLite batch of transactions runs (`CommitBatcher`). The batch holds the write
/// lock from its first statement to its COMMIT, so nobody else can move the head meanwhile: it is read once per
/// batch, kept here as entries are appended, and written back once, just before the COMMIT. That saves two
/// statements per audited access on the single writer, which is where an audited read spent its time (issue 7).
/// If anything in the batch fails, the whole batch rolls back and this value with it.
final class AuditBatch: Sendable {
    private struct State {
        var head: (sequence: Int64, hash: Data)?
        var moved = false
    }

    // Reads of records run beside each other in a batch, so entries claim their place under a lock.
    private let state = NIOLockedValueBox(State())

    @TaskLocal static var current: AuditBatch?

    var head: (sequence: Int64, hash: Data)? { state.withLockedValue { $0.head } }

    /// What to write back at the COMMIT: the head, if an entry moved it.
    var movedHead: (sequence: Int64, hash: Data)? { state.withLockedValue { $0.moved ? $0.head : nil } }

    /// The stored head, unless the batch already has one (two readers may both have read it: it is the same).
    func start(from stored: (sequence: Int64, hash: Data)) {
        state.withLockedValue { if $0.head == nil { $0.head = stored } }
    }

    /// The next place in the chain, taken at once: `entry` makes the entry's hash from its sequence and the previous
    /// hash, and the head moves to it before anyone else can take the same place.
    func claim(_ entry: (_ sequence: Int64, _ previousHash: Data) -> Data) throws -> (sequence: Int64, previousHash: Data, hash: Data) {
        try state.withLockedValue { state in
            guard let head = state.head else { throw AuditTrailError.headMissing }
            let sequence = head.sequence + 1
            let hash = entry(sequence, head.hash)
            state.head = (sequence, hash)
            state.moved = true
            return (sequence, head.hash, hash)
        }
    }
}

/// The only code that writes audit rows (SECURITY.md). Call it inside the transaction of the access it records.
enum AuditWriter {
    /// `date` is the clock service's time (`RapportServices.now`), so that tests that move the clock see it here too.
    static func append(_ event: AuditEvent, at date: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { throw AuditTrailError.headMissing }
        func record(_ sequence: Int64) -> AuditRecord {
            AuditRecord(
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
        }
        let entry: AuditRecord
        let previousHash: Data
        let hash: Data
        if let batch = AuditBatch.current {
            if batch.head == nil { batch.start(from: try await storedHead(on: sql)) }
            let claimed = try batch.claim { sequence, previous in AuditChain.hash(previous: previous, record: record(sequence)) }
            (entry, previousHash, hash) = (record(claimed.sequence), claimed.previousHash, claimed.hash)
        } else {
            // Claim the next sequence number first: the UPDATE takes the write lock (SQLite) or the row lock
            // (PostgreSQL), so two requests can never chain onto the same previous entry.
            // One statement claims the number and reads the previous hash (RETURNING, on SQLite and PostgreSQL alike).
            guard let claimed = try await sql.raw("""
                UPDATE "audit_head" SET "sequence" = "sequence" + 1 WHERE "id" = \(bind: AuditHeadRow.singletonID) RETURNING "sequence", "hash"
                """).first()
            else { throw AuditTrailError.headMissing }
            entry = record(try claimed.decode(column: "sequence", as: Int64.self))
            previousHash = try claimed.decode(column: "hash", as: Data.self)
            hash = AuditChain.hash(previous: previousHash, record: entry)
        }
        // Plain SQL, not a Fluent model: this runs on every access (see HotPaths for why).
        try await sql.raw("""
            INSERT INTO "audit_entries" ("id", "sequence", "occurred_at_ms", "actor_id", "actor_role", "action", "client_id",
                                         "resource_type", "resource_id", "outcome", "previous_hash", "hash")
            VALUES (\(bind: UUID()), \(bind: entry.sequence), \(bind: entry.occurredAtMilliseconds), \(bind: entry.actorID),
                    \(bind: entry.actorRole), \(bind: entry.action), \(bind: entry.clientID), \(bind: entry.resourceType),
                    \(bind: entry.resourceID), \(bind: entry.outcome), \(bind: previousHash), \(bind: hash))
            """).run()
        if AuditBatch.current == nil {
            try await sql.raw(#"UPDATE "audit_head" SET "hash" = \#(bind: hash) WHERE "id" = \#(bind: AuditHeadRow.singletonID)"#).run()
        }
    }

    /// The newest entry's sequence and hash as this transaction sees them (a batch's own appends included).
    static func head(on db: any Database) async throws -> (sequence: Int64, hash: Data) {
        guard let sql = db as? any SQLDatabase else { throw AuditTrailError.headMissing }
        if let batch = AuditBatch.current { return try await batchHead(batch, on: sql) }
        return try await storedHead(on: sql)
    }

    /// Reads the chain's head into a batch before bodies that may append at once run (`CommitBatcher`).
    static func prepareBatch(_ batch: AuditBatch, on db: any Database) async throws {
        guard batch.head == nil else { return }
        guard let sql = db as? any SQLDatabase else { throw AuditTrailError.headMissing }
        batch.start(from: try await storedHead(on: sql))
    }

    /// Writes a batch's head back, once, inside the batch's transaction, before its COMMIT.
    static func closeBatch(_ batch: AuditBatch, on sql: any SQLDatabase) async throws {
        guard let head = batch.movedHead else { return }
        try await sql.raw("""
            UPDATE "audit_head" SET "sequence" = \(bind: head.sequence), "hash" = \(bind: head.hash) WHERE "id" = \(bind: AuditHeadRow.singletonID)
            """).run()
    }

    private static func batchHead(_ batch: AuditBatch, on sql: any SQLDatabase) async throws -> (sequence: Int64, hash: Data) {
        if let head = batch.head { return head }
        let head = try await storedHead(on: sql)
        batch.start(from: head)
        return batch.head ?? head
    }

    private static func storedHead(on sql: any SQLDatabase) async throws -> (sequence: Int64, hash: Data) {
        guard let row = try await sql.raw(#"SELECT "sequence", "hash" FROM "audit_head" WHERE "id" = \#(bind: AuditHeadRow.singletonID)"#).first()
        else { throw AuditTrailError.headMissing }
        return (try row.decode(column: "sequence", as: Int64.self), try row.decode(column: "hash", as: Data.self))
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
