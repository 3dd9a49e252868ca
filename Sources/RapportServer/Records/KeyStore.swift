import Fluent
import Foundation
import RapportCore
import RapportVault

/// The server's side of the vault: finds wrapped keys in the database and asks `Vault` to unwrap them, and seals and
/// opens fields (`seal(_:key:_:_:row:)`, `open(_:key:_:_:row:)`) bound to their table, column and row.
struct KeyStore: Sendable {
    /// The vault, which learns a newer master key while the server runs (`rapport keys rotate-master`).
    private let masters: MasterKeyRing
    var vault: Vault { masters.vault }

    /// - Parameter masterKeyFile: where a rotation puts the next master key (beside it); nil in tests that never rotate.
    init(vault: Vault, masterKeyFile: String? = nil) {
        masters = MasterKeyRing(vault: vault, masterKeyFile: masterKeyFile)
    }

    // MARK: Keys

    func createPracticeKey(practiceID: UUID, now: Date, on db: any Database) async throws -> PracticeKey {
        // A new practice's key is wrapped under the newest master key: a server started before a rotation finished
        // must not wrap it under the retired one.
        try await masters.catchUp(on: db)
        let (key, wrapped) = try vault.newPracticeKey(practiceID: practiceID, version: 1)
        let row = PracticeKeyRow()
        row.practiceID = practiceID
        row.version = 1
        row.wrappedKey = wrapped
        row.createdAt = now
        try await row.create(on: db)
        // A rotation may have moved on while this was written: look again, and re-wrap under the newest if so (what
        // a rotation's last pass would otherwise have to find after this transaction commits).
        let wrappedUnder = vault.masterVersion
        try await masters.catchUp(on: db)
        if vault.masterVersion != wrappedUnder {
            row.wrappedKey = try vault.rewrapPracticeKey(key)
            try await row.update(on: db)
        }
        return key
    }

    /// The practice's key: its newest version, able to open what earlier versions sealed.
    func practiceKey(practiceID: UUID, on db: any Database) async throws -> PracticeKey {
        let rows = try await HotPaths.practiceKeys(practiceID: practiceID, on: db)
        guard let newest = rows.last else { throw RecordError.missingKey }
        let key = try unwrapPracticeKey(practiceID: practiceID, version: newest.version, wrapped: newest.wrapped)
        guard rows.count > 1 else { return key }
        return key.including(try rows.dropLast().map { try unwrapPracticeKey(practiceID: practiceID, version: $0.version, wrapped: $0.wrapped) })
    }

    /// Unwraps a practice key, first learning the master key that wrapped it if a rotation has made a newer one.
    func unwrapPracticeKey(practiceID: UUID, version: Int, wrapped: Data) throws -> PracticeKey {
        do {
            return try vault.unwrapPracticeKey(practiceID: practiceID, version: version, wrapped: wrapped)
        } catch VaultError.wrongKey {
            try masters.learn(masterOf: wrapped) { _ = try $0.unwrapPracticeKey(practiceID: practiceID, version: version, wrapped: wrapped) }
            return try vault.unwrapPracticeKey(practiceID: practiceID, version: version, wrapped: wrapped)
        }
    }

    func createClientKey(clientID: UUID, practiceID: UUID, now: Date, on db: any Database) async throws -> ClientDataKey {
        let (key, row) = try newClientKey(clientID: clientID, under: try await practiceKey(practiceID: practiceID, on: db), now: now)
        try await row.create(on: db)
        return key
    }

    /// A new client's key, and its row (wrapped under the practice key) still to be saved: the demo saves many at once.
    func newClientKey(clientID: UUID, under practiceKey: PracticeKey, now: Date) throws -> (ClientDataKey, ClientKeyRow) {
        let (key, wrapped) = try vault.newClientKey(clientID: clientID, version: 1, under: practiceKey)
        let row = ClientKeyRow()
        row.clientID = clientID
        row.version = 1
        row.practiceKeyVersion = practiceKey.version
        row.wrappedKey = wrapped
        row.createdAt = now
        return (key, row)
    }

