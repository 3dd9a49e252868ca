import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit

/// What the policy allowed: who, doing which action, on whose record.
struct ClientAccess: Sendable {
    let actor: Principal
    let action: Action
    let scope: ClientScope
    /// The note the route is about, when it names one.
    let noteID: UUID?
    /// The appointment the route is about, when it names one (checked against the client by the handler).
    var appointmentID: UUID? = nil
    /// The rupture the route is about, when it names one (checked against the client by the handler).
    var ruptureID: UUID? = nil
    /// The client's data key, unwrapped once by the policy middleware after it allowed the request.
    var key: ClientDataKey? = nil
}

/// One client's record, opened for one piece of work once the policy has allowed it: the database (inside the
/// transaction that also writes the audit entry), what was allowed, the client's data key (unwrapped once), the key
/// store that seals and opens with it, and the clock's time for everything the work writes.
///
/// Every `Records` function that reads or writes a client's record takes one of these, so no controller or API
/// handler ever fetches a key: `Request.withClientRecord` builds it for the care team, `Request.ownRecord` for the
/// client's own portal.
struct ClientRecord: Sendable {
    let db: any Database
    let access: ClientAccess
    let key: ClientDataKey
    let keys: KeyStore
    let now: Date

    var scope: ClientScope { access.scope }
    var clientID: UUID { access.scope.clientID }
    var practiceID: UUID { access.scope.practiceID }
    var actor: Principal { access.actor }

    /// The record for `access`, using the key the policy middleware unwrapped, or unwrapping it now (work done
    /// outside a request: the demo, tests).
    static func open(_ access: ClientAccess, keys: KeyStore, now: Date, on db: any Database) async throws -> ClientRecord {
        let key: ClientDataKey
        if let unwrapped = access.key { key = unwrapped } else {
            key = try await keys.clientKey(clientID: access.scope.clientID, practiceID: access.scope.practiceID, on: db)
        }
        return ClientRecord(db: db, access: access, key: key, keys: keys, now: now)
    }

    /// Says that what the caseload works out for this client may have changed (`clients.record_version`, read by
    /// `CaseloadNeeds`' cache). Every write to sessions, check-ins, the measures chosen or the rupture log calls it,
    /// inside its transaction.
    func noteChange() async throws {
        try await HotPaths.sql(db).raw("""
            UPDATE "clients" SET "record_version" = "record_version" + 1 WHERE "id" = \(bind: clientID)
            """).run()
    }

    /// The client's name, opened with the record's key; "not found" when the record has no client row.
    func clientName() async throws -> String {
        guard let client = try await ClientRow.find(clientID, on: db) else { throw RecordError.notFound }
        return try open(client.nameEnvelope, ClientRow.schema, "name", row: clientID)
    }

    /// The names of the people among `ids` who can appear in this record (message authors, who opened it), each opened
    /// once: this practice's staff under the practice key (loaded once), the client under their own key. Anyone else
    /// (another practice's staff, another client) is left out, their name never opened.
    func names(of ids: Set<UUID>) async throws -> [UUID: String] {
        guard !ids.isEmpty else { return [:] }
        let users = try await UserRow.query(on: db).filter(\.$id ~~ Array(ids)).filter(\.$practiceID == practiceID).all()
        var names: [UUID: String] = [:]
        var practiceKey: SubjectKey?
        for user in users {
            let id = try user.requireID()
            let subject: SubjectKey
            if user.clientID == clientID {
                subject = .client(key)
            } else if user.clientID == nil {
                if let loaded = practiceKey { subject = loaded } else {
                    subject = .practice(try await keys.practiceKey(practiceID: practiceID, on: db))
                    practiceKey = subject
                }
            } else {
                continue
            }
            names[id] = try keys.open(user.nameEnvelope, key: subject, UserRow.schema, "name", row: id)
        }
        return names
    }

    /// The same record at another moment (the demo books past sessions as if on the day before).
    func at(_ moment: Date) -> ClientRecord {
        ClientRecord(db: db, access: access, key: key, keys: keys, now: moment)
    }

    /// Seals a field of this client's record; the table, column and row are bound into the envelope.
    func seal(_ text: String, _ table: String, _ column: String, row: UUID) throws -> Data {
        try keys.seal(text, key: key, table, column, row: row)
    }

    func open(_ envelope: Data, _ table: String, _ column: String, row: UUID) throws -> String {
        try keys.open(envelope, key: key, table, column, row: row)
    }
}

extension ClientScope {
    /// The scopes of several clients in two queries (calendar feeds); a client id with no record is left out.
    static func load(clientIDs: Set<UUID>, on db: any Database) async throws -> [UUID: ClientScope] {
        guard !clientIDs.isEmpty else { return [:] }
        let ids = Array(clientIDs)
        let clients = try await ClientRow.query(on: db).filter(\.$id ~~ ids).all()
        let members = try await CareTeamMemberRow.query(on: db).filter(\.$clientID ~~ ids).all()
        let teams = Dictionary(grouping: members, by: \.clientID)
        var scopes: [UUID: ClientScope] = [:]
        for client in clients {
            let id = try client.requireID()
            scopes[id] = ClientScope(clientID: id, practiceID: client.practiceID, careTeam: Set(teams[id, default: []].map(\.therapistID)))
        }
        return scopes
    }
}
