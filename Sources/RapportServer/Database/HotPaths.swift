import Fluent
import Foundation
import RapportVault
import SQLKit

// The queries every request makes, written in SQL (SQLKit, bound parameters only) instead of Fluent's query builder.
//
// Why (issue 7, profiled with `perf record -g` on a release build under wrk): Fluent walks a model's properties with
// `Mirror` each time it builds a query, decodes a row or checks for soft-delete timestamps, and SQLKit escapes every
// identifier anew. On an authenticated record read that was a third of the CPU, before any of Rapport's own work.
// These few statements are prepared once as text, bind their values, and decode the columns they name.
// Everything else keeps using Fluent.

extension UserRow {
    /// The columns `init(sqlRow:prefix:)` reads, for SELECT lists.
    static let sqlColumns = ["id", "practice_id", "role", "email_index", "email_envelope", "name_envelope", "password_hash",
                             "password_scheme", "client_id", "totp_secret_envelope", "totp_previous_secret_envelope", "totp_last_step",
                             "totp_enabled_at", "created_at", "sees_clients"]

    /// A user read by one of the statements below, as if Fluent had loaded it (it can be updated and saved).
    convenience init(sqlRow row: any SQLRow, prefix: String = "") throws {
        self.init()
        id = try row.decode(column: prefix + "id", as: UUID.self)
        practiceID = try row.decode(column: prefix + "practice_id", as: UUID.self)
        role = try row.decode(column: prefix + "role", as: String.self)
        emailIndex = try row.decode(column: prefix + "email_index", as: Data.self)
        emailEnvelope = try row.decode(column: prefix + "email_envelope", as: Data.self)
        nameEnvelope = try row.decode(column: prefix + "name_envelope", as: Data.self)
        passwordHash = try row.decode(column: prefix + "password_hash", as: String.self)
        passwordScheme = try row.decode(column: prefix + "password_scheme", as: String?.self)
        clientID = try row.decode(column: prefix + "client_id", as: UUID?.self)
        totpSecretEnvelope = try row.decode(column: prefix + "totp_secret_envelope", as: Data?.self)
        totpPreviousSecretEnvelope = try row.decode(column: prefix + "totp_previous_secret_envelope", as: Data?.self)
        totpLastStep = try row.decode(column: prefix + "totp_last_step", as: Int64?.self)
        totpEnabledAt = try row.decode(column: prefix + "totp_enabled_at", as: Date?.self)
        seesClients = try row.decode(column: prefix + "sees_clients", as: Bool.self)
        createdAt = try row.decode(column: prefix + "created_at", as: Date.self)
        $id.exists = true
    }
}

extension SignInRow {
    static let sqlColumns = ["id", "token_hash", "user_id", "stage", "kind", "created_at", "last_seen_at", "expires_at"]

    convenience init(sqlRow row: any SQLRow, prefix: String = "") throws {
        self.init()
        id = try row.decode(column: prefix + "id", as: UUID.self)
        tokenHash = try row.decode(column: prefix + "token_hash", as: Data.self)
        userID = try row.decode(column: prefix + "user_id", as: UUID.self)
        stage = try row.decode(column: prefix + "stage", as: String.self)
        kind = try row.decode(column: prefix + "kind", as: String.self)
        createdAt = try row.decode(column: prefix + "created_at", as: Date.self)
        lastSeenAt = try row.decode(column: prefix + "last_seen_at", as: Date.self)
        expiresAt = try row.decode(column: prefix + "expires_at", as: Date.self)
        $id.exists = true
    }
}

extension PracticeSettingsRow {
    static let sqlColumns = ["id", "enabled_instruments", "crisis_envelope", "time_zone", "reply_within_hours", "record_retention_years", "updated_by", "updated_at"]

    convenience init(sqlRow row: any SQLRow) throws {
        self.init()
        id = try HotPaths.uuid(row, "id")
        enabledInstruments = try row.decode(column: "enabled_instruments", as: String.self)
        crisisEnvelope = try row.decode(column: "crisis_envelope", as: Data?.self)
        timeZone = try row.decode(column: "time_zone", as: String?.self)
        replyWithinHours = try row.decode(column: "reply_within_hours", as: Int?.self)
        recordRetentionYears = try row.decode(column: "record_retention_years", as: Int?.self)
        updatedBy = try HotPaths.uuid(row, "updated_by")
        updatedAt = try row.decode(column: "updated_at", as: Date.self)
        $id.exists = true
    }
}

