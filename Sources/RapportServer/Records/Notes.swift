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
    static func write(_ kind: NoteView.Kind, body: String, access: ClientAccess, key: ClientDataKey, keys: KeyStore, at now: Date,
                      on db: any Database) async throws -> NoteView {
        if let problem = InputRules.noteProblem(body) { throw RapportError.invalid([problem]) }
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let noteID = UUID()
        switch kind {
        case .progress:
            let row = ProgressNoteRow()
            row.id = noteID
            row.practiceID = access.scope.practiceID
            row.clientID = access.scope.clientID
            row.authorID = access.actor.userID
            row.createdAt = now
            row.bodyEnvelope = try keys.seal(text, key: key, ProgressNoteRow.schema, "body", row: noteID)
            try await row.create(on: db)
        case .psychotherapy:
            let row = PsychotherapyNoteRow()
            row.id = noteID
            row.practiceID = access.scope.practiceID
            row.clientID = access.scope.clientID
            row.authorID = access.actor.userID
            row.createdAt = now
            row.bodyEnvelope = try keys.seal(text, key: key, PsychotherapyNoteRow.schema, "body", row: noteID)
            try await row.create(on: db)
        }
        return NoteView(id: noteID, kind: kind, clientID: access.scope.clientID, authorID: access.actor.userID, createdAt: now, body: text)
    }

    static func progressNotes(access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> [NoteView] {
        let rows = try await ProgressNoteRow.query(on: db).filter(\.$clientID == access.scope.clientID)
            .sort(\.$createdAt, .descending).all()
        return try rows.map { row in
            let id = try row.requireID()
            return NoteView(id: id, kind: .progress, clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                            body: try keys.open(row.bodyEnvelope, key: key, ProgressNoteRow.schema, "body", row: id))
        }
    }

    /// Only the asking therapist's own psychotherapy notes: nobody else's are ever listed.
    static func ownPsychotherapyNotes(access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> [NoteView] {
        let rows = try await PsychotherapyNoteRow.query(on: db).filter(\.$clientID == access.scope.clientID)
            .filter(\.$authorID == access.actor.userID).sort(\.$createdAt, .descending).all()
        return try rows.map { row in
            let id = try row.requireID()
            return NoteView(id: id, kind: .psychotherapy, clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                            body: try keys.open(row.bodyEnvelope, key: key, PsychotherapyNoteRow.schema, "body", row: id))
        }
    }

    static func one(_ kind: NoteView.Kind, access: ClientAccess, key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> NoteView {
        guard let noteID = access.noteID else { throw RapportError.notFound }
        switch kind {
        case .progress:
            guard let row = try await ProgressNoteRow.query(on: db).filter(\.$id == noteID)
                .filter(\.$clientID == access.scope.clientID).first() else { throw RapportError.notFound }
            return NoteView(id: noteID, kind: .progress, clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                            body: try keys.open(row.bodyEnvelope, key: key, ProgressNoteRow.schema, "body", row: noteID))
        case .psychotherapy:
            // The policy has checked authorship already; the filter on author is a second lock on the same door.
            guard let row = try await PsychotherapyNoteRow.query(on: db).filter(\.$id == noteID)
                .filter(\.$clientID == access.scope.clientID).filter(\.$authorID == access.actor.userID).first()
            else { throw RapportError.notFound }
            return NoteView(id: noteID, kind: .psychotherapy, clientID: row.clientID, authorID: row.authorID, createdAt: row.createdAt,
                            body: try keys.open(row.bodyEnvelope, key: key, PsychotherapyNoteRow.schema, "body", row: noteID))
        }
    }
}
