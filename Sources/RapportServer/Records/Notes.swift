import Fluent
import Foundation
import RapportCore
import RapportVault

/// A note as pages and the API show it.
struct NoteView: Sendable, Codable {
    enum Kind: String, Sendable, Codable {
        case progress
        case psychotherapy
    }

    let id: UUID
    let kind: Kind
    let clientID: UUID
    let authorID: UUID
    let createdAt: Date
    let body: String

    enum CodingKeys: String, CodingKey {
        case id, kind, body
        case clientID = "client_id"
        case authorID = "author_id"
        case createdAt = "created_at"
    }
}

/// Progress notes (part of the record) and psychotherapy notes (the author's private process notes, kept apart
/// and readable by their author only). Each takes the `ClientRecord` that `withClientRecord` opened after asking
/// the policy; the audit entry is appended in the same transaction.
enum Notes {
    /// The table a kind of note lives in; part of every note's envelope context, so it is named in one place.
    static func table(_ kind: NoteView.Kind) -> String {
        kind == .progress ? ProgressNoteRow.schema : PsychotherapyNoteRow.schema
    }

    static func write(_ kind: NoteView.Kind, body: String, in record: ClientRecord) async throws -> NoteView {
        if let problem = InputRules.noteProblem(body) { throw RecordError.invalid([problem]) }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let noteID = UUID()
        let envelope = try record.seal(text, table(kind), "body", row: noteID)
        let access = record.access
        // Plain SQL: writing a note is a hot path (see HotPaths). Both tables have the same columns.
        try await HotPaths.sql(record.db).raw("""
            INSERT INTO \(ident: table(kind)) ("id", "practice_id", "client_id", "author_id", "body_envelope", "created_at")
            VALUES (\(bind: noteID), \(bind: access.scope.practiceID), \(bind: access.scope.clientID), \(bind: access.actor.userID),
                    \(bind: envelope), \(bind: record.now))
            """).run()
        return NoteView(id: noteID, kind: kind, clientID: access.scope.clientID, authorID: access.actor.userID, createdAt: record.now, body: text)
    }

    /// Opens a stored note into what pages and the API show.
    private static func view(_ kind: NoteView.Kind, id: UUID, clientID: UUID, authorID: UUID, createdAt: Date, envelope: Data,
                             in record: ClientRecord) throws -> NoteView {
        NoteView(id: id, kind: kind, clientID: clientID, authorID: authorID, createdAt: createdAt,
                 body: try record.open(envelope, table(kind), "body", row: id))
    }

    private static func view(_ row: ProgressNoteRow, in record: ClientRecord) throws -> NoteView {
        try view(.progress, id: try row.requireID(), clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                 envelope: row.bodyEnvelope, in: record)
    }

    private static func view(_ row: PsychotherapyNoteRow, in record: ClientRecord) throws -> NoteView {
        try view(.psychotherapy, id: try row.requireID(), clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                 envelope: row.bodyEnvelope, in: record)
    }

    static func progressNotes(in record: ClientRecord) async throws -> [NoteView] {
        try await HotPaths.models(ProgressNoteRow.self, """
            SELECT * FROM "progress_notes" WHERE "client_id" = \(bind: record.clientID) ORDER BY "created_at" DESC
            """, on: record.db).map { try view($0, in: record) }
    }

    /// Only the asking therapist's own psychotherapy notes: nobody else's are ever listed.
    static func ownPsychotherapyNotes(in record: ClientRecord) async throws -> [NoteView] {
        try await HotPaths.models(PsychotherapyNoteRow.self, """
            SELECT * FROM "psychotherapy_notes" WHERE "client_id" = \(bind: record.clientID) AND "author_id" = \(bind: record.actor.userID)
            ORDER BY "created_at" DESC
            """, on: record.db).map { try view($0, in: record) }
    }

    static func one(_ kind: NoteView.Kind, in record: ClientRecord) async throws -> NoteView {
        guard let noteID = record.access.noteID else { throw RecordError.notFound }
        switch kind {
        case .progress:
            guard let row = try await ProgressNoteRow.query(on: record.db).filter(\.$id == noteID)
                .filter(\.$clientID == record.clientID).first() else { throw RecordError.notFound }
            return try view(row, in: record)
        case .psychotherapy:
            // The policy has checked authorship already; the filter on author is a second lock on the same door.
            guard let row = try await PsychotherapyNoteRow.query(on: record.db).filter(\.$id == noteID)
                .filter(\.$clientID == record.clientID).filter(\.$authorID == record.actor.userID).first()
            else { throw RecordError.notFound }
            return try view(row, in: record)
        }
    }
}
