import Fluent
import Foundation

/// One row: the sequence and hash of the newest audit entry. Updating it first in every audit transaction
/// serialises writers on both databases, and comparing it with the last entry detects deleted tail entries.
final class AuditHeadRow: Model, @unchecked Sendable {
    static let schema = "audit_head"
    static let singletonID = UUID(uuidString: "00000000-0000-0000-0000-00000000A0D1")!
    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "hash") var hash: Data
    init() {}
}
