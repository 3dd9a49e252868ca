import Fluent
import Foundation
import RapportCore

/// Words to carry as pages show them.
struct WordsToCarryView: Sendable, Equatable {
    let id: UUID
    let authorID: UUID
    let createdAt: Date
    let pinned: Bool
    let body: String
}

/// Short notes a therapist writes *for* the client (seed: the therapist's voice, internalised), which the client
/// keeps on a page of their own and may pin to their home page. Nothing here depends on therapy going on: the words
/// stay the client's to read after it ends.
enum WordsToCarry {
    static func write(_ body: String, in record: ClientRecord) async throws -> WordsToCarryView {
        if let problem = WordsToCarryRules.problem(body) { throw RecordError.invalid([problem]) }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let id = UUID()
        let row = WordsToCarryRow()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.authorID = record.actor.userID
        row.bodyEnvelope = try record.seal(text, WordsToCarryRow.schema, "body", row: id)
        row.pinned = false
        row.createdAt = record.now
        try await row.create(on: record.db)
        return WordsToCarryView(id: id, authorID: row.authorID, createdAt: row.createdAt, pinned: false, body: text)
    }

    /// Every note, newest first; the pinned ones first when `pinnedFirst`.
    static func all(pinnedFirst: Bool = false, in record: ClientRecord) async throws -> [WordsToCarryView] {
        let rows = try await HotPaths.models(WordsToCarryRow.self, """
            SELECT * FROM "words_to_carry" WHERE "client_id" = \(bind: record.clientID) ORDER BY "created_at" DESC, "id"
            """, on: record.db)
        let views = try rows.map { row in
            let id = try row.requireID()
            return WordsToCarryView(id: id, authorID: row.authorID, createdAt: row.createdAt, pinned: row.pinned,
                                    body: try record.open(row.bodyEnvelope, WordsToCarryRow.schema, "body", row: id))
        }
        guard pinnedFirst else { return views }
        return views.filter(\.pinned) + views.filter { !$0.pinned }
    }

    /// The client pins or unpins one of their own notes; an id that isn't theirs is "not found".
    static func pin(_ id: UUID, pinned: Bool, in record: ClientRecord) async throws {
        guard let row = try await WordsToCarryRow.query(on: record.db).filter(\.$id == id).filter(\.$clientID == record.clientID).first()
        else { throw RecordError.notFound }
        row.pinned = pinned
        try await row.update(on: record.db)
    }
}
