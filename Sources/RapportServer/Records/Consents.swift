import Crypto
import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit

/// The practice's agreement about confidentiality, versioned, and each client's signatures (issue 12, point 1).
///
/// Version 1 of a practice's agreement is Rapport's starting text (`ConsentRules.starting`), put in place the first
/// time it is needed. The owner's edits make new versions; an edit that changes no word of the signed text makes none.
/// A client signs the version they were shown: typed name (sealed under their key), the version, the SHA-256 of its
/// exact text, and when. A newer version asks them to sign again; before their first check-in they must have signed one.
enum Consents {
    struct Version: Sendable {
        let practiceID: UUID
        let version: Int
        let document: ConsentDocument
        let sha256: String
        let createdAt: Date
    }

    struct Signature: Sendable {
        let version: Int
        let sha256: String
        let signedAt: Date
        let id: UUID
        let nameEnvelope: Data
    }

    /// Lower-case hex SHA-256 of the exact text a client reads and signs.
    static func sha256(_ document: ConsentDocument) -> String {
        SHA256.hash(data: Data(document.signedText.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func version(practiceID: UUID, version: Int? = nil, on db: any Database) async throws -> Version? {
        let sql = try HotPaths.sql(db)
        let columns = #"SELECT "version", "document", "sha256", "created_at" FROM "consent_versions" WHERE "practice_id" = "#
        let query: SQLQueryString = if let version {
            SQLQueryString(columns) + "\(bind: practiceID) AND \"version\" = \(bind: version)"
        } else {
            SQLQueryString(columns) + "\(bind: practiceID) ORDER BY \"version\" DESC LIMIT 1"
        }
        let rows = try await sql.raw(query).all()
        guard let row = rows.first else { return nil }
        let document = try JSONDecoder().decode(ConsentDocument.self, from: Data(try row.decode(column: "document", as: String.self).utf8))
        return Version(practiceID: practiceID, version: try row.decode(column: "version", as: Int.self), document: document,
                       sha256: try row.decode(column: "sha256", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    /// The practice's current agreement: its newest version. Version 1 is put in place when the practice is set up
    /// (and by migration 0034 for practices set up before); a practice without one gets it now, as a last resort.
    static func current(practiceID: UUID, now: Date, on db: any Database) async throws -> Version {
        if let newest = try await version(practiceID: practiceID, on: db) { return newest }
        try await insert(ConsentRules.starting, version: 1, practiceID: practiceID, by: nil, now: now, on: db)
        guard let newest = try await version(practiceID: practiceID, on: db) else { throw RecordError.notFound }
        return newest
    }

    private static func insert(_ document: ConsentDocument, version: Int, practiceID: UUID, by author: UUID?, now: Date,
                               on db: any Database) async throws {
        let json = String(decoding: try JSONEncoder().encode(document), as: UTF8.self)
        try await HotPaths.sql(db).raw("""
            INSERT INTO "consent_versions" ("id", "practice_id", "version", "document", "sha256", "written_by", "created_at")
            VALUES (\(bind: UUID()), \(bind: practiceID), \(bind: version), \(bind: json), \(bind: sha256(document)), \(bind: author), \(bind: now))
            """).run()
    }

    /// The owner's new version. Problems are field by field (`ConsentRules.problems`); text that signs the same as
    /// the current version makes no new version (nobody is asked to sign again for a changed space). Returns the
    /// version now current, and whether it is new.
    static func save(_ document: ConsentDocument, by owner: Principal, now: Date, on db: any Database) async throws -> (Version, Bool) {
        let problems = ConsentRules.problems(document)
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let current = try await current(practiceID: owner.practiceID, now: now, on: db)
        guard sha256(document) != current.sha256 else { return (current, false) }
        try await insert(document, version: current.version + 1, practiceID: owner.practiceID, by: owner.userID, now: now, on: db)
        guard let saved = try await version(practiceID: owner.practiceID, on: db) else { throw RecordError.notFound }
        return (saved, true)
    }

    /// A client's newest signature, if any.
    static func signature(clientID: UUID, on db: any Database) async throws -> Signature? {
        guard let row = try await HotPaths.sql(db).raw("""
            SELECT "id", "version", "sha256", "signed_at", "name_envelope" FROM "consent_signatures" WHERE "client_id" = \(bind: clientID)
            ORDER BY "version" DESC LIMIT 1
            """).first() else { return nil }
        return Signature(version: try row.decode(column: "version", as: Int.self), sha256: try row.decode(column: "sha256", as: String.self),
                         signedAt: try row.decode(column: "signed_at", as: Date.self), id: try row.decode(column: "id", as: UUID.self),
                         nameEnvelope: try row.decode(column: "name_envelope", as: Data.self))
    }

    /// The newest version each of these clients signed (absent: none), in one statement (the caseload).
    static func signedVersions(_ clientIDs: [UUID], on db: any Database) async throws -> [UUID: Int] {
        guard !clientIDs.isEmpty else { return [:] }
        let rows = try await HotPaths.sql(db).raw("""
            SELECT "client_id", MAX("version") AS "version" FROM "consent_signatures" WHERE "client_id" IN (\(binds: clientIDs))
            GROUP BY "client_id"
            """).all()
        var signed: [UUID: Int] = [:]
        for row in rows { signed[try HotPaths.uuid(row, "client_id")] = try row.decode(column: "version", as: Int.self) }
        return signed
    }

    /// Where a client stands, for their pages and their therapist's.
    enum Standing: Sendable, Equatable {
        case notSigned
        case signedCurrent(version: Int, at: Date)
        /// They signed an earlier version; the practice has changed its agreement since.
        case signedEarlier(version: Int, at: Date, current: Int)
    }

    /// Where a client stands, in one statement (their home page, their record page).
    static func standing(clientID: UUID, practiceID: UUID, on db: any Database) async throws -> Standing {
        let row = try await HotPaths.sql(db).raw("""
            SELECT (SELECT MAX("version") FROM "consent_versions" WHERE "practice_id" = \(bind: practiceID)) AS "current",
                   "version", "signed_at" FROM (SELECT 1 AS "one") AS "always"
            LEFT JOIN "consent_signatures" ON "consent_signatures"."client_id" = \(bind: clientID)
                 AND "consent_signatures"."version" = (SELECT MAX("version") FROM "consent_signatures" WHERE "client_id" = \(bind: clientID))
            """).first()
        let current = try row?.decode(column: "current", as: Int?.self) ?? 1
        guard let row, let version = try row.decode(column: "version", as: Int?.self) else { return .notSigned }
        let at = try row.decode(column: "signed_at", as: Date.self)
        return version >= current ? .signedCurrent(version: version, at: at) : .signedEarlier(version: version, at: at, current: current)
    }

    /// The client signs `shownVersion` with their typed name. If the practice changed its agreement while they read
    /// it, nothing is signed and they are shown the new one.
    static func sign(typedName: String, shownVersion: Int, in record: ClientRecord) async throws -> Signature {
        if let problem = ConsentRules.signatureProblem(typedName) { throw RecordError.invalid([problem]) }
        let current = try await current(practiceID: record.practiceID, now: record.now, on: record.db)
        guard current.version == shownVersion else {
            throw RecordError.conflict("Your practice updated its agreement while you were reading it. Here is the new version: please read it and sign again.")
        }
        if let signed = try await signature(clientID: record.clientID, on: record.db), signed.version == current.version { return signed }
        let id = UUID()
        let name = typedName.trimmingCharacters(in: .whitespacesAndNewlines)
        let envelope = try record.seal(name, "consent_signatures", "name", row: id)
        try await HotPaths.sql(record.db).raw("""
            INSERT INTO "consent_signatures" ("id", "practice_id", "client_id", "version", "sha256", "name_envelope", "signed_at")
            VALUES (\(bind: id), \(bind: record.practiceID), \(bind: record.clientID), \(bind: current.version), \(bind: current.sha256),
                    \(bind: envelope), \(bind: record.now))
            """).run()
        return Signature(version: current.version, sha256: current.sha256, signedAt: record.now, id: id, nameEnvelope: envelope)
    }

    /// A client's signature of the current version, made outside a request (the demo's clients, tests' new clients),
    /// through the same policy as their own page.
    static func sign(asClient user: UserRow, typedName: String, services: RapportServices, on db: any Database) async throws {
        guard let actor = try user.principal(), let clientID = user.clientID,
              let found = try await HotPaths.clientScope(clientID: clientID, on: db) else { throw RecordError.notFound }
        let scope = ClientScope(clientID: clientID, practiceID: found.practiceID, careTeam: found.careTeam, ended: found.ended)
        let access = try PolicyMiddleware.grant(actor, .setOwnPreferences, scope)
        let record = try await ClientRecord.open(access, keys: services.keys, now: services.now, on: db)
        let current = try await current(practiceID: scope.practiceID, now: services.now, on: db)
        _ = try await sign(typedName: typedName, shownVersion: current.version, in: record)
    }

    /// Whether a client must sign before answering a check-in: they have signed no version, and have answered none
    /// themselves yet. Clients who answered before consent came to Rapport are asked on their home page instead; a
    /// check-in their therapist entered in the room doesn't count (it would let a new client past the agreement).
    static func gatesCheckIn(clientID: UUID, on db: any Database) async throws -> Bool {
        let row = try await HotPaths.sql(db).raw("""
            SELECT (SELECT COUNT(*) FROM "consent_signatures" WHERE "client_id" = \(bind: clientID)) AS "signed",
                   (SELECT COUNT(*) FROM "check_ins" WHERE "client_id" = \(bind: clientID) AND "in_room" = \(bind: false)) AS "answered"
            """).first()
        return try (row?.decode(column: "signed", as: Int.self) ?? 0) == 0 && (row?.decode(column: "answered", as: Int.self) ?? 0) == 0
    }
}
