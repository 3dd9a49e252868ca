import Foundation
import RapportVault
import Testing

@Suite("Field encryption envelopes")
struct FieldEncryptionTests {
    let vault: Vault
    let practiceKey: PracticeKey
    let clientKey: ClientDataKey
    let clientID = UUID()
    let context: FieldContext

    init() throws {
        vault = try makeVault()
        practiceKey = try vault.newPracticeKey(practiceID: UUID(), version: 1).key
        clientKey = try vault.newClientKey(clientID: clientID, version: 4, under: practiceKey).key
        context = FieldContext(table: "clients", column: "legal_name", rowID: UUID(), subjectID: clientID)
    }

    @Test("A sealed value opens to the same text, with client and practice keys",
          arguments: ["Jordan Example", "", "Ünïcödé ✓ 🫶 with\nnewlines", String(repeating: "long note ", count: 5_000)])
    func roundTrip(plaintext: String) throws {
        let byClient = try vault.seal(plaintext, with: clientKey, context: context)
        #expect(try vault.openString(byClient, with: clientKey, context: context) == plaintext)

        let staffContext = FieldContext(table: "staff", column: "email", rowID: UUID(), subjectID: practiceKey.practiceID)
        let byPractice = try vault.seal(plaintext, with: practiceKey, context: staffContext)
        #expect(try vault.openString(byPractice, with: practiceKey, context: staffContext) == plaintext)
    }

    @Test("The envelope has the documented layout")
    func layout() throws {
        let plaintext = "twelve bytes"
        let envelope = try vault.seal(plaintext, with: clientKey, context: context)
        #expect(envelope.count == 6 + 12 + plaintext.utf8.count + 16)
        #expect(Array(envelope.prefix(6)) == [1, 3, 0, 0, 0, 4])

        let header = try EnvelopeHeader(parsing: envelope)
        #expect(header.formatVersion == EnvelopeHeader.currentFormatVersion)
        #expect(header.keyKind == .client)
        #expect(header.keyVersion == 4)

        let practiceEnvelope = try vault.seal(plaintext, with: practiceKey, context: context)
        #expect(Array(practiceEnvelope.prefix(6)) == [1, 2, 0, 0, 0, 1])
    }

    @Test("The plaintext bytes do not appear in the envelope")
    func plaintextIsNotVisible() throws {
        let plaintext = "I have been feeling hopeless since March"
        let envelope = try vault.seal(plaintext, with: clientKey, context: context)
        #expect(envelope.range(of: Data(plaintext.utf8)) == nil)
        #expect(envelope.range(of: Data("hopeless".utf8)) == nil)
    }

    @Test("Two seals of the same plaintext differ (fresh random nonce each time)")
    func sealsAreRandomised() throws {
        let first = try vault.seal("same words", with: clientKey, context: context)
        let second = try vault.seal("same words", with: clientKey, context: context)
        #expect(first != second)
        #expect(first[6..<18] != second[6..<18])
        #expect(try vault.openString(second, with: clientKey, context: context) == "same words")
    }

