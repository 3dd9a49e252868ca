import Foundation
import RapportVault
import Testing

@Suite("Signed audit checkpoints")
struct CheckpointTests {
    let root: String
    let signer: CheckpointSigner
    let headHash = AuditChain.hash(previous: AuditChain.genesisHash, record: AuditChainTests.fixedRecord)

    init() throws {
        root = try makeTemporaryDirectory()
        signer = try CheckpointSigner.loadOrCreate(at: root + "/keys/audit-signing.key")
    }

    @Test("A checkpoint signature verifies with the public key")
    func signatureVerifies() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let signature = signer.sign(sequence: 42, headHash: headHash)
        #expect(signature.count == 64)
        #expect(signer.publicKey.count == 32)
        #expect(CheckpointSigner.isValid(signature: signature, sequence: 42, headHash: headHash, publicKey: signer.publicKey))
    }

    @Test("The signature fails for another sequence, hash, key or a damaged signature")
    func signatureFailsOnChange() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let signature = signer.sign(sequence: 42, headHash: headHash)
        #expect(!CheckpointSigner.isValid(signature: signature, sequence: 43, headHash: headHash, publicKey: signer.publicKey))
        #expect(!CheckpointSigner.isValid(signature: signature, sequence: -42, headHash: headHash, publicKey: signer.publicKey))
        var otherHash = headHash
        otherHash[0] ^= 1
        #expect(!CheckpointSigner.isValid(signature: signature, sequence: 42, headHash: otherHash, publicKey: signer.publicKey))

        let otherSigner = try CheckpointSigner.loadOrCreate(at: root + "/other.key")
        #expect(otherSigner.publicKey != signer.publicKey)
        #expect(!CheckpointSigner.isValid(signature: signature, sequence: 42, headHash: headHash, publicKey: otherSigner.publicKey))

        var damaged = signature
        damaged[10] ^= 0x40
        #expect(!CheckpointSigner.isValid(signature: damaged, sequence: 42, headHash: headHash, publicKey: signer.publicKey))
        #expect(!CheckpointSigner.isValid(signature: signature.prefix(63), sequence: 42, headHash: headHash, publicKey: signer.publicKey))
        #expect(!CheckpointSigner.isValid(signature: signature, sequence: 42, headHash: headHash, publicKey: Data(count: 5)))
    }

    @Test("The signing key file is 0600 and reloads as the same key")
    func keyFile() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/keys/audit-signing.key"
        #expect(try permissions(of: path) == 0o600)
        #expect(try permissions(of: root + "/keys") == 0o700)
        #expect(FileManager.default.contents(atPath: path)?.count == 32)

        let reloaded = try CheckpointSigner.loadOrCreate(at: path)
        #expect(reloaded.publicKey == signer.publicKey)
        let signature = reloaded.sign(sequence: 7, headHash: headHash)
        #expect(CheckpointSigner.isValid(signature: signature, sequence: 7, headHash: headHash, publicKey: signer.publicKey))
    }

    @Test("A signing key file readable by others is refused")
    func refusesOpenPermissions() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/keys/audit-signing.key"
        try setPermissions(0o644, of: path)
        #expect(throws: VaultError.masterKeyPermissionsTooOpen(path: path, mode: 0o644)) {
            try CheckpointSigner.loadOrCreate(at: path)
        }
        #expect(throws: VaultError.masterKeyMissing(path: root + "/missing.key")) {
            try CheckpointSigner.load(from: root + "/missing.key")
        }
    }
}
