import Fluent
import Foundation
import RapportVault
import SQLKit
public import Vapor

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Key rotation (issue 12, point 6; SECURITY.md, "Keys"), while servers keep serving from the same database.
///
/// Every change is one compare-and-swap statement on one wrapped key (`... WHERE wrapped_key = <what was read>`), so
/// a server reading at any moment finds either the old wrap or the new one, each whole; and a key written meanwhile
/// by a server (a new practice, a new client) is found by the next pass. A pass is repeated until it finds nothing
/// left under the old key. Nothing but wrapped keys is written: the fields they protect are not touched.
public enum KeyRotation {
    /// What a finished rotation did, for the command to say.
    public struct MasterReport: Sendable {
        public let newVersion: Int
        public let practiceKeysRewrapped: Int
        public let keyFile: String
        /// The replaced key, kept until the operator destroys it (backups made before the rotation need it).
        public let retiredKeyFile: String
    }

    public struct PracticeReport: Sendable {
        public let practiceID: UUID
        public let newVersion: Int
        public let clientKeysRewrapped: Int
    }

    /// Re-wraps every practice key (and the index root) under a new master key, then puts the new key in place of
    /// the old one, which is kept beside it as `<file>.retired-v<version>`.
    ///
    /// In order, so that an interruption at any step loses nothing and running the command again finishes the job:
    /// 1. the next key is written to `<file>.next` (or, if an interrupted rotation left one, that one is used);
    /// 2. the index root is stored, wrapped, if this is the first rotation (blind indexes and password salts are
    ///    derived from it and must not change);
    /// 3. every wrap under an older master version is re-wrapped under the next key, until none is left;
    /// 4. the database records the new master version (a server that started earlier learns the key from it before
    ///    wrapping a new practice's key);
    /// 5. the old file is linked to its retired name, the next key is renamed over the master key file;
    /// 6. after a pause for servers' writes already under way, one more pass re-wraps anything they wrapped under the
    ///    old key. Only then is the rotation reported complete.
    public static func rotateMaster(_ app: Application, pause: Duration = .seconds(2), say: (String) -> Void = { _ in }) async throws -> MasterReport {
        let path = app.rapport.configuration.masterKeyFile
        let nextPath = MasterKeyRing.nextKeyFile(path)
        let db = app.db
        let before = try await MasterKeyRing.storedWraps(on: db)
        let current = try MasterKey.load(from: path)
        let knownVersions = try MasterKeyRing.versions(in: before)

        let next: MasterKey
        var newVersion = max(knownVersions.max() ?? 1, before.state?.masterVersion ?? 1) + 1
        if let created = try MasterKey.createNew(at: nextPath) {
            next = created
            say("Wrote the next master key to \(nextPath).")
        } else {
            next = try MasterKey.load(from: nextPath)
            guard !next.isSame(as: current) else {
                throw ConfigurationError(message: "\(nextPath) holds the current master key. Remove it and run the command again.")
            }
            if let resumed = try MasterKeyRing.version(of: next, in: before) { newVersion = resumed }
            say("Continuing the rotation that was interrupted, with the next key already in \(nextPath).")
        }
        // The key being replaced: the version it opens, or, when an interrupted run already moved every wrap to the
        // next key (so it opens none), the one just before it: each rotation goes up by one.
        let currentVersion = try MasterKeyRing.version(of: current, in: before) ?? (newVersion - 1)
        // Every key the database names, matched from the files (as a starting server does), the one being replaced
        // (which after an interrupted run may open no wrap, but the index root is still to be wrapped under it), and
        // the next one, which wraps.
        var vault: Vault
        if before.isEmpty {
            vault = Vault(masterKey: current)
        } else {
            do {
                vault = try MasterKeyRing.vault(opening: before, with: try MasterKeyRing.keyFiles(beside: path))
            } catch let unopened as MasterKeyRing.Unopened {
                throw ConfigurationError(message: "Some keys in this database are wrapped under master key version \(unopened.version), which none of the key files beside \(path) opens. Restore that key file first; nothing was changed.")
            }
        }
        if !vault.masterVersions.contains(currentVersion) { vault = try vault.adding(current, version: currentVersion) }
        vault = try vault.adding(next, version: newVersion)

        let sql = try HotPaths.sql(db)
        if before.state == nil {
            // Wrapped under the current key; the pass below re-wraps it like any other.
            try await sql.raw("""
                INSERT INTO "vault_state" ("id", "master_version", "wrapped_index_root", "updated_at")
                VALUES (\(bind: UUID()), \(bind: currentVersion), \(bind: try Vault(masterKey: current, version: currentVersion).wrappedIndexRoot()), \(bind: Date()))
                """).run()
        }
        var rewrapped = try await rewrapUnderNewestMaster(vault, on: db)
        try await sql.raw("""
            UPDATE "vault_state" SET "master_version" = \(bind: newVersion), "updated_at" = \(bind: Date())
            """).run()

        let retired = MasterKeyRing.retiredKeyFile(path, version: currentVersion)
        try swapInPlace(nextPath, over: path, keepingOldAs: retired)
        say("The new master key is now \(path); the old one is kept as \(retired).")
        try await Task.sleep(for: pause)
        rewrapped += try await rewrapUnderNewestMaster(vault, on: db)
        return MasterReport(newVersion: newVersion, practiceKeysRewrapped: rewrapped, keyFile: path, retiredKeyFile: retired)
    }