    func clientKey(clientID: UUID, practiceID: UUID, on db: any Database) async throws -> ClientDataKey {
        guard let row = try await HotPaths.clientKeys([clientID], on: db)[clientID] else { throw RecordError.missingKey }
        let practiceKey = try await practiceKey(practiceID: practiceID, on: db)
        return try vault.unwrapClientKey(clientID: clientID, version: row.version, wrapped: row.wrapped, under: practiceKey)
    }

    /// Unwraps key material read with the client's scope (`HotPaths.clientScope`).
    func clientKey(clientID: UUID, practiceID: UUID, wrapped: HotPaths.WrappedKeys) throws -> ClientDataKey {
        let practiceKey = try unwrapPracticeKey(practiceID: practiceID, version: wrapped.practice.version, wrapped: wrapped.practice.wrapped)
        return try vault.unwrapClientKey(clientID: clientID, version: wrapped.client.version, wrapped: wrapped.client.wrapped, under: practiceKey)
    }

    /// Several clients' keys of one practice with one query and one practice-key unwrap (caseloads, calendar feeds).
    func clientKeys(_ clientIDs: Set<UUID>, practiceID: UUID, on db: any Database) async throws -> [UUID: ClientDataKey] {
        guard !clientIDs.isEmpty else { return [:] }
        let newest = try await HotPaths.clientKeys(Array(clientIDs), on: db)
        guard newest.count == clientIDs.count else { throw RecordError.missingKey }
        return try await unwrap(newest, practiceID: practiceID, on: db)
    }

    /// Client keys whose wrapped rows (each client's newest) the caller has already read, unwrapped under the
    /// practice key: the caseload reads them with its clients, in the same statement.
    func unwrap(_ newest: [UUID: (version: Int, wrapped: Data)], practiceID: UUID, on db: any Database) async throws -> [UUID: ClientDataKey] {
        guard !newest.isEmpty else { return [:] }
        let practiceKey = try await practiceKey(practiceID: practiceID, on: db)
        var keys: [UUID: ClientDataKey] = [:]
        keys.reserveCapacity(newest.count)
        for (clientID, row) in newest {
            keys[clientID] = try vault.unwrapClientKey(clientID: clientID, version: row.version, wrapped: row.wrapped, under: practiceKey)
        }
        return keys
    }

    // MARK: Fields

    func seal(_ text: String, key: ClientDataKey, _ table: String, _ column: String, row: UUID) throws -> Data {
        try vault.seal(text, with: key, context: FieldContext(table: table, column: column, rowID: row, subjectID: key.clientID))
    }

    func open(_ envelope: Data, key: ClientDataKey, _ table: String, _ column: String, row: UUID) throws -> String {
        try vault.openString(envelope, with: key, context: FieldContext(table: table, column: column, rowID: row, subjectID: key.clientID))
    }

    func seal(_ text: String, key: PracticeKey, _ table: String, _ column: String, row: UUID) throws -> Data {
        try vault.seal(text, with: key, context: FieldContext(table: table, column: column, rowID: row, subjectID: key.practiceID))
    }

    func open(_ envelope: Data, key: PracticeKey, _ table: String, _ column: String, row: UUID) throws -> String {
        try vault.openString(envelope, with: key, context: FieldContext(table: table, column: column, rowID: row, subjectID: key.practiceID))
    }

    func emailIndex(_ email: String) -> Data {
        vault.blindIndex(email, purpose: "email")
    }

    func passwordSalt(emailIndex: Data) -> Data {
        vault.passwordSalt(emailIndex: emailIndex)
    }

    /// What `recovery_codes.code_hash` holds for one of this person's codes (`code` in its canonical form).
    func recoveryCodeHash(_ code: String, userID: UUID) -> Data {
        vault.recoveryCodeHash(code, userID: userID)
    }

    /// A user's own fields are sealed under their client's key if they are a client, else under the practice key.
    func userKey(for user: UserRow, on db: any Database) async throws -> SubjectKey {
        try await subjectKey(clientID: user.clientID, practiceID: user.practiceID, on: db)
    }

