import Fluent
import Foundation

final class UserRow: Model, @unchecked Sendable {
    static let schema = "users"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "role") var role: String
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
}
