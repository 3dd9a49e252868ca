import Fluent
import Foundation

/// A secret, revocable address for one person's calendar. Only the token's hash is stored.
final class CalendarFeedRow: Model, @unchecked Sendable {
    static let schema = "calendar_feeds"
    @ID(key: .id) var id: UUID?
    @Field(key: "user_id") var userID: UUID
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