extension InvitationRow {
    static let sqlColumns = ["id", "practice_id", "role", "token_hash", "invited_by", "client_id", "email_index", "email_envelope",
                             "name_envelope", "expires_at", "accepted_at", "token_envelope", "withdrawn_at", "created_at"]

    convenience init(sqlRow row: any SQLRow) throws {
        self.init()
        id = try HotPaths.uuid(row, "id")
        practiceID = try HotPaths.uuid(row, "practice_id")
        role = try row.decode(column: "role", as: String.self)
        tokenHash = try row.decode(column: "token_hash", as: Data.self)
        invitedBy = try HotPaths.uuid(row, "invited_by")
        clientID = try HotPaths.optionalUUID(row, "client_id")
        emailIndex = try row.decode(column: "email_index", as: Data.self)
        emailEnvelope = try row.decode(column: "email_envelope", as: Data.self)
        nameEnvelope = try row.decode(column: "name_envelope", as: Data.self)
        expiresAt = try row.decode(column: "expires_at", as: Date.self)
        acceptedAt = try row.decode(column: "accepted_at", as: Date?.self)
        tokenEnvelope = try row.decode(column: "token_envelope", as: Data?.self)
        withdrawnAt = try row.decode(column: "withdrawn_at", as: Date?.self)
        createdAt = try row.decode(column: "created_at", as: Date.self)
        $id.exists = true
    }
}

enum HotPaths {
    /// A UUID column: SQLite hands ids back as text, and Foundation parses that with `sscanf`; read the text and
    /// parse it directly when it is in the usual form, else decode as usual (PostgreSQL's native uuid).
    static func uuid(_ row: any SQLRow, _ column: String) throws -> UUID {
        if let text = try? row.decode(column: column, as: String.self), let id = UUID(canonicalText: text) { return id }
        return try row.decode(column: column, as: UUID.self)
    }

    /// A UUID column that may be NULL.
    static func optionalUUID(_ row: any SQLRow, _ column: String) throws -> UUID? {
        guard try !row.decodeNil(column: column) else { return nil }
        return try uuid(row, column)
    }

    static func sql(_ db: any Database) throws -> any SQLDatabase {
        guard let sql = db as? any SQLDatabase else { throw HotPathError.notSQL }
        return sql
    }

    /// A model's rows read by a statement written out, each decoded as Fluent decodes a row of its own query. For
    /// reads on the record page: Fluent's query builder reflects over the model's fields and serialises the query
    /// afresh every time, about 1 % of a record page's CPU per query (`perf record`, 2026-12-05), before any row.
    static func models<M: Model>(_: M.Type, _ query: SQLQueryString, on db: any Database) async throws -> [M] {
        try await sql(db).raw(query).all().map { try $0.decode(fluentModel: M.self) }
    }

    /// The first row of `query` as a model, or nil.
    static func model<M: Model>(_: M.Type, _ query: SQLQueryString, on db: any Database) async throws -> M? {
        try await sql(db).raw(query).first().map { try $0.decode(fluentModel: M.self) }
    }