    @Test("A value moved to another table, column or row fails to open")
    func movedValueFails() throws {
        let envelope = try vault.seal("sensitive", with: clientKey, context: context)
        let moves = [
            FieldContext(table: "notes", column: context.column, rowID: context.rowID, subjectID: clientID),
            FieldContext(table: context.table, column: "preferred_name", rowID: context.rowID, subjectID: clientID),
            FieldContext(table: context.table, column: context.column, rowID: UUID(), subjectID: clientID),
        ]
        for moved in moves {
            #expect(throws: VaultError.decryptionFailed) {
                try vault.openString(envelope, with: clientKey, context: moved)
            }
        }
    }

    @Test("A value moved to another subject fails to open")
    func movedToAnotherSubjectFails() throws {
        // Practice-key data: the subject is only in the authenticated data.
        let practiceContext = FieldContext(table: "staff", column: "name", rowID: UUID(), subjectID: UUID())
        let envelope = try vault.seal("Dr Example", with: practiceKey, context: practiceContext)
        let otherSubject = FieldContext(
            table: practiceContext.table, column: practiceContext.column, rowID: practiceContext.rowID, subjectID: UUID())
        #expect(throws: VaultError.decryptionFailed) {
            try vault.openString(envelope, with: practiceKey, context: otherSubject)
        }

        // Client data copied into another client's record, opened with that client's key.
        let clientEnvelope = try vault.seal("sensitive", with: clientKey, context: context)
        let otherClientID = UUID()
        let otherClientKey = try vault.newClientKey(clientID: otherClientID, version: 4, under: practiceKey).key
        let otherClientContext = FieldContext(
            table: context.table, column: context.column, rowID: context.rowID, subjectID: otherClientID)
        #expect(throws: VaultError.decryptionFailed) {
            try vault.openString(clientEnvelope, with: otherClientKey, context: otherClientContext)
        }
    }

    @Test("Field boundaries in the context are unambiguous")
    func contextBoundaries() throws {
        let rowID = UUID()
        let sealedContext = FieldContext(table: "ab", column: "c", rowID: rowID, subjectID: clientID)
        let shiftedContext = FieldContext(table: "a", column: "bc", rowID: rowID, subjectID: clientID)
        let envelope = try vault.seal("boundary", with: clientKey, context: sealedContext)
        #expect(throws: VaultError.decryptionFailed) {
            try vault.openString(envelope, with: clientKey, context: shiftedContext)
        }
        #expect(try vault.openString(envelope, with: clientKey, context: sealedContext) == "boundary")
    }

    @Test("A client key is refused for another client's data (crypto-shredding must stay complete)")
    func clientKeyBoundToSubject() throws {
        let otherClientContext = FieldContext(table: "clients", column: "legal_name", rowID: UUID(), subjectID: UUID())
        #expect(throws: VaultError.keyDoesNotMatchSubject) {
            try vault.seal("x", with: clientKey, context: otherClientContext)
        }
        let envelope = try vault.seal("x", with: clientKey, context: context)
        #expect(throws: VaultError.keyDoesNotMatchSubject) {
            try vault.openString(envelope, with: clientKey, context: otherClientContext)
        }
    }

    @Test("Changing any single byte of the envelope makes it fail to open")
    func tamperingAnyByteFails() throws {
        let envelope = try vault.seal("do not change me", with: clientKey, context: context)
        for index in envelope.indices {
            var tampered = envelope
            tampered[index] ^= 0x01
            #expect(throws: VaultError.self, "byte \(index)") {
                try vault.openString(tampered, with: clientKey, context: context)
            }
        }
        #expect(try vault.openString(envelope, with: clientKey, context: context) == "do not change me")
    }

    @Test("Tampering with the ciphertext or tag is reported as a failed integrity check")
    func tamperedBodyIsDecryptionFailure() throws {
        let envelope = try vault.seal("body", with: clientKey, context: context)
        for index in [18, envelope.count - 1] {
            var tampered = envelope
            tampered[index] ^= 0x80
            #expect(throws: VaultError.decryptionFailed) {
                try vault.openString(tampered, with: clientKey, context: context)
            }
        }
    }

    @Test("A key of the wrong kind or version is reported as wrongKey")
    func wrongKeyKindOrVersion() throws {
        let envelope = try vault.seal("hello", with: clientKey, context: context)
        #expect(throws: VaultError.wrongKey) {
            try vault.openString(envelope, with: practiceKey, context: context)
        }
        let nextVersion = try vault.newClientKey(clientID: clientID, version: 5, under: practiceKey).key
        #expect(throws: VaultError.wrongKey) {
            try vault.openString(envelope, with: nextVersion, context: context)
        }
        let practiceEnvelope = try vault.seal("hello", with: practiceKey, context: context)
        #expect(throws: VaultError.wrongKey) {
            try vault.openString(practiceEnvelope, with: clientKey, context: context)
        }
        let practiceKeyV2 = try vault.newPracticeKey(practiceID: practiceKey.practiceID, version: 2).key
        #expect(throws: VaultError.wrongKey) {
            try vault.openString(practiceEnvelope, with: practiceKeyV2, context: context)
        }
    }

    @Test("Another key of the same kind and version fails the integrity check")
    func sameVersionDifferentKey() throws {
        let envelope = try vault.seal("hello", with: clientKey, context: context)
        let impostor = try vault.newClientKey(clientID: clientID, version: 4, under: practiceKey).key
        #expect(throws: VaultError.decryptionFailed) {
            try vault.openString(envelope, with: impostor, context: context)
        }
    }

    @Test("Truncated, empty or garbage input is a malformed envelope")
    func malformedInput() throws {
        let envelope = try vault.seal("", with: clientKey, context: context)
        #expect(envelope.count == 34)
        for length in 0..<34 {
            #expect(throws: VaultError.malformedEnvelope, "length \(length)") {
                try vault.openString(envelope.prefix(length), with: clientKey, context: context)
            }
        }
        var futureFormat = envelope
        futureFormat[0] = 2
        #expect(throws: VaultError.malformedEnvelope) {
            try vault.openString(futureFormat, with: clientKey, context: context)
        }
        var unknownKind = envelope
        unknownKind[1] = 9
        #expect(throws: VaultError.malformedEnvelope) {
            try EnvelopeHeader(parsing: unknownKind)
        }
        #expect(throws: VaultError.malformedEnvelope) {
            try vault.openString(Data("not an envelope, just some text".utf8), with: clientKey, context: context)
        }
    }

    @Test("An envelope that is a slice of a larger buffer opens normally")
    func slicedEnvelope() throws {
        let envelope = try vault.seal("slice", with: clientKey, context: context)
        let buffer = Data([0xAA, 0xBB]) + envelope + Data([0xCC])
        let slice = buffer[2..<(2 + envelope.count)]
        #expect(try vault.openString(slice, with: clientKey, context: context) == "slice")
    }

    @Test("Binary values round-trip; binary that is not UTF-8 is not opened as text")
    func binaryValues() throws {
        let signature = Data([0xFF, 0xFE, 0x00, 0x80, 0xC3])
        let envelope = try vault.seal(signature, with: clientKey, context: context)
        #expect(try vault.open(envelope, with: clientKey, context: context) == signature)
        #expect(throws: VaultError.malformedEnvelope) {
            try vault.openString(envelope, with: clientKey, context: context)
        }
    }

    @Test("Key versions outside UInt32 are refused")
    func keyVersionRange() throws {
        #expect(throws: VaultError.invalidKeyVersion(-1)) {
            try vault.newPracticeKey(practiceID: UUID(), version: -1)
        }
        #expect(throws: VaultError.invalidKeyVersion(Int(UInt32.max) + 1)) {
            try vault.newClientKey(clientID: UUID(), version: Int(UInt32.max) + 1, under: practiceKey)
        }
        let highest = try vault.newPracticeKey(practiceID: UUID(), version: Int(UInt32.max))
        #expect(highest.key.version == Int(UInt32.max))
    }

    @Test("Error descriptions tell the operator what to do and carry no secrets")
    func errorDescriptions() {
        let tooOpen = VaultError.masterKeyPermissionsTooOpen(path: "/data/keys/master.key", mode: 0o644)
        #expect(tooOpen.description.contains("0644"))
        #expect(tooOpen.description.contains("chmod 600 /data/keys/master.key"))
        #expect(VaultError.masterKeyMissing(path: "/k").description.contains("/k"))
        #expect(VaultError.decryptionFailed.description != VaultError.wrongKey.description)
    }
}
