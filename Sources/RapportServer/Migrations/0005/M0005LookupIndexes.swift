import Fluent
import Foundation
import SQLKit

/// The lookups every request makes: a client's notes, a therapist's caseload, a client's care team, and (for the
/// client's "who saw my record" page to come) the trail of one client.
struct M0005LookupIndexes: AsyncMigration {
    var name: String { "0005-lookup-indexes" }

    static let indexes: [(name: String, table: String, columns: [String])] = [
        ("progress_notes_by_client", "progress_notes", ["client_id", "created_at"]),
        ("psychotherapy_notes_by_client_author", "psychotherapy_notes", ["client_id", "author_id"]),
        ("care_team_by_therapist", "care_team_members", ["therapist_id"]),
        ("users_by_client", "users", ["client_id"]),
        ("audit_entries_by_client", "audit_entries", ["client_id", "sequence"]),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in Self.indexes {
            var builder = sql.create(index: index.name).on(index.table)
            for column in index.columns { builder = builder.column(column) }
            try await builder.run()
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for index in Self.indexes.reversed() {
            try await sql.drop(index: index.name).run()
        }
    }
}
