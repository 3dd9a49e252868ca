public import Foundation
import Crypto

/// One entry of the audit trail (SECURITY.md, "Audit trail"): who did what to which client's record, and whether
/// it was allowed. Never clinical content.
public struct AuditRecord: Sendable, Equatable {
    public var sequence: Int64
    /// Integer milliseconds since 1970, so the canonical encoding is exact on every database (no float rounding,
    /// no time-zone or precision differences between SQLite and Postgres).
    public var occurredAtMilliseconds: Int64
    public var actorID: UUID?
    public var actorRole: String
    public var action: String
    public var clientID: UUID?
    public var resourceType: String
    public var resourceID: String?
    public var outcome: String

    public init(
        sequence: Int64, occurredAtMilliseconds: Int64, actorID: UUID?, actorRole: String, action: String,
        clientID: UUID?, resourceType: String, resourceID: String?, outcome: String
    ) {
        self.sequence = sequence
        self.occurredAtMilliseconds = occurredAtMilliseconds
        self.actorID = actorID
        self.actorRole = actorRole
        self.action = action
        self.clientID = clientID
        self.resourceType = resourceType
        self.resourceID = resourceID
        self.outcome = outcome
    }
}

/// The hash chain over the audit trail: each entry stores
/// `hash = SHA-256(previous hash ‖ canonicalEncoding(entry))`, the first entry chaining from `genesisHash`.
///
/// Changing, inserting, removing or reordering any entry changes every later hash, so `verify` finds the first
/// entry that no longer matches. Someone able to rewrite the whole table could recompute the chain; signed
/// checkpoints (`CheckpointSigner`), kept outside the database, are what catch that.
public enum AuditChain {
    /// What the first entry chains from: 32 zero bytes.
    public static let genesisHash = Data(repeating: 0, count: 32)

    /// Versioned, unambiguous bytes of an entry: the tag "rapport-audit-v1", then every field in declaration
    /// order, text length-prefixed, integers as 8 bytes big-endian, optionals with a presence byte (so nil and ""
    /// differ), UUIDs as lowercase text.
    public static func canonicalEncoding(_ record: AuditRecord) -> Data {
        var writer = CanonicalWriter(domain: "rapport-audit-v1")
        writer.append(record.sequence)
        writer.append(record.occurredAtMilliseconds)
        writer.appendOptional(record.actorID)
        writer.append(record.actorRole)
        writer.append(record.action)
        writer.appendOptional(record.clientID)
        writer.append(record.resourceType)
        writer.appendOptional(record.resourceID)
        writer.append(record.outcome)
        return writer.bytes
    }

    /// SHA-256(previous ‖ canonicalEncoding(record)).
    public static func hash(previous: Data, record: AuditRecord) -> Data {
        var hasher = SHA256()
        hasher.update(data: previous)
        hasher.update(data: canonicalEncoding(record))
        return Data(hasher.finalize())
    }

    public enum Verification: Sendable, Equatable {
        /// Every row matched; `count` rows were checked.
        case ok(count: Int)
        /// The first entry that does not verify, and why (for the operator; contains no record content).
        case broken(sequence: Int64, reason: String)
    }

    /// Recomputes the chain over `rows` in the order given (the caller orders by sequence).
    ///
    /// Broken at the first row whose sequence is not the previous one plus 1 (the first must be 1): the sequence
    /// named is the one that was expected there, i.e. the first missing or misplaced entry. Broken also at a row
    /// whose stored previous hash or hash differs from the recomputation.
    ///
    /// `head` is the separately stored (sequence, hash) of the last entry. The chain alone cannot show that its
    /// last rows were deleted; the head can: rows that end before it or go on after it, or a last hash that differs
    /// from it, are broken too. Without a head, an empty list verifies as `.ok(count: 0)`.
    public static func verify(
        _ rows: [(record: AuditRecord, previousHash: Data, hash: Data)],
        head: (sequence: Int64, hash: Data)?
    ) -> Verification {
        var expectedPrevious = genesisHash
        var expectedSequence: Int64 = 1

        for row in rows {
            let sequence = row.record.sequence
            guard sequence == expectedSequence else {
                let problem = sequence > expectedSequence
                    ? "entry \(expectedSequence) is missing (the next entry found is \(sequence))"
                    : "entry \(sequence) appears where entry \(expectedSequence) was expected (duplicated or out of order)"
                return .broken(sequence: expectedSequence, reason: problem)
            }
            guard row.previousHash == expectedPrevious else {
                return .broken(
                    sequence: sequence,
                    reason: "the stored previous hash of entry \(sequence) is not the hash of the entry before it")
            }
            let recomputed = hash(previous: expectedPrevious, record: row.record)
            guard row.hash == recomputed else {
                return .broken(
                    sequence: sequence,
                    reason: "entry \(sequence) does not match its stored hash: its content was changed")
            }
            expectedPrevious = recomputed
            expectedSequence += 1
        }

        let lastSequence = expectedSequence - 1
        if let head {
            if lastSequence < head.sequence {
                return .broken(
                    sequence: lastSequence + 1,
                    reason: "the trail ends at entry \(lastSequence) but the recorded head is entry \(head.sequence): "
                        + "entries \(lastSequence + 1)...\(head.sequence) are missing")
            }
            if lastSequence > head.sequence {
                return .broken(
                    sequence: head.sequence + 1,
                    reason: "entries after the recorded head (entry \(head.sequence)) are present: "
                        + "entries \(head.sequence + 1)...\(lastSequence) were added without updating the head")
            }
            if head.hash != expectedPrevious {
                return .broken(
                    sequence: head.sequence,
                    reason: "the hash of entry \(head.sequence) differs from the recorded head hash")
            }
        }
        return .ok(count: rows.count)
    }
}
