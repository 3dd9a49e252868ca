import Fluent
import Foundation
import RapportCore
import SQLKit

/// One line of "who opened my record": the access in words and who made it.
struct RecordAccessLine: Sendable, Equatable {
    let access: RecordAccess
    /// "Dana Okafor, therapist"; "Someone from another practice" when the person isn't of this practice.
    let who: String
}

/// "Who opened my record", read from the audit trail (SECURITY.md: the client's page is read from this trail): every
/// access to the client's record by someone signed in, allowed or refused, newest first, a page at a time.
enum RecordAccessLog {
    static let pageSize = 100

    /// Entries about this client older than `before` (a sequence number of the trail; nil for the newest), and the
    /// sequence to ask for next when there are older ones. One statement over the trail's index by client, and one
    /// for the names of the people in it.
    static func page(before: Int64?, in record: ClientRecord) async throws -> (lines: [RecordAccessLine], older: Int64?) {
        // The access policy's rule (`AccessPolicy.accessLogShows`), in the statement, so every page is a full one.
        let hidden = AccessPolicy.accessLogHiddenActions.map(\.rawValue)
        let roles = AccessPolicy.accessLogRoles.map(\.rawValue)
        let clientActions = AccessPolicy.accessLogClientActions.map(\.rawValue)
        var query: SQLQueryString = """
            SELECT "sequence", "occurred_at_ms", "actor_id", "actor_role", "action", "outcome" FROM "audit_entries"
            WHERE "client_id" = \(bind: record.clientID) AND "action" NOT IN (\(binds: hidden))
              AND ("actor_role" IN (\(binds: roles)) OR ("actor_role" = \(bind: Role.client.rawValue) AND "action" IN (\(binds: clientActions))))
            """
        if let before {
            let older: SQLQueryString = " AND \"sequence\" < \(bind: before)"
            query = query + older
        }
        let newestFirst: SQLQueryString = " ORDER BY \"sequence\" DESC LIMIT \(literal: pageSize + 1)"
        query = query + newestFirst
        let rows = try await HotPaths.sql(record.db).raw(query).all()
        var accesses: [RecordAccess] = []
        for row in rows.prefix(pageSize) {
            let milliseconds = try row.decode(column: "occurred_at_ms", as: Int64.self)
            guard let access = RecordAccessRules.entry(
                sequence: try row.decode(column: "sequence", as: Int64.self),
                occurredAt: Date(timeIntervalSince1970: Double(milliseconds) / 1000),
                actorID: try HotPaths.optionalUUID(row, "actor_id"),
                actorRole: try row.decode(column: "actor_role", as: String.self),
                action: try row.decode(column: "action", as: String.self),
                outcome: try row.decode(column: "outcome", as: String.self)) else { continue }
            accesses.append(access)
        }
        // Staff, and the client's own downloads (`AccessPolicy.accessLogShows`): only their names are opened here.
        let names = try await record.names(of: Set(accesses.compactMap(\.actorID)))
        let lines = accesses.map { access in
            RecordAccessLine(access: access, who: access.actorRole == Role.client.rawValue
                ? (record.actor.isClient ? "You" : "\(names[access.actorID ?? UUID()] ?? "The client"), the client")
                : who(access, names: names))
        }
        return (lines, rows.count > pageSize ? accesses.last?.sequence : nil)
    }

    static func who(_ access: RecordAccess, names: [UUID: String]) -> String {
        guard let id = access.actorID, let name = names[id] else {
            // Staff of this practice are always found (accounts are never deleted): anyone else is of another.
            return "Someone from another practice"
        }
        switch access.actorRole {
        case Role.owner.rawValue: return "\(name), practice owner"
        default: return "\(name), therapist"
        }
    }
}
