import Fluent
import Foundation
import SQLKit

/// Accounts are per invitation (issue 7): one email address may have accounts in several practices, each with its
/// own password and keys, so that accepting an invitation never tells a practice the address is in use elsewhere.
/// The email's blind index stops being unique; the pair (email index, keyed password hash) is unique instead,
/// because sign-in tells an address's accounts apart by their password (`Passwords.keyedHash`).
struct M0009AccountsPerInvitation: AsyncMigration {
    var name: String { "0009-accounts-per-invitation" }

    static let uniqueEmailConstraint = "uq:users.email_index"

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "sqlite" {
            try await database.withConnection { connection in
                try await Self.rebuildSQLiteUsersWithoutUniqueEmail(connection as! any SQLDatabase)
            }
        } else {
            try await sql.raw("ALTER TABLE \(ident: "users") DROP CONSTRAINT \(ident: Self.uniqueEmailConstraint)").run()
        }
        try await sql.raw("ALTER TABLE \(ident: "users") ADD COLUMN \(ident: "password_scheme") TEXT").run()
        try await sql.create(index: "users_by_email_and_password").on("users").column("email_index").column("password_hash").unique().run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "users_by_email_and_password").run()
        try await sql.raw("ALTER TABLE \(ident: "users") DROP COLUMN \(ident: "password_scheme")").run()
        if sql.dialect.name == "sqlite" {
            // A unique index enforces what the table constraint did.
            try await sql.create(index: Self.uniqueEmailConstraint).on("users").column("email_index").unique().run()
        } else {
            try await sql.raw("ALTER TABLE \(ident: "users") ADD CONSTRAINT \(ident: Self.uniqueEmailConstraint) UNIQUE (\(ident: "email_index"))").run()
        }
    }

    /// SQLite cannot drop a table constraint: the table is rebuilt (sqlite.org/lang_altertable.html, "other kinds of
    /// table schema changes"), on one connection with foreign keys off, so that rows referring to users (sessions,
    /// care teams, notes…) are neither refused nor cascaded away while the old table is dropped.
    static func rebuildSQLiteUsersWithoutUniqueEmail(_ sql: any SQLDatabase) async throws {
        let table = try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'").first()
        guard let ddl = try table?.decode(column: "sql", as: String.self) else { throw MigrationError.missingTable("users") }
        let constraint = #", CONSTRAINT "\#(uniqueEmailConstraint)" UNIQUE ("email_index")"#
        guard ddl.contains(constraint) else { return }
        let rebuilt = ddl.replacingOccurrences(of: constraint, with: "")
            .replacingOccurrences(of: #"CREATE TABLE IF NOT EXISTS "users""#, with: #"CREATE TABLE "users_rebuilt""#)
            .replacingOccurrences(of: #"CREATE TABLE "users""#, with: #"CREATE TABLE "users_rebuilt""#)
        guard rebuilt.contains(#""users_rebuilt""#) else { throw MigrationError.missingTable("users") }
        let indexes = try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL").all()
            .map { try $0.decode(column: "sql", as: String.self) }
        let columns = try await sql.raw("PRAGMA table_info(\(ident: "users"))").all().map { try $0.decode(column: "name", as: String.self) }
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        let copy = "INSERT INTO \"users_rebuilt\" (\(list)) SELECT \(list) FROM \"users\""

        try await sql.raw("PRAGMA foreign_keys = OFF").run()
        do {
            try await sql.raw("BEGIN IMMEDIATE").run()
            try await sql.raw(SQLQueryString(rebuilt)).run()
            try await sql.raw(SQLQueryString(copy)).run()
            try await sql.raw("DROP TABLE \(ident: "users")").run()
            try await sql.raw("ALTER TABLE \(ident: "users_rebuilt") RENAME TO \(ident: "users")").run()
            for index in indexes { try await sql.raw(SQLQueryString(index)).run() }
            let broken = try await sql.raw("PRAGMA foreign_key_check").all()
            guard broken.isEmpty else { throw MigrationError.foreignKeysBroken(broken.count) }
            try await sql.raw("COMMIT").run()
        } catch {
            try? await sql.raw("ROLLBACK").run()
            try? await sql.raw("PRAGMA foreign_keys = ON").run()
            throw error
        }
        try await sql.raw("PRAGMA foreign_keys = ON").run()
    }
}

enum MigrationError: Error, CustomStringConvertible {
    case missingTable(String)
    case foreignKeysBroken(Int)

    var description: String {
        switch self {
        case .missingTable(let table): return "The table \(table) is missing or not as expected; restore the database from a backup."
        case .foreignKeysBroken(let count): return "Rebuilding a table would break \(count) references; nothing was changed."
        }
    }
}
