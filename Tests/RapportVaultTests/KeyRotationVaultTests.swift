import Foundation
@testable import RapportVault
import Testing

/// What rotation asks of the vault (issue 12, point 6): several master versions, practice keys with earlier
/// versions, and derived keys that a master-key rotation does not change.
@Suite struct KeyRotationVaultTests {
    static func randomMasterKey() throws -> MasterKey {
        try MasterKey(rawBytes: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
    }

    @Test func aPracticeKeyRewrappedUnderANewMasterKeyOpensWithItAndNotWithTheOld() throws {
        let first = try Self.randomMasterKey()
        let second = try Self.randomMasterKey()
        let old = Vault(masterKey: first)
        let practiceID = UUID()
        let (key, wrapped) = try old.newPracticeKey(practiceID: practiceID, version: 1)
        let both = try old.adding(second, version: 2)
        #expect(both.masterVersion == 2 && both.masterVersions == [1, 2])
        let rewrapped = try both.rewrapPracticeKey(key)
        #expect(try Vault.masterVersion(ofWrapped: wrapped) == 1)
        #expect(try Vault.masterVersion(ofWrapped: rewrapped) == 2)

        let sealed = try old.seal("practice text", with: key, context: FieldContext(table: "t", column: "c", rowID: practiceID, subjectID: practiceID))
        let newOnly = try Vault(masterKey: second, version: 2)
        let opened = try newOnly.unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: rewrapped)
        #expect(try newOnly.openString(sealed, with: opened, context: FieldContext(table: "t", column: "c", rowID: practiceID, subjectID: practiceID)) == "practice text")
        #expect(throws: VaultError.wrongKey) { try old.unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: rewrapped) }
        // The same key bytes labelled as another version do not open it: the header is authenticated.
        #expect(throws: (any Error).self) { try Vault(masterKey: first, version: 2).unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: rewrapped) }
    }

    @Test func theIndexRootKeepsBlindIndexesSaltsAndRecoveryHashesThroughRotations() throws {
        let first = try Self.randomMasterKey()
        let original = Vault(masterKey: first)
        let wrappedRoot = try original.wrappedIndexRoot()
        let second = try Self.randomMasterKey()
        let rotated = try Vault(masterKey: first, version: 1).adding(second, version: 2)
        let rootUnderSecond = try rotated.openingIndexRoot(wrappedRoot).wrappedIndexRoot()
        #expect(try Vault.masterVersion(ofWrapped: rootUnderSecond) == 2)
        let afterwards = try Vault(masterKey: second, version: 2).openingIndexRoot(rootUnderSecond)
        let user = UUID()
        #expect(afterwards.blindIndex("Sam@Example.org", purpose: "email") == original.blindIndex("sam@example.org", purpose: "email"))
        #expect(afterwards.passwordSalt(emailIndex: Data([1, 2, 3])) == original.passwordSalt(emailIndex: Data([1, 2, 3])))
        #expect(afterwards.recoveryCodeHash("abcdefghjk", userID: user) == original.recoveryCodeHash("abcdefghjk", userID: user))
        // Without the root, the second key would derive different indexes: that is what the stored root prevents.
        #expect(Vault(masterKey: second).blindIndex("sam@example.org", purpose: "email") != original.blindIndex("sam@example.org", purpose: "email"))
    }

    /// What the database keeps after a rotation gives back the derived keys, never the first master key: once its
    /// retired file is destroyed, a backup's practice keys (wrapped under it) open with nothing left.
    @Test func theKeptIndexRootHoldsDerivedKeysNotTheFirstMasterKey() throws {
        let firstBytes = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let first = try MasterKey(rawBytes: firstBytes)
        let second = try Self.randomMasterKey()
        let rotated = try Vault(masterKey: first, version: 1).adding(second, version: 2)
        let wrapped = try rotated.wrappedIndexRoot()
        let plain = try Envelope.open(wrapped, key: second.symmetricKey, kind: .master, version: 2, context: Vault.indexRootWrapContext)
        #expect(plain.count == 32 * 4)
        #expect(plain.range(of: firstBytes) == nil, "the first master key is not kept")
        // Wrapped again under a third key (the next rotation), the same derived keys go along.
        let third = try Self.randomMasterKey()
        let later = try Vault(masterKey: second, version: 2).openingIndexRoot(wrapped).adding(third, version: 3)
        let again = try Vault(masterKey: third, version: 3).openingIndexRoot(try later.wrappedIndexRoot())
        #expect(again.blindIndex("ana@example.org", purpose: "email") == Vault(masterKey: first).blindIndex("ana@example.org", purpose: "email"))
    }

    @Test func aPracticeKeyRingOpensWhatEachVersionSealedAndWrapsUnderTheNewest() throws {
        let vault = Vault(masterKey: try Self.randomMasterKey())
        let practiceID = UUID()
        let clientID = UUID()
        let (v1, _) = try vault.newPracticeKey(practiceID: practiceID, version: 1)
        let (v2, _) = try vault.newPracticeKey(practiceID: practiceID, version: 2)
        let context = FieldContext(table: "staff", column: "name", rowID: UUID(), subjectID: practiceID)
        let sealedUnderOne = try vault.seal("Dana", with: v1, context: context)
        let (client, wrappedUnderOne) = try vault.newClientKey(clientID: clientID, version: 1, under: v1)

        let ring = v2.including([v1])
        #expect(ring.version == 2 && ring.versions == [1, 2])
        #expect(v1.including([v2]).version == 2, "the newest seals, whichever way round")
        #expect(try vault.openString(sealedUnderOne, with: ring, context: context) == "Dana")
        #expect(throws: VaultError.wrongKey) { try vault.openString(sealedUnderOne, with: v2, context: context) }
        let unwrapped = try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: wrappedUnderOne, under: ring)
        let rewrapped = try vault.rewrapClientKey(unwrapped, under: ring)
        #expect(try EnvelopeHeader(parsing: rewrapped).keyVersion == 2)
        let clientContext = FieldContext(table: "notes", column: "body", rowID: UUID(), subjectID: clientID)
        let note = try vault.seal("a note", with: client, context: clientContext)
        let reopened = try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: rewrapped, under: v2)
        #expect(try vault.openString(note, with: reopened, context: clientContext) == "a note")
        #expect(throws: VaultError.wrongKey) { try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: rewrapped, under: v1) }
    }
}
