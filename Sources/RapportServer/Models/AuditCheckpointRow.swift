import Fluent
import Foundation

final class AuditCheckpointRow: Model, @unchecked Sendable {
    static let schema = "audit_checkpoints"
    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "head_hash") var headHash: Data
    @Field(key: "signature") var signature: Data
    @Field(key: "public_key") var publicKey: Data
    @Field(key: "signed_at_ms") var signedAtMilliseconds: Int64
    init() {}
}
