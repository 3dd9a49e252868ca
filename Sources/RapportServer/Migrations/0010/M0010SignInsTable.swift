import Fluent
import SQLKit

/// "Session" means a therapy session in Rapport (issue 8): the table of sign-ins, created as `sessions` by 0002,
/// is renamed `sign_ins`. Both databases rename a table in place, keeping its rows, indexes and constraints, so
/// everyone signed in stays signed in.
struct M0010SignInsTable: AsyncMigration {
    var name: String { "0010-sign-ins-table" }

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \(ident: "sessions") RENAME TO \(ident: "sign_ins")").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \(ident: "sign_ins") RENAME TO \(ident: "sessions")").run()
    }
}
