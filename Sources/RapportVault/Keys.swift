public import Foundation
import Crypto

/// A practice's key (SECURITY.md, "Keys"): wraps the data key of every client of the practice and seals practice-
/// and staff-level fields. Stored in the database only wrapped by the master key.
public struct PracticeKey: Sendable {
    public let practiceID: UUID
    public let version: Int
    let symmetricKey: SymmetricKey
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

/// The vault: key wrapping, field encryption and blind indexes, all rooted in one master key.
///
/// A value type with no mutable state, so one instance can be shared by every request.
public struct Vault: Sendable {
    /// Bytes in every practice and client data key (AES-256).
    static let dataKeyByteCount = 32

    let masterKey: MasterKey

    public init(masterKey: MasterKey) {
        self.masterKey = masterKey
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
    public func unwrapPracticeKey(practiceID: UUID, version: Int, wrapped: Data) throws -> PracticeKey {
        let rawKey = try Envelope.open(
            wrapped, key: masterKey.symmetricKey, kind: .master, version: MasterKey.envelopeVersion,
            context: Self.practiceKeyWrapContext(practiceID: practiceID, version: envelopeVersion(version)))
        guard rawKey.count == Self.dataKeyByteCount else { throw VaultError.malformedEnvelope }
        return PracticeKey(practiceID: practiceID, version: version, symmetricKey: SymmetricKey(data: rawKey))
    }

    private func wrap(_ key: PracticeKey) throws -> Data {
        try Envelope.seal(
            key.symmetricKey.withUnsafeBytes { Data($0) },
            key: masterKey.symmetricKey, kind: .master, version: MasterKey.envelopeVersion,
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
        let rawKey = try Envelope.open(
            wrapped, key: practiceKey.symmetricKey, kind: .practice, version: envelopeVersion(practiceKey.version),
            context: Self.clientKeyWrapContext(clientID: clientID, version: envelopeVersion(version), practiceKey: practiceKey))
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
                clientID: key.clientID, version: envelopeVersion(key.version), practiceKey: newPracticeKey))
    }

    private static func clientKeyWrapContext(clientID: UUID, version: UInt32, practiceKey: PracticeKey) -> Data {
        var writer = CanonicalWriter(domain: "rapport-key-wrap-v1")
        writer.append("client-key")
        writer.append(clientID)
        writer.append(Int64(version))
        writer.append(practiceKey.practiceID)
        writer.append(Int64(practiceKey.version))
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
    public func open(_ envelope: Data, with key: PracticeKey, context: FieldContext) throws -> Data {
        try Envelope.open(
            envelope, key: key.symmetricKey, kind: .practice, version: envelopeVersion(key.version),
            context: context.authenticatedData)
    }

    /// Authentic bytes that are not UTF-8 were sealed as binary, not as text: not a text envelope.
    private static func text(from bytes: Data) throws -> String {
        guard let text = String(data: bytes, encoding: .utf8) else { throw VaultError.malformedEnvelope }
        return text
    }
}
