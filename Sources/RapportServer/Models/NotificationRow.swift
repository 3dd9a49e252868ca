import Fluent
import Foundation

/// One outbox for every notification. It holds ids and a kind, never content: whatever delivers it (email, later)
/// says only that there is something to see in Rapport.
final class NotificationRow: Model, @unchecked Sendable {
    static let schema = "notification_outbox"
    @ID(key: .id) var id: UUID?
    @Field(key: "practice_id") var practiceID: UUID
    @Field(key: "recipient_id") var recipientID: UUID
    @Field(key: "kind") var kind: String
    @OptionalField(key: "client_id") var clientID: UUID?
    @OptionalField(key: "subject_id") var subjectID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "delivered_at") var deliveredAt: Date?
    init() {}
}
