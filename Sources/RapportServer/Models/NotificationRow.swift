import Fluent
import Foundation

/// One outbox for every notification. It holds ids and a kind, never content: the email it becomes says only that
/// there is something to see in Rapport (`EmailTexts`). Addressed to an account, or to an invitation (whose email goes
/// before anyone has an account). Its delivery is kept on it: tries, the next due, the last failure in words with no
/// address, and when it was given up (shown to the owner, never dropped).
final class NotificationRow: Model, @unchecked Sendable {
    static let schema = "notification_outbox"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @OptionalField(key: "recipient_id") var recipientID: UUID?
    @OptionalField(key: "invitation_id") var invitationID: UUID?
    /// An enquiry from the reach-out page answered by email: the email goes to the address it gave.
    @OptionalField(key: "enquiry_id") var enquiryID: UUID?
    @Field(key: "kind") var kind: String
    @OptionalField(key: "client_id") var clientID: UUID?
    @OptionalField(key: "subject_id") var subjectID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "next_attempt_at") var nextAttemptAt: Date?
    @OptionalField(key: "claimed_until") var claimedUntil: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @OptionalField(key: "failed_at") var failedAt: Date?
    init() {}
}
