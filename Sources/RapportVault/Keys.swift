public import Foundation
import Crypto

/// A practice's key (SECURITY.md, "Keys"): wraps the data key of every client of the practice and seals practice-
/// and staff-level fields. Stored in the database only wrapped by the master key.
public struct PracticeKey: Sendable {
    public let practiceID: UUID
    /// The newest version: what new values are sealed and client keys wrapped under.
    public let version: Int
    let symmetricKey: SymmetricKey
    /// Earlier versions of the same practice's key, by version. A rotation (`rapport keys rotate-practice`) re-wraps
    /// the client keys but does not re-seal practice-level fields, so those still open with the version they name.
    let earlier: [Int: SymmetricKey]

    init(practiceID: UUID, version: Int, symmetricKey: SymmetricKey, earlier: [Int: SymmetricKey] = [:]) {
        self.practiceID = practiceID
        self.version = version
        self.symmetricKey = symmetricKey
        self.earlier = earlier
    }

    /// This key, able to open values sealed under `others` as well (earlier versions of the same practice's key).
    /// The newest version of them all is the one that seals.
    public func including(_ others: [PracticeKey]) -> PracticeKey {
        var all = earlier
        all[version] = symmetricKey
        for other in others where other.practiceID == practiceID {
            all.merge(other.earlier) { mine, _ in mine }
            all[other.version] = other.symmetricKey
        }
        let newest = all.keys.max() ?? version
        var older = all
        older[newest] = nil
        return PracticeKey(practiceID: practiceID, version: newest, symmetricKey: all[newest] ?? symmetricKey, earlier: older)
    }

    /// Every version this key can open, oldest first.
    public var versions: [Int] { (Array(earlier.keys) + [version]).sorted() }

    /// The key of the version an envelope names, or `wrongKey` if this practice key does not have it.
    func symmetricKey(forVersion wanted: Int) throws -> SymmetricKey {
        if wanted == version { return symmetricKey }
        guard let older = earlier[wanted] else { throw VaultError.wrongKey }
        return older
    }
}

/// One client's data key: seals that client's fields. Stored only wrapped by the practice key, so destroying the
/// wrapped copies erases every copy of the client's data at once, backups included (crypto-shredding).
public struct ClientDataKey: Sendable {
    public let clientID: UUID
    public let version: Int
    let symmetricKey: SymmetricKey
}

/// Where a sealed value lives. It becomes part of the AES-GCM additional authenticated data, so a value copied to
/// another table, column, row or subject fails to open instead of showing one client's data in another's record.
///
/// `subjectID` is the client id for client data, and the practice id for staff and practice data.
public struct FieldContext: Sendable, Hashable {
    public let table: String
    public let column: String
    public let rowID: UUID
    public let subjectID: UUID

    public init(table: String, column: String, rowID: UUID, subjectID: UUID) {
        self.table = table
        self.column = column
        self.rowID = rowID
        self.subjectID = subjectID
    }

    /// Canonical, length-prefixed encoding: no two different contexts encode to the same bytes.
    var authenticatedData: Data {
        var writer = CanonicalWriter(domain: "rapport-field-v1")
        writer.append(table)
        writer.append(column)
        writer.append(rowID)
        writer.append(subjectID)
        return writer.bytes
    }
}

/// The vault: key wrapping, field encryption and blind indexes, all rooted in the master key.
///
/// A value type with no mutable state, so one instance can be shared by every request.
///
/// Master keys are versioned (`rapport keys rotate-master`): a wrapped practice key names the master version that
/// wrapped it in its envelope header. A vault may know several versions while a rotation is under way; the newest
/// wraps new practice keys. The derived keys (blind indexes, password salts, recovery codes) come from the index
/// root instead, which is the installation's first master key and is carried, wrapped, through every rotation, so
/// that a rotation never changes an index or a salt (every sign-in would fail).
public struct Vault: Sendable {
    /// Bytes in every practice and client data key (AES-256).
    static let dataKeyByteCount = 32

    /// Master keys by version.
    let masterKeys: [Int: SymmetricKey]
    /// The newest master version this vault knows: it wraps new practice keys.
    public let masterVersion: Int
    /// Where the derived keys (`derivedKey(_:)`) come from.
    let derivation: Derivation

