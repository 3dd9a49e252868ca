import Fluent
import Foundation

final class ClientKeyRow: Model, @unchecked Sendable {
    static let schema = "client_keys"
    @ID(key: .id) var id: UUID?
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "practice_key_version") var practiceKeyVersion: Int
    @Field(key: "wrapped_key") var wrappedKey: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
