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
/// and readable by their author only). Call these inside `withClientRecord`, which has already asked the policy
/// and appends the audit entry in the same transaction, and pass the client's key, fetched once per request.
enum Notes {
    /// The table a kind of note lives in; part of every note's envelope context, so it is named in one place.
    static func table(_ kind: NoteView.Kind) -> String {
        kind == .progress ? ProgressNoteRow.schema : PsychotherapyNoteRow.schema
    }

    static func write(_ kind: NoteView.Kind, body: String, access: ClientAccess, key: ClientDataKey, keys: KeyStore, at now: Date,
                      on db: any Database) async throws -> NoteView {
        if let problem = InputRules.noteProblem(body) { throw RapportError.invalid([problem]) }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let noteID = UUID()
        let envelope = try keys.seal(text, key: key, table(kind), "body", row: noteID)
        // Plain SQL: writing a note is a hot path (see HotPaths). Both tables have the same columns.
        try await HotPaths.sql(db).raw("""
            INSERT INTO \(ident: table(kind)) ("id", "practice_id", "client_id", "author_id", "body_envelope", "created_at")
            VALUES (\(bind: noteID), \(bind: access.scope.practiceID), \(bind: access.scope.clientID), \(bind: access.actor.userID),
                    \(bind: envelope), \(bind: now))
            """).run()
        return NoteView(id: noteID, kind: kind, clientID: access.scope.clientID, authorID: access.actor.userID, createdAt: now, body: text)
    }

    /// Opens a stored note into what pages and the API show.
    private static func view(_ kind: NoteView.Kind, id: UUID, clientID: UUID, authorID: UUID, createdAt: Date, envelope: Data,
                             key: ClientDataKey, keys: KeyStore) throws -> NoteView {
        NoteView(id: id, kind: kind, clientID: clientID, authorID: authorID, createdAt: createdAt,
                 body: try keys.open(envelope, key: key, table(kind), "body", row: id))
    }

    private static func view(_ row: ProgressNoteRow, key: ClientDataKey, keys: KeyStore) throws -> NoteView {
        try view(.progress, id: try row.requireID(), clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                 envelope: row.bodyEnvelope, key: key, keys: keys)
    }

    private static func view(_ row: PsychotherapyNoteRow, key: ClientDataKey, keys: KeyStore) throws -> NoteView {
        try view(.psychotherapy, id: try row.requireID(), clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                 envelope: row.bodyEnvelope, key: key, keys: keys)
    }

    static func progressNotes(access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> [NoteView] {
        try await ProgressNoteRow.query(on: db).filter(\.$clientID == access.scope.clientID)
            .sort(\.$createdAt, .descending).all()
            .map { try view($0, key: key, keys: keys) }
    }

    /// Only the asking therapist's own psychotherapy notes: nobody else's are ever listed.
    static func ownPsychotherapyNotes(access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> [NoteView] {
        try await PsychotherapyNoteRow.query(on: db).filter(\.$clientID == access.scope.clientID)
            .filter(\.$authorID == access.actor.userID).sort(\.$createdAt, .descending).all()
            .map { try view($0, key: key, keys: keys) }
    }

    static func one(_ kind: NoteView.Kind, access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> NoteView {
        guard let noteID = access.noteID else { throw RapportError.notFound }
        switch kind {
        case .progress:
            guard let row = try await ProgressNoteRow.query(on: db).filter(\.$id == noteID)
                .filter(\.$clientID == access.scope.clientID).first() else { throw RapportError.notFound }
            return try view(row, key: key, keys: keys)
        case .psychotherapy:
            // The policy has checked authorship already; the filter on author is a second lock on the same door.
            guard let row = try await PsychotherapyNoteRow.query(on: db).filter(\.$id == noteID)
                .filter(\.$clientID == access.scope.clientID).filter(\.$authorID == access.actor.userID).first()
            else { throw RapportError.notFound }
            return try view(row, key: key, keys: keys)
        }
    }
}
