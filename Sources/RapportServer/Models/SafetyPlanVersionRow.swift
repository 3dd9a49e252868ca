import Fluent
import Foundation

/// One saved version of a client's safety plan: the whole plan, sealed under the client's key.
final class SafetyPlanVersionRow: Model, @unchecked Sendable {
    static let schema = "safety_plan_versions"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    /// 1 for the first, one more for each save.
    @Field(key: "version") var version: Int
    @Field(key: "plan_envelope") var planEnvelope: Data
    @Field(key: "written_by") var writtenBy: UUID
    /// Saved by the client (true) or by someone on their care team.
    @Field(key: "by_client") var byClient: Bool
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
