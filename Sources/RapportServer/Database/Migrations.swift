import Fluent
import Foundation
import RapportVault
import SQLKit

// Numbered, revertible, and the same on SQLite and PostgreSQL (ARCHITECTURE.md).

enum Migrations {
    static let all: [any AsyncMigration] = [
        M0001PracticesAndPeople(),
        M0002SignIn(),
        M0003Notes(),
        M0004AuditTrail(),
        M0005LookupIndexes(),
        M0006AuditCheckpoints(),
        M0007Appointments(),
        M0008CheckIns(),
        M0009AccountsPerInvitation(),
    ]
}

struct M0001PracticesAndPeople: AsyncMigration {
    var name: String { "0001-practices-and-people" }

    func prepare(on database: any Database) async throws {
        try await database.schema("practices")
            .id()
            .field("name_envelope", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("practice_keys")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("version", .int, .required)
            .field("wrapped_key", .data, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "practice_id", "version")
            .create()
        try await database.schema("clients")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("name_envelope", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("client_keys")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("version", .int, .required)
            .field("practice_key_version", .int, .required)
            .field("wrapped_key", .data, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "client_id", "version")
            .create()
        try await database.schema("users")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("role", .string, .required)
            .field("email_index", .data, .required)
            .field("email_envelope", .data, .required)
            .field("name_envelope", .data, .required)
            .field("password_hash", .string, .required)
            .field("client_id", .uuid, .references("clients", "id"))
            .field("totp_secret_envelope", .data)
            .field("totp_last_step", .int64)
            .field("totp_enabled_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "email_index")
            .create()
        try await database.schema("care_team_members")
            .id()
            .field("client_id", .uuid, .required, .references("clients", "id"))
            .field("therapist_id", .uuid, .required, .references("users", "id"))
            .field("created_at", .datetime, .required)
            .unique(on: "client_id", "therapist_id")
            .create()
        try await database.schema("invitations")
            .id()
            .field("practice_id", .uuid, .required, .references("practices", "id"))
            .field("role", .string, .required)
            .field("token_hash", .data, .required)
            .field("invited_by", .uuid, .required, .references("users", "id"))
            .field("client_id", .uuid, .references("clients", "id"))
            .field("email_index", .data, .required)
            .field("email_envelope", .data, .required)
            .field("name_envelope", .data, .required)
            .field("expires_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["invitations", "care_team_members", "users", "client_keys", "clients", "practice_keys", "practices"] {
            try await database.schema(table).delete()
        }
    }
}

struct M0002SignIn: AsyncMigration {
    var name: String { "0002-sign-in" }

    func prepare(on database: any Database) async throws {
        try await database.schema("setup_tokens")
            .id()
            .field("token_hash", .data, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("sessions")
            .id()
            .field("token_hash", .data, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("stage", .string, .required)
            .field("kind", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("sign_in_throttles")
            .id()
            .field("subject_index", .data, .required)
            .field("failures", .int, .required)
            .field("window_started_at", .datetime, .required)
            .field("locked_until", .datetime)
            .unique(on: "subject_index")
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in ["sign_in_throttles", "sessions", "setup_tokens"] {
            try await database.schema(table).delete()
        }
    }
}

struct M0003Notes: AsyncMigration {
    var name: String { "0003-notes" }

    func prepare(on database: any Database) async throws {
        for table in ["progress_notes", "psychotherapy_notes"] {
            try await database.schema(table)
                .id()
                .field("practice_id", .uuid, .required, .references("practices", "id"))
                .field("client_id", .uuid, .required, .references("clients", "id"))
                .field("author_id", .uuid, .required, .references("users", "id"))
                .field("body_envelope", .data, .required)
                .field("created_at", .datetime, .required)
                .create()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("psychotherapy_notes").delete()
        try await database.schema("progress_notes").delete()
    }
}

struct M0004AuditTrail: AsyncMigration {
    var name: String { "0004-audit-trail" }

    func prepare(on database: any Database) async throws {
        // No foreign keys on purpose: the trail records attempts on records that may not exist, and outlives
        // records that are erased.
        try await database.schema("audit_entries")
            .id()
            .field("sequence", .int64, .required)
            .field("occurred_at_ms", .int64, .required)
            .field("actor_id", .uuid)
            .field("actor_role", .string, .required)
            .field("action", .string, .required)
            .field("client_id", .uuid)
            .field("resource_type", .string, .required)
            .field("resource_id", .string)
            .field("outcome", .string, .required)
            .field("previous_hash", .data, .required)
            .field("hash", .data, .required)
            .unique(on: "sequence")
            .create()
        try await database.schema("audit_head")
            .id()
            .field("sequence", .int64, .required)
            .field("hash", .data, .required)
            .create()
        let head = AuditHeadRow()
        head.id = AuditHeadRow.singletonID
        head.sequence = 0
        head.hash = AuditChain.genesisHash
        try await head.create(on: database)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_head").delete()
        try await database.schema("audit_entries").delete()
    }
}

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