    /// Until the first master-key rotation the derived keys come from the master key itself. After it, only the keys
    /// derived from that first master key are kept (HKDF is one-way), never the key: once its retired file is
    /// destroyed, nothing left can open what it wrapped (a backup's practice keys).
    enum Derivation: Sendable {
        case root(SymmetricKey)
        /// The derived key of each known purpose, and one more from which any other purpose's key is derived.
        case kept([String: SymmetricKey], other: SymmetricKey)
    }

    /// The purposes keys are derived for, in the order their keys are stored. A new purpose is derived from `other`
    /// after a rotation, and from the master key before: add it here before any index is made with it.
    static let derivedPurposes = ["rapport blind index v1|email", "rapport password salt v1", "rapport recovery code v1"]
    static let otherPurposes = "rapport other purposes v1"

    /// A vault with one master key, version 1, from which the derived keys come: a new installation, or one that has
    /// never rotated its master key.
    public init(masterKey: MasterKey) {
        masterKeys = [1: masterKey.symmetricKey]
        masterVersion = 1
        derivation = .root(masterKey.symmetricKey)
    }

    private init(masterKeys: [Int: SymmetricKey], masterVersion: Int, derivation: Derivation) {
        self.masterKeys = masterKeys
        self.masterVersion = masterVersion
        self.derivation = derivation
    }

    /// A vault whose master key is `masterKey` at `version` (the index root is still to be set with
    /// `openingIndexRoot(_:)` if the installation has rotated before).
    public init(masterKey: MasterKey, version: Int) throws {
        _ = try envelopeVersion(version)
        self.init(masterKeys: [version: masterKey.symmetricKey], masterVersion: version, derivation: .root(masterKey.symmetricKey))
    }

    /// This vault, knowing `masterKey` as `version` too; the newest version known becomes the one that wraps.
    public func adding(_ masterKey: MasterKey, version: Int) throws -> Vault {
        _ = try envelopeVersion(version)
        var keys = masterKeys
        keys[version] = masterKey.symmetricKey
        return Vault(masterKeys: keys, masterVersion: max(version, masterVersion), derivation: derivation)
    }

    /// The master versions this vault can open, oldest first.
    public var masterVersions: [Int] { masterKeys.keys.sorted() }

    /// The master version that wrapped a stored key (a wrapped practice key or the wrapped index root), read from
    /// its header without opening it.
    public static func masterVersion(ofWrapped wrapped: Data) throws -> Int {
        let header = try EnvelopeHeader(parsing: wrapped)
        guard header.keyKind == .master else { throw VaultError.wrongKey }
        return header.keyVersion
    }

    private func masterKey(forWrapped wrapped: Data) throws -> (SymmetricKey, UInt32) {
        let version = try Self.masterVersion(ofWrapped: wrapped)
        guard let key = masterKeys[version] else { throw VaultError.wrongKey }
        return (key, try envelopeVersion(version))
    }

    // MARK: Index root

    /// The derived keys wrapped under the newest master key, for the database to keep once the installation rotates
    /// its master key: the key of each purpose, never the key they were derived from.
    public func wrappedIndexRoot() throws -> Data {
        var plain = Data()
        let (kept, other) = keptKeys
        for purpose in Self.derivedPurposes { plain.append(kept[purpose]?.withUnsafeBytes { Data($0) } ?? Data(count: Self.dataKeyByteCount)) }
        plain.append(other.withUnsafeBytes { Data($0) })
        guard let master = masterKeys[masterVersion] else { throw VaultError.wrongKey }
        return try Envelope.seal(plain, key: master, kind: .master, version: envelopeVersion(masterVersion), context: Self.indexRootWrapContext)
    }

    private var keptKeys: ([String: SymmetricKey], SymmetricKey) {
        switch derivation {
        case .root(let root):
            var kept: [String: SymmetricKey] = [:]
            for purpose in Self.derivedPurposes { kept[purpose] = Self.derive(root, purpose) }
            return (kept, Self.derive(root, Self.otherPurposes))
        case .kept(let kept, let other):
            return (kept, other)
        }
    }

