import Fluent
import Foundation

final class PracticeRow: Model, @unchecked Sendable {
    static let schema = "practices"
    @ID(key: .id) var id: UUID?
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
