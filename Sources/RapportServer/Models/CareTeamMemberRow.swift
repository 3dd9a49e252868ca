import Fluent
import Foundation

final class CareTeamMemberRow: Model, @unchecked Sendable {
    static let schema = "care_team_members"
    @ID(key: .id) var id: UUID?
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "therapist_id") var therapistID: UUID
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