    /// `SELECT COUNT(*) …`'s one number.
    static func count(_ query: SQLQueryString, on db: any Database) async throws -> Int {
        try await sql(db).raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// `"t"."a" AS "p_a", …` for a SELECT list.
    static func columns(_ names: [String], of table: String, as prefix: String) -> String {
        names.map { "\"\(table)\".\"\($0)\" AS \"\(prefix)\($0)\"" }.joined(separator: ", ")
    }

    private static let signInAndUserSQL = "SELECT " + columns(SignInRow.sqlColumns, of: "sign_ins", as: "s_") + ", "
        + columns(UserRow.sqlColumns, of: "users", as: "u_")
        + " FROM \"sign_ins\" JOIN \"users\" ON \"users\".\"id\" = \"sign_ins\".\"user_id\" WHERE \"sign_ins\".\"token_hash\" = "

    /// The session behind a token hash and its user, in one statement.
    static func signInAndUser(tokenHash: Data, on db: any Database) async throws -> (SignInRow, UserRow)? {
        let query = SQLQueryString(signInAndUserSQL) + "\(bind: tokenHash)"
        guard let row = try await sql(db).raw(query).first() else { return nil }
        return (try SignInRow(sqlRow: row, prefix: "s_"), try UserRow(sqlRow: row, prefix: "u_"))
    }

    /// The newest wrapped key of a client and the practice key that wrapped it, as stored (still wrapped).
    struct WrappedKeys: Sendable {
        let client: (version: Int, wrapped: Data)
        let practice: (version: Int, wrapped: Data)
    }

    /// A client's practice, care team and wrapped keys, in one statement: nil when there is no such client. The
    /// policy decides on the first two; the keys are unwrapped only if it allows (`PolicyMiddleware`), outside the
    /// write transaction, so that the serialised part of a request does as little as it can.
    static func clientScope(clientID: UUID, on db: any Database) async throws
        -> (practiceID: UUID, careTeam: Set<UUID>, keys: WrappedKeys?, ended: Bool)? {
        let rows = try await sql(db).raw("""
            SELECT "clients"."practice_id" AS "practice_id", "care_team_members"."therapist_id" AS "therapist_id",
                   "clients"."ended_at" AS "ended_at",
                   (SELECT "version" FROM "client_keys" WHERE "client_id" = "clients"."id" ORDER BY "version" DESC LIMIT 1) AS "ck_version",
                   (SELECT "wrapped_key" FROM "client_keys" WHERE "client_id" = "clients"."id" ORDER BY "version" DESC LIMIT 1) AS "ck_wrapped",
                   "practice_keys"."version" AS "pk_version", "practice_keys"."wrapped_key" AS "pk_wrapped"
            FROM "clients" LEFT JOIN "care_team_members" ON "care_team_members"."client_id" = "clients"."id"
            -- The practice key that wrapped the client's newest key: during a practice-key rotation, not always the newest.
            LEFT JOIN "practice_keys" ON "practice_keys"."practice_id" = "clients"."practice_id"
                 AND "practice_keys"."version" = (SELECT "practice_key_version" FROM "client_keys" WHERE "client_id" = "clients"."id"
                                                 ORDER BY "version" DESC LIMIT 1)
            WHERE "clients"."id" = \(bind: clientID)
            """).all()
        guard let first = rows.first else { return nil }
        let practiceID = try first.decode(column: "practice_id", as: UUID.self)
        var keys: WrappedKeys?
        if let clientVersion = try first.decode(column: "ck_version", as: Int?.self),
           let clientWrapped = try first.decode(column: "ck_wrapped", as: Data?.self),
           let practiceVersion = try first.decode(column: "pk_version", as: Int?.self),
           let practiceWrapped = try first.decode(column: "pk_wrapped", as: Data?.self) {
            keys = WrappedKeys(client: (clientVersion, clientWrapped), practice: (practiceVersion, practiceWrapped))
        }
        return (practiceID, Set(try rows.compactMap { try $0.decode(column: "therapist_id", as: UUID?.self) }), keys,
                try first.decode(column: "ended_at", as: Date?.self) != nil)
    }

    /// Every wrapped key of a practice, oldest version first: (version, wrapped bytes). One, unless the practice's
    /// key has been rotated; earlier versions still open what they sealed.
    static func practiceKeys(practiceID: UUID, on db: any Database) async throws -> [(version: Int, wrapped: Data)] {
        let rows = try await sql(db).raw("""
            SELECT "version", "wrapped_key" FROM "practice_keys" WHERE "practice_id" = \(bind: practiceID)
            ORDER BY "version"
            """).all()
        return try rows.map { (try $0.decode(column: "version", as: Int.self), try $0.decode(column: "wrapped_key", as: Data.self)) }
    }

    /// A practice's settings row, or nil before the owner has saved any (every page reads it, for the practice's zone).
    static func practiceSettings(practiceID: UUID, on db: any Database) async throws -> PracticeSettingsRow? {
        try await sql(db).raw(SQLQueryString(practiceSettingsSQL) + "\(bind: practiceID)").first().map(PracticeSettingsRow.init(sqlRow:))
    }

    private static let practiceSettingsSQL = "SELECT " + PracticeSettingsRow.sqlColumns.map { "\"\($0)\"" }.joined(separator: ", ")
        + " FROM \"practice_settings\" WHERE \"id\" = "

    /// The newest wrapped key of each of these clients: [client: (version, wrapped bytes)].
    static func clientKeys(_ clientIDs: [UUID], on db: any Database) async throws -> [UUID: (version: Int, wrapped: Data)] {
        guard !clientIDs.isEmpty else { return [:] }
        let rows = try await sql(db).raw("""
            SELECT "client_id", "version", "wrapped_key" FROM "client_keys" WHERE "client_id" IN (\(binds: clientIDs))
            """).all()
        var newest: [UUID: (version: Int, wrapped: Data)] = [:]
        for row in rows {
            let clientID = try uuid(row, "client_id")
            let version = try row.decode(column: "version", as: Int.self)
            if version > (newest[clientID]?.version ?? Int.min) {
                newest[clientID] = (version, try row.decode(column: "wrapped_key", as: Data.self))
            }
        }
        return newest
    }
}

extension HotPaths {
    /// What the API says of one client: their sealed name, whether they have joined, whether a risk alert is open.
    static func clientSummary(clientID: UUID, on db: any Database) async throws -> (name: Data, joined: Bool, alerted: Bool)? {
        let row = try await sql(db).raw("""
            SELECT "name_envelope",
                   CASE WHEN EXISTS (SELECT 1 FROM "users" WHERE "users"."client_id" = "clients"."id") THEN 1 ELSE 0 END AS "joined",
                   CASE WHEN EXISTS (SELECT 1 FROM "risk_alerts" WHERE "risk_alerts"."client_id" = "clients"."id"
                                     AND "risk_alerts"."acknowledged_at" IS NULL) THEN 1 ELSE 0 END AS "alerted"
            FROM "clients" WHERE "id" = \(bind: clientID)
            """).first()
        return try row.map {
            (try $0.decode(column: "name_envelope", as: Data.self), try $0.decode(column: "joined", as: Int.self) == 1,
             try $0.decode(column: "alerted", as: Int.self) == 1)
        }
    }
}

enum HotPathError: Error {
    case notSQL
}

extension CheckInRow {
    static let sqlColumns = ["id", "practice_id", "client_id", "appointment_id", "instrument_id", "answers_envelope", "comment_envelope",
                             "total", "band", "flags", "entered_by", "in_room", "started_at", "completed_at", "session_starts_at",
                             "session_therapist_id"]

