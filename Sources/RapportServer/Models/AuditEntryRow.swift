import Fluent
import Foundation

final class AuditEntryRow: Model, @unchecked Sendable {
    static let schema = "audit_entries"
    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "occurred_at_ms") var occurredAtMilliseconds: Int64
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "action") var action: String
    @OptionalField(key: "client_id") var clientID: UUID?
    @Field(key: "resource_type") var resourceType: String
    @OptionalField(key: "resource_id") var resourceID: String?
    @Field(key: "outcome") var outcome: String
    @Field(key: "previous_hash") var previousHash: Data
    @Field(key: "hash") var hash: Data
    init() {}
}
