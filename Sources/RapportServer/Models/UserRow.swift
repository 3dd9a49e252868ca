import Fluent
import Foundation
import RapportCore

final class UserRow: Model, @unchecked Sendable {
    static let schema = "users"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    /// The account's first role: owner, therapist or client. An owner's second, if any, is `seesClients`.
    @Field(key: "role") var role: String
    /// An owner who is also a therapist with a caseload (a solo practice). Always false for anyone else.
    @Field(key: "sees_clients") var seesClients: Bool
    /// Blind index of the normalised email: how sign-in finds the account without storing the address in clear.
    @Field(key: "email_index") var emailIndex: Data
    @Field(key: "email_envelope") var emailEnvelope: Data
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "password_hash") var passwordHash: String
    /// How `password_hash` was made: `keyed-bcrypt-<cost>` (salt derived from the email's blind index, see
    /// `Passwords.keyedHash`), or nil for a random salt from before accounts were per invitation.
    @OptionalField(key: "password_scheme") var passwordScheme: String?
    @OptionalField(key: "client_id") var clientID: UUID?
    @OptionalField(key: "totp_secret_envelope") var totpSecretEnvelope: Data?
    /// During enrolment, the key from before the person chose to start again: a code from it is explained plainly.
    @OptionalField(key: "totp_previous_secret_envelope") var totpPreviousSecretEnvelope: Data?
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    @OptionalField(key: "totp_enabled_at") var totpEnabledAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}

    /// The roles this account holds, or nil for a role this version doesn't know (the sign-in is then refused).
    var roles: Set<Role>? {
        guard let first = Role(rawValue: role) else { return nil }
        return first == .owner && seesClients ? [.owner, .therapist] : [first]
    }

    func principal() throws -> Principal? {
        guard let roles else { return nil }
        return Principal(userID: try requireID(), roles: roles, practiceID: practiceID, clientID: clientID)
    }
}