    /// A check-in read in SQL, as if Fluent had loaded it: Fluent's model decoding was a sixth of a record page with
    /// thirty sessions (perf record, issue 10's benchmark).
    convenience init(cells row: any RowCells) throws {
        self.init()
        id = try row.uuid("id")
        practiceID = try row.uuid("practice_id")
        clientID = try row.uuid("client_id")
        appointmentID = try row.uuid("appointment_id")
        instrumentID = try row.string("instrument_id")
        answersEnvelope = try row.data("answers_envelope")
        commentEnvelope = try row.optionalData("comment_envelope")
        total = try row.optionalDouble("total")
        band = try row.optionalString("band")
        flags = try row.string("flags")
        enteredBy = try row.uuid("entered_by")
        inRoom = try row.bool("in_room")
        startedAt = try row.date("started_at")
        completedAt = try row.optionalDate("completed_at")
        sessionStartsAt = try row.optionalDate("session_starts_at")
        sessionTherapistID = try row.optionalUUID("session_therapist_id")
        $id.exists = true
    }

    static func all(clientID: UUID, on db: any Database) async throws -> [CheckInRow] {
        try await HotPaths.clientRows(sqlColumns, from: "check_ins", clientID: clientID, on: db, CheckInRow.init(cells:))
    }
}

extension AppointmentRow {
    static let sqlColumns = ["id", "practice_id", "client_id", "therapist_id", "starts_at", "duration_minutes", "location_envelope",
                             "cancelled", "attendance", "late_minutes", "created_at", "series_id", "series_index", "moved_from", "cancelled_at"]

    convenience init(cells row: any RowCells) throws {
        self.init()
        id = try row.uuid("id")
        practiceID = try row.uuid("practice_id")
        clientID = try row.uuid("client_id")
        therapistID = try row.uuid("therapist_id")
        startsAt = try row.date("starts_at")
        durationMinutes = try row.int("duration_minutes")
        locationEnvelope = try row.optionalData("location_envelope")
        cancelled = try row.bool("cancelled")
        attendance = try row.optionalString("attendance")
        lateMinutes = try row.optionalInt("late_minutes")
        createdAt = try row.date("created_at")
        seriesID = try row.optionalUUID("series_id")
        seriesIndex = try row.optionalInt("series_index")
        movedFrom = try row.optionalDate("moved_from")
        cancelledAt = try row.optionalDate("cancelled_at")
        $id.exists = true
    }

    /// The client's sessions, oldest first.
    static func all(clientID: UUID, on db: any Database) async throws -> [AppointmentRow] {
        try await HotPaths.clientRows(sqlColumns, from: "appointments", clientID: clientID, orderBy: "\"starts_at\"", on: db,
                                      AppointmentRow.init(cells:))
    }
}