    /// Passes over the wraps until none is under an older master version than the vault's newest. Returns how many
    /// practice keys were re-wrapped.
    private static func rewrapUnderNewestMaster(_ vault: Vault, on db: any Database) async throws -> Int {
        let sql = try HotPaths.sql(db)
        var practiceKeys = 0
        while true {
            let wraps = try await MasterKeyRing.storedWraps(on: db)
            var changed = 0
            for key in wraps.practiceKeys where try Vault.masterVersion(ofWrapped: key.wrapped) != vault.masterVersion {
                let opened = try vault.unwrapPracticeKey(practiceID: key.practiceID, version: key.version, wrapped: key.wrapped)
                let swapped = try await sql.raw("""
                    UPDATE "practice_keys" SET "wrapped_key" = \(bind: try vault.rewrapPracticeKey(opened))
                    WHERE "practice_id" = \(bind: key.practiceID) AND "version" = \(bind: key.version) AND "wrapped_key" = \(bind: key.wrapped)
                    RETURNING "version"
                    """).first()
                if swapped != nil { changed += 1; practiceKeys += 1 }
            }
            if let root = wraps.state?.wrappedIndexRoot, try Vault.masterVersion(ofWrapped: root) != vault.masterVersion {
                let opened = try vault.openingIndexRoot(root)
                try await sql.raw("""
                    UPDATE "vault_state" SET "wrapped_index_root" = \(bind: try opened.wrappedIndexRoot()), "updated_at" = \(bind: Date())
                    WHERE "wrapped_index_root" = \(bind: root)
                    """).run()
                changed += 1
            }
            if changed == 0 { return practiceKeys }
        }
    }

