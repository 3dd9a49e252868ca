import Fluent
import Foundation

// Fluent models stay in RapportServer and are mapped to domain values at the boundary (ARCHITECTURE.md).
// Every column ending in `_envelope` holds a RapportVault envelope; nothing confidential is stored any other way.

final class PracticeRow: Model, @unchecked Sendable {
    static let schema = "practices"
    @ID(key: .id) var id: UUID?
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

final class PracticeKeyRow: Model, @unchecked Sendable {
    static let schema = "practice_keys"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "version") var version: Int
    @Field(key: "wrapped_key") var wrappedKey: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

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
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    @OptionalField(key: "totp_enabled_at") var totpEnabledAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

final class ClientRow: Model, @unchecked Sendable {
    static let schema = "clients"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "name_envelope") var nameEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

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

final class CareTeamMemberRow: Model, @unchecked Sendable {
    static let schema = "care_team_members"
    @ID(key: .id) var id: UUID?
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "therapist_id") var therapistID: UUID
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

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

final class SetupTokenRow: Model, @unchecked Sendable {
    static let schema = "setup_tokens"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

final class SessionRow: Model, @unchecked Sendable {
    static let schema = "sessions"
    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: Data
    @Field(key: "user_id") var userID: UUID
    /// `full`, or a sign-in step still to do: `two-factor` or `enrol-two-factor`.
    @Field(key: "stage") var stage: String
    /// `browser` (cookie) or `api` (bearer token).
    @Field(key: "kind") var kind: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "last_seen_at") var lastSeenAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    init() {}
}

final class SignInThrottleRow: Model, @unchecked Sendable {
    static let schema = "sign_in_throttles"
    @ID(key: .id) var id: UUID?
    /// Blind index of the email tried, so throttling works the same whether or not the account exists.
    @Field(key: "subject_index") var subjectIndex: Data
    @Field(key: "failures") var failures: Int
    @Field(key: "window_started_at") var windowStartedAt: Date
    @OptionalField(key: "locked_until") var lockedUntil: Date?
    init() {}
}

final class ProgressNoteRow: Model, @unchecked Sendable {
    static let schema = "progress_notes"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

final class PsychotherapyNoteRow: Model, @unchecked Sendable {
    static let schema = "psychotherapy_notes"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "client_id") var clientID: UUID
    @Field(key: "author_id") var authorID: UUID
    @Field(key: "body_envelope") var bodyEnvelope: Data
    @Field(key: "created_at") var createdAt: Date
    init() {}
}

final class AuditEntryRow: Model, @unchecked Sendable {
    static let schema = "audit_entries"
    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "occurred_at_ms") var occurredAtMilliseconds: Int64
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_role") var actorRole: String
    @Field(key: "action") var action: String
    @OptionalField(key: "client_id") var clientID: UUID?
    @Field(key: "resource_type") var resourceType: String
    @OptionalField(key: "resource_id") var resourceID: String?
    @Field(key: "outcome") var outcome: String
    @Field(key: "previous_hash") var previousHash: Data
    @Field(key: "hash") var hash: Data
    init() {}
}

/// One row: the sequence and hash of the newest audit entry. Updating it first in every audit transaction
/// serialises writers on both databases, and comparing it with the last entry detects deleted tail entries.
final class AuditHeadRow: Model, @unchecked Sendable {
    static let schema = "audit_head"
    static let singletonID = UUID(uuidString: "00000000-0000-0000-0000-00000000A0D1")!
    @ID(key: .id) var id: UUID?
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "hash") var hash: Data
    init() {}
}