    /// This vault with the derived keys opened from their wrapped form (`wrappedIndexRoot()`).
    public func openingIndexRoot(_ wrapped: Data) throws -> Vault {
        let (key, version) = try masterKey(forWrapped: wrapped)
        let raw = [UInt8](try Envelope.open(wrapped, key: key, kind: .master, version: version, context: Self.indexRootWrapContext))
        let size = Self.dataKeyByteCount
        guard raw.count == size * (Self.derivedPurposes.count + 1) else { throw VaultError.malformedEnvelope }
        var kept: [String: SymmetricKey] = [:]
        for (index, purpose) in Self.derivedPurposes.enumerated() {
            kept[purpose] = SymmetricKey(data: raw[(index * size)..<((index + 1) * size)])
        }
        let other = SymmetricKey(data: raw[(Self.derivedPurposes.count * size)...])
        return Vault(masterKeys: masterKeys, masterVersion: masterVersion, derivation: .kept(kept, other: other))
    }

    static func derive(_ root: SymmetricKey, _ info: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: root, info: Data(info.utf8), outputByteCount: 32)
    }

    static var indexRootWrapContext: Data {
        var writer = CanonicalWriter(domain: "rapport-key-wrap-v1")
        writer.append("index-root")
        return writer.bytes
    }

    // MARK: Practice keys

    /// A new random practice key, and its wrapped form (sealed by the master key) to store in the database.
    public func newPracticeKey(practiceID: UUID, version: Int) throws -> (key: PracticeKey, wrapped: Data) {
        let key = PracticeKey(
            practiceID: practiceID, version: version,
            symmetricKey: SymmetricKey(size: .bits256))
        return (key, try wrap(key))
    }

    /// Opens a wrapped practice key. The wrap is bound to `practiceID` and `version`: a wrapped key copied to
    /// another practice, or relabelled with another version, fails (`decryptionFailed`).
    /// Throws `wrongKey` if the master version that wrapped it is not one this vault knows.
    public func unwrapPracticeKey(practiceID: UUID, version: Int, wrapped: Data) throws -> PracticeKey {
        let (master, masterVersion) = try masterKey(forWrapped: wrapped)
        let rawKey = try Envelope.open(
            wrapped, key: master, kind: .master, version: masterVersion,
            context: Self.practiceKeyWrapContext(practiceID: practiceID, version: envelopeVersion(version)))
        guard rawKey.count == Self.dataKeyByteCount else { throw VaultError.malformedEnvelope }
        return PracticeKey(practiceID: practiceID, version: version, symmetricKey: SymmetricKey(data: rawKey))
    }

    /// A practice key (its newest version) wrapped under the newest master key: what a master-key rotation writes.
    public func rewrapPracticeKey(_ key: PracticeKey) throws -> Data {
        try wrap(key)
    }

    private func wrap(_ key: PracticeKey) throws -> Data {
        try Envelope.seal(
            key.symmetricKey.withUnsafeBytes { Data($0) },
            key: masterKeys[masterVersion]!, kind: .master, version: envelopeVersion(masterVersion),
            context: Self.practiceKeyWrapContext(practiceID: key.practiceID, version: envelopeVersion(key.version)))
    }

    private static func practiceKeyWrapContext(practiceID: UUID, version: UInt32) -> Data {
        var writer = CanonicalWriter(domain: "rapport-key-wrap-v1")
        writer.append("practice-key")
        writer.append(practiceID)
        writer.append(Int64(version))
        return writer.bytes
    }

    // MARK: Client data keys

    /// A new random data key for one client, and its wrapped form (sealed by the practice key) to store.
    public func newClientKey(
        clientID: UUID, version: Int, under practiceKey: PracticeKey
    ) throws -> (key: ClientDataKey, wrapped: Data) {
        let key = ClientDataKey(clientID: clientID, version: version, symmetricKey: SymmetricKey(size: .bits256))
        return (key, try rewrapClientKey(key, under: practiceKey))
    }

    /// Opens a wrapped client data key. The wrap is bound to the client id, the key version, and the practice
    /// key's practice and version, so it cannot be relabelled as another client's key.
    public func unwrapClientKey(
        clientID: UUID, version: Int, wrapped: Data, under practiceKey: PracticeKey
    ) throws -> ClientDataKey {
        // The wrap names the practice-key version it was made under; during a rotation that may be an earlier one.
        let practiceVersion = try EnvelopeHeader(parsing: wrapped).keyVersion
        let rawKey = try Envelope.open(
            wrapped, key: practiceKey.symmetricKey(forVersion: practiceVersion), kind: .practice,
            version: envelopeVersion(practiceVersion),
            context: Self.clientKeyWrapContext(
                clientID: clientID, version: envelopeVersion(version), practiceID: practiceKey.practiceID,
                practiceVersion: practiceVersion))
        guard rawKey.count == Self.dataKeyByteCount else { throw VaultError.malformedEnvelope }
        return ClientDataKey(clientID: clientID, version: version, symmetricKey: SymmetricKey(data: rawKey))
    }

    /// Wraps an existing client key under a (new) practice key. This is what makes practice-key rotation cheap:
    /// only the small wrapped keys are rewritten, not every encrypted field.
    public func rewrapClientKey(_ key: ClientDataKey, under newPracticeKey: PracticeKey) throws -> Data {
        try Envelope.seal(
            key.symmetricKey.withUnsafeBytes { Data($0) },
            key: newPracticeKey.symmetricKey, kind: .practice, version: envelopeVersion(newPracticeKey.version),
            context: Self.clientKeyWrapContext(
                clientID: key.clientID, version: envelopeVersion(key.version), practiceID: newPracticeKey.practiceID,
                practiceVersion: newPracticeKey.version))
    }

    private static func clientKeyWrapContext(clientID: UUID, version: UInt32, practiceID: UUID, practiceVersion: Int) -> Data {
        var writer = CanonicalWriter(domain: "rapport-key-wrap-v1")
        writer.append("client-key")
        writer.append(clientID)
        writer.append(Int64(version))
        writer.append(practiceID)
        writer.append(Int64(practiceVersion))
        return writer.bytes
    }

    // MARK: Field encryption

    /// Seals one of a client's fields under that client's data key.
    /// Throws `keyDoesNotMatchSubject` unless `context.subjectID` is the key's client: data sealed under another
    /// client's key would survive the erasure of its own client's key.
    public func seal(_ plaintext: String, with key: ClientDataKey, context: FieldContext) throws -> Data {
        try seal(Data(plaintext.utf8), with: key, context: context)
    }

    /// Seals a practice- or staff-level field under the practice key.
    public func seal(_ plaintext: String, with key: PracticeKey, context: FieldContext) throws -> Data {
        try seal(Data(plaintext.utf8), with: key, context: context)
    }

    /// Binary variant of `seal(_:with:context:)` for a client's field (for example a drawn consent signature).
    public func seal(_ plaintext: Data, with key: ClientDataKey, context: FieldContext) throws -> Data {
        guard key.clientID == context.subjectID else { throw VaultError.keyDoesNotMatchSubject }
        return try Envelope.seal(
            plaintext, key: key.symmetricKey, kind: .client, version: envelopeVersion(key.version),
            context: context.authenticatedData)
    }

    /// Binary variant of `seal(_:with:context:)` for a practice-level field.
    public func seal(_ plaintext: Data, with key: PracticeKey, context: FieldContext) throws -> Data {
        try Envelope.seal(
            plaintext, key: key.symmetricKey, kind: .practice, version: envelopeVersion(key.version),
            context: context.authenticatedData)
    }

    /// Opens a client's text field. `context` must be exactly the one it was sealed with.
    public func openString(_ envelope: Data, with key: ClientDataKey, context: FieldContext) throws -> String {
        try Self.text(from: open(envelope, with: key, context: context))
    }

    /// Opens a practice-level text field. `context` must be exactly the one it was sealed with.
    public func openString(_ envelope: Data, with key: PracticeKey, context: FieldContext) throws -> String {
        try Self.text(from: open(envelope, with: key, context: context))
    }

    /// Opens a client's binary field.
    public func open(_ envelope: Data, with key: ClientDataKey, context: FieldContext) throws -> Data {
        guard key.clientID == context.subjectID else { throw VaultError.keyDoesNotMatchSubject }
        return try Envelope.open(
            envelope, key: key.symmetricKey, kind: .client, version: envelopeVersion(key.version),
            context: context.authenticatedData)
    }

    /// Opens a practice-level binary field.
    /// Opens with whichever version of the practice key the envelope names, if `key` has it.
    public func open(_ envelope: Data, with key: PracticeKey, context: FieldContext) throws -> Data {
        let version = try EnvelopeHeader(parsing: envelope).keyVersion
        return try Envelope.open(
            envelope, key: key.symmetricKey(forVersion: version), kind: .practice, version: envelopeVersion(version),
            context: context.authenticatedData)
    }

    /// Authentic bytes that are not UTF-8 were sealed as binary, not as text: not a text envelope.
    private static func text(from bytes: Data) throws -> String {
        guard let text = String(data: bytes, encoding: .utf8) else { throw VaultError.malformedEnvelope }
        return text
    }
}
