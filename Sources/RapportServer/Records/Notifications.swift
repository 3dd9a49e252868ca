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
            notification.attempts = 0
            try await notification.create(on: db)
        }
    }

    /// An invitation's email (its link goes to the address invited). A new link replaces any email of the invitation
    /// not yet sent, which would otherwise carry the new link twice.
    static func enqueueInvitation(_ invitationID: UUID, practiceID: UUID, now: Date, on db: any Database) async throws {
        for waiting in try await NotificationRow.query(on: db).filter(\.$invitationID == invitationID)
            .filter(\.$deliveredAt == nil).all() {
            waiting.deliveredAt = now
            waiting.failedAt = nil
            waiting.lastError = "not sent: a newer link was made"
            try await waiting.update(on: db)
        }
        let notification = NotificationRow()
        notification.practiceID = practiceID
        notification.invitationID = invitationID
        notification.kind = EmailOutbox.invitationKind
        notification.createdAt = now
        notification.attempts = 0
        try await notification.create(on: db)
    }
}
