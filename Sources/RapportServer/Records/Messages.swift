import Fluent
import Foundation
import RapportCore
import SQLKit

/// A message as pages and the API show it.
struct MessageView: Sendable, Codable, Equatable {
    let id: UUID
    let clientID: UUID
    let authorID: UUID
    /// Written by the client, or by someone on their care team.
    let fromClient: Bool
    let authorName: String
    let createdAt: Date
    /// When the other side first opened the thread after it was sent.
    let readAt: Date?
    let body: String

    enum CodingKeys: String, CodingKey {
        case id, body
        case clientID = "client_id"
        case authorID = "author_id"
        case fromClient = "from_client"
        case authorName = "author_name"
        case createdAt = "created_at"
        case readAt = "read_at"
    }
}

/// Secure messages between a client and their care team: one thread per client, sealed under the client's key.
/// Each function takes the `ClientRecord` the policy opened: for the care team through `withClientRecord` (audited
/// like the rest of the record), for the client through their own portal. A new message puts a notification in the
/// outbox for the other side, which carries ids and a kind, never words.
enum Messages {
    static let notificationKind = "new-message"

    /// Writes a message from the record's actor: the client when `fromClient`, else a therapist on the care team.
    static func write(_ body: String, fromClient: Bool, in record: ClientRecord) async throws -> MessageView {
        if let problem = MessageRules.problem(body) { throw RecordError.invalid([problem]) }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let messageID = UUID()
        let row = MessageRow()
        row.id = messageID
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.authorID = record.actor.userID
        row.fromClient = fromClient
        row.bodyEnvelope = try record.seal(text, MessageRow.schema, "body", row: messageID)
        row.createdAt = record.now
        try await row.create(on: record.db)
        try await Notifications.enqueue(notificationKind, to: try await Notifications.otherSide(ofClient: fromClient, in: record),
                                        about: messageID, practiceID: record.practiceID, clientID: record.clientID, now: record.now,
                                        on: record.db)
        let names = try await record.names(of: [row.authorID])
        return try view(row, names: names, in: record)
    }

    /// The thread, oldest first, with each author's name.
    static func thread(in record: ClientRecord) async throws -> [MessageView] {
        let rows = try await MessageRow.query(on: record.db).filter(\.$clientID == record.clientID)
            .sort(\.$createdAt).sort(\.$id).all()
        let names = try await record.names(of: Set(rows.map(\.authorID)))
        return try rows.map { try view($0, names: names, in: record) }
    }

    /// Marks as read what the other side sent: a therapist opening the thread reads the client's messages, the client
    /// reads the care team's. One statement, and only where nothing was marked yet, so `read_at` stays the first opening
    /// when two of the care team open it at once.
    static func markRead(byClient: Bool, in record: ClientRecord) async throws {
        guard let sql = record.db as? any SQLDatabase else { return }
        try await sql.raw("""
            UPDATE "messages" SET "read_at" = \(bind: record.now)
            WHERE "client_id" = \(bind: record.clientID) AND "from_client" = \(bind: !byClient) AND "read_at" IS NULL
            """).run()
    }

    /// How many messages wait to be read by the client (`forClient`) or by the care team.
    static func unread(forClient: Bool, in record: ClientRecord) async throws -> Int {
        try await HotPaths.count("""
            SELECT COUNT(*) AS "n" FROM "messages"
            WHERE "client_id" = \(bind: record.clientID) AND "from_client" = \(bind: !forClient) AND "read_at" IS NULL
            """, on: record.db)
    }

    /// Clients with messages their care team hasn't read, among `clientIDs` (a caseload): [client: count]. One
    /// statement, counts only: no message is opened for it.
    static func unreadByCareTeam(clientIDs: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !clientIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let rows = try await sql.raw("""
            SELECT "client_id", COUNT(*) AS "waiting" FROM "messages"
            WHERE "client_id" IN (\(binds: clientIDs)) AND "from_client" = \(bind: true) AND "read_at" IS NULL
            GROUP BY "client_id"
            """).all()
        var counts: [UUID: Int] = [:]
        for row in rows { counts[try HotPaths.uuid(row, "client_id")] = try row.decode(column: "waiting", as: Int.self) }
        return counts
    }

    private static func view(_ row: MessageRow, names: [UUID: String], in record: ClientRecord) throws -> MessageView {
        let id = try row.requireID()
        return MessageView(id: id, clientID: row.clientID, authorID: row.authorID, fromClient: row.fromClient,
                           authorName: names[row.authorID] ?? (row.fromClient ? "The client" : "Your care team"),
                           createdAt: row.createdAt, readAt: row.readAt,
                           body: try record.open(row.bodyEnvelope, MessageRow.schema, "body", row: id))
    }
}
