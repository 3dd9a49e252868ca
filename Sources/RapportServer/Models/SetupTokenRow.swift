import Fluent
import Foundation

final class SetupTokenRow: Model, @unchecked Sendable {
    static let schema = "setup_tokens"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
