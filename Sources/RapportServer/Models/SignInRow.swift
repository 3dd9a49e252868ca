import Fluent
import Foundation

final class SignInRow: Model, @unchecked Sendable {
    static let schema = "sign_ins"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "user_id") var userID: UUID
    /// `full`, or a sign-in step still to do: `two-factor` or `enrol-two-factor`.
    @Field(key: "stage") var stage: String
    /// `browser` (cookie) or `api` (bearer token).
    @Field(key: "kind") var kind: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    init() {}
}
