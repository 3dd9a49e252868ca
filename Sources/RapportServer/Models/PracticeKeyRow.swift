import Fluent
import Foundation

final class PracticeKeyRow: Model, @unchecked Sendable {
    static let schema = "practice_keys"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "wrapped_key") var wrappedKey: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