    /// A client's key when the fields belong to a client (a client user, a client invitation), else the practice key.
    func subjectKey(clientID: UUID?, practiceID: UUID, on db: any Database) async throws -> SubjectKey {
        if let clientID {
            return .client(try await clientKey(clientID: clientID, practiceID: practiceID, on: db))
        }
        return .practice(try await practiceKey(practiceID: practiceID, on: db))
    }

    func seal(_ text: String, key: SubjectKey, _ table: String, _ column: String, row: UUID) throws -> Data {
        switch key {
        case .client(let clientKey): return try seal(text, key: clientKey, table, column, row: row)
        case .practice(let practiceKey): return try seal(text, key: practiceKey, table, column, row: row)
        }
    }

    func open(_ envelope: Data, key: SubjectKey, _ table: String, _ column: String, row: UUID) throws -> String {
        switch key {
        case .client(let clientKey): return try open(envelope, key: clientKey, table, column, row: row)
        case .practice(let practiceKey): return try open(envelope, key: practiceKey, table, column, row: row)
        }
    }

    /// TOTP secrets are bytes; they are sealed as their base32 text.
    /// `column` is `totp_secret`, or `totp_previous_secret` for the key from before a restarted enrolment.
    func totp(for user: UserRow, secretEnvelope: Data, column: String = "totp_secret", on db: any Database) async throws -> TOTP {
        let key = try await userKey(for: user, on: db)
        let text = try open(secretEnvelope, key: key, UserRow.schema, column, row: try user.requireID())
        guard let secret = Base32.decode(text) else { throw RecordError.missingKey }
        return TOTP(secret: secret)
    }
}

/// The key a person's own fields are sealed with.
enum SubjectKey: Sendable {
    case client(ClientDataKey)
    case practice(PracticeKey)
}

/// The master key a server starts with must open the database it starts on (issue 7): a database copied without
/// its `keys/` folder must not quietly get a new key (every sign-in would then fail, and nothing could be read).
enum KeyCheck {
    /// The vault for this database: `given` (tests), or the key file, created only while the database holds no
    /// wrapped key at all. After a master-key rotation the database names the master version of every wrap, and the
    /// key files (the current one, and during a rotation the next or the retired one) are matched to them by trial.
    static func vault(_ given: MasterKey?, _ configuration: RapportConfiguration, on db: any Database) async throws -> Vault {
        let path = configuration.masterKeyFile
        let wraps = try await MasterKeyRing.storedWraps(on: db)
        if wraps.isEmpty {
            return Vault(masterKey: try given ?? MasterKey.loadOrCreate(at: path))
        }
        if given == nil {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigurationError(message: """
                    The database holds encrypted keys, but the master key file \(path) is missing. Rapport will not \
                    start with a new key, which could open none of them. Restore that file from your backup (it was \
                    made beside the database as keys/master.key), or set RAPPORT_MASTER_KEY_FILE to where it is.
                    """)
            }
        }
        let candidates = try given.map { [$0] } ?? MasterKeyRing.keyFiles(beside: path)
        do {
            return try MasterKeyRing.vault(opening: wraps, with: candidates)
        } catch let unopened as MasterKeyRing.Unopened where unopened.openedAny {
            throw ConfigurationError(message: """
                Some keys in this database are wrapped under master key version \(unopened.version), and none of the key \
                files beside \(path) opens them: a master-key rotation was interrupted and its next key (\(path).next) \
                is missing. Restore that file (or the retired key, \(path).retired-v\(unopened.version)) and start again; \
                nothing was changed.
                """)
        } catch is MasterKeyRing.Unopened {
            throw ConfigurationError(message: """
                The master key \(given == nil ? "in \(path) " : "")does not open this database's keys: it belongs to \
                another installation, or the database was restored next to the wrong keys folder. Rapport did not \
                start, and nothing was changed. Put the master key made with this database at \(path) \
                (or set RAPPORT_MASTER_KEY_FILE to it).
                """)
        }
    }
}