    /// `old` gets a second name, `retired` (kept if a previous run made it), then `next` is renamed over `old`:
    /// at every moment the master key file holds a whole key, and both keys stay on disk.
    private static func swapInPlace(_ next: String, over old: String, keepingOldAs retired: String) throws {
        if FileManager.default.fileExists(atPath: retired) {
            // Kept by an earlier run of this rotation: it must be this very key, or renaming would lose one.
            guard try MasterKey.load(from: retired).isSame(as: try MasterKey.load(from: old)) else {
                throw ConfigurationError(message: "\(retired) already holds another key than \(old). Move it somewhere safe, then run the command again; nothing was renamed.")
            }
        } else {
            guard link(old, retired) == 0 else {
                throw ConfigurationError(message: "Could not keep the old master key as \(retired): \(String(cString: strerror(errno))). Nothing was renamed; run the command again.")
            }
        }
        guard rename(next, old) == 0 else {
            throw ConfigurationError(message: "Could not put \(next) in place of \(old): \(String(cString: strerror(errno))). Run the command again.")
        }
        let folder = (old as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
    }

    /// Gives a practice (or every practice) a new key and re-wraps its clients' keys under it. The earlier version
    /// stays, wrapped under the master key, because practice-level fields sealed under it still open with it; new
    /// values are sealed under the new one. After an interrupted run, running it again makes one more version and
    /// re-wraps every client key not under it, those the first run missed included.
    public static func rotatePractice(_ app: Application, practiceID: UUID? = nil) async throws -> [PracticeReport] {
        let db = app.db
        let sql = try HotPaths.sql(db)
        let practiceIDs: [UUID]
        if let practiceID {
            guard try await sql.raw(#"SELECT "id" FROM "practices" WHERE "id" = \#(bind: practiceID)"#).first() != nil else {
                throw ConfigurationError(message: "There is no practice \(practiceID.uuidString.lowercased()) in this database.")
            }
            practiceIDs = [practiceID]
        } else {
            practiceIDs = try await sql.raw(#"SELECT "id" FROM "practices" ORDER BY "created_at""#).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
        }
        var reports: [PracticeReport] = []
        for practiceID in practiceIDs {
            // Always a new version: client keys a run before left under an older one are re-wrapped with the rest.
            var ring = try await app.rapport.keys.practiceKey(practiceID: practiceID, on: db)
            let new = try app.rapport.keys.vault.newPracticeKey(practiceID: practiceID, version: ring.version + 1)
            try await sql.raw("""
                INSERT INTO "practice_keys" ("id", "practice_id", "version", "wrapped_key", "created_at")
                VALUES (\(bind: UUID()), \(bind: practiceID), \(bind: new.key.version), \(bind: new.wrapped), \(bind: Date()))
                """).run()
            ring = ring.including([new.key])
            let rewrapped = try await rewrapClientKeys(under: ring, practiceID: practiceID, app)
            reports.append(PracticeReport(practiceID: practiceID, newVersion: ring.version, clientKeysRewrapped: rewrapped))
        }
        return reports
    }

    // MARK: Retiring earlier practice-key versions

    /// What retiring did, for the command to say.
    public struct RetireReport: Sendable {
        public let practiceID: UUID
        public let fieldsResealed: Int
        public let versionsDestroyed: [Int]
    }

    /// Tables whose rows belong to a practice by their own id (the rest say so in `practice_id`).
    static let practiceRowTables: Set<String> = ["practices", "practice_settings", "reach_out_pages"]
    /// Columns whose sealing context is not their name without `_envelope`.
    static let contextColumns = ["crisis_envelope": "crisis_resources"]

    /// Re-seals every practice-level field still sealed under an earlier version of the practice's key (staff names
    /// and addresses, two-step secrets, the practice's name and crisis resources, invitations, enquiries, reasons kept
    /// for the owner), then destroys those earlier versions (SECURITY.md: the separate re-encryption command). Run
    /// after `rotatePractice`; it re-wraps any client key still under an earlier version first.
    ///
    /// Nothing is destroyed unless a last pass finds no field left under an earlier version: a field that cannot be
    /// opened (its context unknown) stops the command before anything is deleted. Together with a master-key rotation
    /// whose retired key file is then destroyed, this is what makes an erasure reach backups made before it: they hold
    /// the erased client's key only under practice-key versions that no longer exist anywhere else.
    public static func retireEarlierPracticeKeys(_ app: Application, practiceID: UUID, pause: Duration = .seconds(2)) async throws -> RetireReport {
        let db = app.db
        let sql = try HotPaths.sql(db)
        let keys = app.rapport.keys
        _ = try await rewrapClientKeys(under: try await keys.practiceKey(practiceID: practiceID, on: db), practiceID: practiceID, app)
        // Requests that loaded the key ring before the newest version existed may still be sealing under the old one.
        try await Task.sleep(for: pause)
        let ring = try await keys.practiceKey(practiceID: practiceID, on: db)
        let earlier = ring.versions.filter { $0 != ring.version }
        guard !earlier.isEmpty else { return RetireReport(practiceID: practiceID, fieldsResealed: 0, versionsDestroyed: []) }
        let columns = try await blobColumns(isSQLite: app.rapport.configuration.database.isSQLite, on: db)
        // A table with binary columns that is neither the practice's nor known to hold none of its envelopes would be
        // skipped, and what it holds lost with the earlier keys: stop instead, and say which.
        if let unknown = columns.keys.sorted().first(where: { !practiceRowTables.contains($0) && !(columns[$0]?.hasPracticeID ?? false)
                                                             && !tablesWithoutPracticeEnvelopes.contains($0) }) {
            throw ConfigurationError(message: "The table \(unknown) has binary columns this command does not know. Nothing was destroyed; classify it in KeyRotation first.")
        }
        var resealed = 0
        var quietPasses = 0
        for _ in 0..<20 {
            let (found, changed) = try await resealPass(columns: columns, ring: ring, practiceID: practiceID, keys: keys, on: sql)
            resealed += changed
            if found == 0 {
                // Nothing left: once more after a pause, for a request that sealed under the old key meanwhile.
                quietPasses += 1
                if quietPasses == 2 { break }
                try await Task.sleep(for: pause)
            } else {
                quietPasses = 0
            }
        }
        guard quietPasses == 2 else {
            throw ConfigurationError(message: "Fields kept being written under an earlier practice key. Nothing was destroyed; run the command again when the practice is quieter.")
        }
        // Every field and client key is under the newest version: the earlier ones go, their freed pages zeroed.
        try await app.rapport.transactions.run(on: db) { [isSQLite = app.rapport.configuration.database.isSQLite] db in
            let sql = try HotPaths.sql(db)
            if isSQLite { try await sql.raw("PRAGMA secure_delete = ON").run() }
            let left = try await sql.raw("""
                SELECT COUNT(*) AS "n" FROM "client_keys" JOIN "clients" ON "clients"."id" = "client_keys"."client_id"
                WHERE "clients"."practice_id" = \(bind: practiceID) AND "client_keys"."practice_key_version" < \(bind: ring.version)
                """).first()?.decode(column: "n", as: Int.self) ?? 0
            guard left == 0 else { throw ConfigurationError(message: "A client key was wrapped under an earlier practice key meanwhile. Nothing was destroyed; run the command again.") }
            // Only versions older than the one everything was sealed under: a rotation started meanwhile keeps its newer one.
            try await sql.raw("""
                DELETE FROM "practice_keys" WHERE "practice_id" = \(bind: practiceID) AND "version" < \(bind: ring.version)
                """).run()
        }
        await Erasure.scrubFreedSpace(app.rapport, on: db, table: "practice_keys", logger: app.logger)
        return RetireReport(practiceID: practiceID, fieldsResealed: resealed, versionsDestroyed: earlier)
    }

    /// Tables with binary columns that never hold a practice-level envelope: hashes, signatures, wrapped keys.
    static let tablesWithoutPracticeEnvelopes: Set<String> = [
        "audit_checkpoints", "audit_entries", "audit_head", "calendar_feeds", "client_keys", "practice_keys", "recovery_codes",
        "setup_tokens", "sign_in_throttles", "sign_ins", "vault_state",
    ]

    /// One pass over the practice's rows: every practice-level envelope under an earlier version is opened and sealed
    /// again under the newest, each with a compare-and-swap. Only envelopes of the practice kind are read (their first
    /// two bytes, in the statement), so client data, which is most of a database, is never loaded. Returns how many
    /// were found under an earlier version, and how many of those this pass changed.
    private static func resealPass(columns: [String: (blobs: [String], hasPracticeID: Bool)], ring: PracticeKey, practiceID: UUID,
                                   keys: KeyStore, on sql: any SQLDatabase) async throws -> (found: Int, changed: Int) {
        let practiceKind = Data([EnvelopeHeader.currentFormatVersion, KeyKind.practice.rawValue])
        var found = 0
        var changed = 0
        for (table, tableColumns) in columns.sorted(by: { $0.key < $1.key }) where !tablesWithoutPracticeEnvelopes.contains(table) {
            let ownedByID = practiceRowTables.contains(table)
            guard ownedByID || tableColumns.hasPracticeID else { continue }
            for column in tableColumns.blobs {
                let rows = try await sql.raw("""
                    SELECT \(ident: "id"), \(ident: column) FROM \(ident: table)
                    WHERE \(ident: ownedByID ? "id" : "practice_id") = \(bind: practiceID) AND substr(\(ident: column), 1, 2) = \(bind: practiceKind)
                    """).all()
                for row in rows {
                    let rowID = try row.decode(column: "id", as: UUID.self)
                    guard let value = try row.decode(column: column, as: Data?.self),
                          let header = try? EnvelopeHeader(parsing: value), header.keyKind == .practice, header.keyVersion < ring.version
                    else { continue }
                    found += 1
                    let context = contextColumns[column] ?? (column.hasSuffix("_envelope") ? String(column.dropLast("_envelope".count)) : column)
                    let fieldContext = FieldContext(table: table, column: context, rowID: rowID, subjectID: practiceID)
                    let plain: Data
                    do {
                        plain = try keys.vault.open(value, with: ring, context: fieldContext)
                    } catch {
                        throw ConfigurationError(message: "\(table).\(column) of row \(rowID.lowercasedText) is sealed under an earlier practice key and could not be opened to seal again. Nothing was destroyed.")
                    }
                    let swapped = try await sql.raw("""
                        UPDATE \(ident: table) SET \(ident: column) = \(bind: try keys.vault.seal(plain, with: ring, context: fieldContext))
                        WHERE \(ident: "id") = \(bind: rowID) AND \(ident: column) = \(bind: value) RETURNING \(ident: "id")
                        """).first()
                    if swapped != nil { changed += 1 }
                }
            }
        }
        return (found, changed)
    }

    /// Every client key of the practice not under `ring`'s newest version, re-wrapped under it, each with a compare-and-
    /// swap, until none is left (a server may wrap a new client's key under the version it loaded meanwhile).
    private static func rewrapClientKeys(under ring: PracticeKey, practiceID: UUID, _ app: Application) async throws -> Int {
        let sql = try HotPaths.sql(app.db)
        var rewrapped = 0
        while true {
            let rows = try await sql.raw("""
                SELECT "client_keys"."client_id" AS "client_id", "client_keys"."version" AS "version", "client_keys"."wrapped_key" AS "wrapped_key"
                FROM "client_keys" JOIN "clients" ON "clients"."id" = "client_keys"."client_id"
                WHERE "clients"."practice_id" = \(bind: practiceID) AND "client_keys"."practice_key_version" <> \(bind: ring.version) LIMIT 500
                """).all()
            if rows.isEmpty { return rewrapped }
            for row in rows {
                let clientID = try row.decode(column: "client_id", as: UUID.self)
                let version = try row.decode(column: "version", as: Int.self)
                let wrapped = try row.decode(column: "wrapped_key", as: Data.self)
                let key = try app.rapport.keys.vault.unwrapClientKey(clientID: clientID, version: version, wrapped: wrapped, under: ring)
                if try await sql.raw("""
                    UPDATE "client_keys" SET "wrapped_key" = \(bind: try app.rapport.keys.vault.rewrapClientKey(key, under: ring)),
                           "practice_key_version" = \(bind: ring.version)
                    WHERE "client_id" = \(bind: clientID) AND "version" = \(bind: version) AND "wrapped_key" = \(bind: wrapped)
                    RETURNING "version"
                    """).first() != nil { rewrapped += 1 }
            }
        }
    }

    /// Every table's binary columns (where envelopes live), and whether it says which practice a row belongs to.
    static func blobColumns(isSQLite: Bool, on db: any Database) async throws -> [String: (blobs: [String], hasPracticeID: Bool)] {
        let sql = try HotPaths.sql(db)
        var columns: [String: (blobs: [String], hasPracticeID: Bool)] = [:]
        let rows: [(table: String, column: String, type: String)]
        if isSQLite {
            var found: [(String, String, String)] = []
            let tables = try await sql.raw(#"SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%'"#).all()
                .map { try $0.decode(column: "name", as: String.self) }
            for table in tables {
                for column in try await sql.raw("SELECT \"name\", \"type\" FROM pragma_table_info(\(bind: table))").all() {
                    found.append((table, try column.decode(column: "name", as: String.self), try column.decode(column: "type", as: String.self)))
                }
            }
            rows = found
        } else {
            rows = try await sql.raw("""
                SELECT "table_name", "column_name", "data_type" FROM "information_schema"."columns" WHERE "table_schema" = current_schema()
                """).all().map { (try $0.decode(column: "table_name", as: String.self), try $0.decode(column: "column_name", as: String.self),
                                  try $0.decode(column: "data_type", as: String.self)) }
        }
        for row in rows {
            var entry = columns[row.table] ?? ([], false)
            if row.column == "practice_id" { entry.hasPracticeID = true }
            if ["blob", "bytea"].contains(row.type.lowercased()) { entry.blobs.append(row.column) }
            columns[row.table] = entry
        }
        return columns.filter { !$0.value.blobs.isEmpty }
    }
}
