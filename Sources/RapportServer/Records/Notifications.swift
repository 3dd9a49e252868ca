import Fluent
import Foundation

/// The one outbox for every notification. A row holds ids and a kind, never content: whatever delivers it says only
/// that there is something to see in Rapport.
enum Notifications {
    static func enqueue(_ kind: String, to recipients: [UUID], about subjectID: UUID?, practiceID: UUID, clientID: UUID?, now: Date,
                        on db: any Database) async throws {
        for recipient in recipients {
            let notification = NotificationRow()
            notification.practiceID = practiceID
            notification.recipientID = recipient
            notification.kind = kind
            notification.clientID = clientID
            notification.subjectID = subjectID
            notification.createdAt = now
            try await notification.create(on: db)
        }
    }
}
