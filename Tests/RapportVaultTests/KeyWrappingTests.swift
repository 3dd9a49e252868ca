import Foundation
import RapportVault
import Testing

@Suite("Practice and client key wrapping")
struct KeyWrappingTests {
    let vault: Vault
    let practiceID = UUID()

    init() throws {
        vault = try makeVault()
    }

    /// Seals with `original` and opens with `candidate`: succeeds only if both hold the same key bytes.
    private func sameKey(_ original: ClientDataKey, _ candidate: ClientDataKey) throws -> Bool {
        let context = FieldContext(table: "t", column: "c", rowID: UUID(), subjectID: original.clientID)
        let envelope = try vault.seal("probe", with: original, context: context)
        return (try? vault.openString(envelope, with: candidate, context: context)) == "probe"
    }

    @Test("A wrapped practice key unwraps to the same key")
    func practiceKeyRoundTrip() throws {
        let (key, wrapped) = try vault.newPracticeKey(practiceID: practiceID, version: 3)
        let unwrapped = try vault.unwrapPracticeKey(practiceID: practiceID, version: 3, wrapped: wrapped)
        #expect(unwrapped.practiceID == practiceID)
        #expect(unwrapped.version == 3)

        let context = FieldContext(table: "practice", column: "name", rowID: practiceID, subjectID: practiceID)
        let envelope = try vault.seal("Harbour Street Therapy", with: key, context: context)
        #expect(try vault.openString(envelope, with: unwrapped, context: context) == "Harbour Street Therapy")
        #expect(wrapped.count == 6 + 12 + 32 + 16)
        #expect(try EnvelopeHeader(parsing: wrapped).keyKind == .master)
    }

    @Test("A wrapped practice key is bound to its practice, its version and the master key")
    func practiceKeyBinding() throws {
        let wrapped = try vault.newPracticeKey(practiceID: practiceID, version: 1).wrapped
        #expect(throws: VaultError.decryptionFailed) {
            try vault.unwrapPracticeKey(practiceID: UUID(), version: 1, wrapped: wrapped)
        }
        #expect(throws: VaultError.decryptionFailed) {
            try vault.unwrapPracticeKey(practiceID: practiceID, version: 2, wrapped: wrapped)
        }
        let otherInstallation = try makeVault()
        #expect(throws: VaultError.decryptionFailed) {
            try otherInstallation.unwrapPracticeKey(practiceID: practiceID, version: 1, wrapped: wrapped)
        }
    }

    @Test("Two new practice keys are different keys")
    func practiceKeysAreRandom() throws {
        let first = try vault.newPracticeKey(practiceID: practiceID, version: 1)
        let second = try vault.newPracticeKey(practiceID: practiceID, version: 1)
        #expect(first.wrapped != second.wrapped)
        let context = FieldContext(table: "t", column: "c", rowID: UUID(), subjectID: practiceID)
        let envelope = try vault.seal("x", with: first.key, context: context)
        #expect(throws: VaultError.decryptionFailed) {
            try vault.openString(envelope, with: second.key, context: context)
        }
    }

    @Test("A wrapped client key unwraps to the same key")
    func clientKeyRoundTrip() throws {
        let practiceKey = try vault.newPracticeKey(practiceID: practiceID, version: 1).key
        let clientID = UUID()
        let (key, wrapped) = try vault.newClientKey(clientID: clientID, version: 1, under: practiceKey)
        let unwrapped = try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: wrapped, under: practiceKey)
        #expect(unwrapped.clientID == clientID)
        #expect(unwrapped.version == 1)
        #expect(try sameKey(key, unwrapped))
        #expect(Array(wrapped.prefix(6)) == [1, 2, 0, 0, 0, 1])
    }

    @Test("A wrapped client key is bound to its client, its version and its practice key")
    func clientKeyBinding() throws {
        let practiceKey = try vault.newPracticeKey(practiceID: practiceID, version: 1).key
        let clientID = UUID()
        let wrapped = try vault.newClientKey(clientID: clientID, version: 1, under: practiceKey).wrapped

        #expect(throws: VaultError.decryptionFailed) {
            try vault.unwrapClientKey(clientID: UUID(), version: 1, wrapped: wrapped, under: practiceKey)
        }
        #expect(throws: VaultError.decryptionFailed) {
            try vault.unwrapClientKey(clientID: clientID, version: 2, wrapped: wrapped, under: practiceKey)
        }
        let laterPracticeKey = try vault.newPracticeKey(practiceID: practiceID, version: 2).key
        #expect(throws: VaultError.wrongKey) {
            try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: wrapped, under: laterPracticeKey)
        }
        let otherPracticeKey = try vault.newPracticeKey(practiceID: UUID(), version: 1).key
        #expect(throws: VaultError.decryptionFailed) {
            try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: wrapped, under: otherPracticeKey)
        }
    }

    @Test("Rotating the practice key re-wraps client keys without re-encrypting data")
    func rewrapUnderNewPracticeKey() throws {
        let oldPractice = try vault.newPracticeKey(practiceID: practiceID, version: 1)
        let clientID = UUID()
        let (clientKey, oldWrapped) = try vault.newClientKey(clientID: clientID, version: 1, under: oldPractice.key)
        let context = FieldContext(table: "notes", column: "body", rowID: UUID(), subjectID: clientID)
        let note = try vault.seal("Session 4: discussed sleep.", with: clientKey, context: context)

        // Rotation: a new practice key, client keys re-wrapped; the note itself is untouched.
        let newPractice = try vault.newPracticeKey(practiceID: practiceID, version: 2)
        let newWrapped = try vault.rewrapClientKey(clientKey, under: newPractice.key)
        #expect(newWrapped != oldWrapped)

        // Later, after a restart: only wrapped forms and the master key.
        let practiceKey = try vault.unwrapPracticeKey(practiceID: practiceID, version: 2, wrapped: newPractice.wrapped)
        let restoredClientKey = try vault.unwrapClientKey(
            clientID: clientID, version: 1, wrapped: newWrapped, under: practiceKey)
        #expect(try vault.openString(note, with: restoredClientKey, context: context) == "Session 4: discussed sleep.")

        // The old wrap is for the old practice key version.
        #expect(throws: VaultError.wrongKey) {
            try vault.unwrapClientKey(clientID: clientID, version: 1, wrapped: oldWrapped, under: practiceKey)
        }
    }
}
