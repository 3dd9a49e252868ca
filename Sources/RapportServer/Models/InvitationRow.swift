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
    /// The link's token, sealed like the name and email, so the inviter can be shown the link again (nil before 0012).
    @OptionalField(key: "token_envelope") var tokenEnvelope: Data?
    @OptionalField(key: "withdrawn_at") var withdrawnAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}
