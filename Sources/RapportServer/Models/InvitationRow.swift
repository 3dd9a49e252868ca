import Fluent
import Foundation

final class InvitationRow: Model, @unchecked Sendable {
    static let schema = "invitations"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "role") var role: String
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "invited_by") var invitedBy: UUID
    /// For a client invitation, the client record it completes.
    @OptionalField(key: "client_id") var clientID: UUID?
    @Field(key: "email_index") var emailIndex: Data
    @Field(key: "email_envelope") var emailEnvelope: Data
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
