import Fluent
import Foundation

/// One of a person's one-time recovery codes. Only its keyed hash is stored; the code itself was shown once.
final class RecoveryCodeRow: Model, @unchecked Sendable {
    static let schema = "recovery_codes"
    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    /// `Vault.recoveryCodeHash` of the code's canonical form and the person's id.
    @Field(key: "code_hash") var codeHash: Data
    @Field(key: "created_at") var createdAt: Date
    /// When the code was used to sign in; a used code never works again.
    @OptionalField(key: "used_at") var usedAt: Date?
    init() {}
}
