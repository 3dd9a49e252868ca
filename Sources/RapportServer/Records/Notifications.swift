import Fluent
import Foundation

/// The one outbox for every notification. A row holds ids and a kind, never content: whatever delivers it says only
/// that there is something to see in Rapport.
enum Notifications {
    /// Who is told of something new in a client's record: their care team when the client wrote it, else the client's
    /// own sign-in account(s).
    static func otherSide(ofClient fromClient: Bool, in record: ClientRecord) async throws -> [UUID] {
        if fromClient { return record.scope.careTeam.sorted { $0.uuidString < $1.uuidString } }
        return try await UserRow.query(on: record.db).filter(\.$clientID == record.clientID).all().map { try $0.requireID() }
    }

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
