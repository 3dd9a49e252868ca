public import Foundation
import Crypto

/// Signs audit checkpoints, (sequence, head hash) pairs, with an Ed25519 key kept beside the master key
/// (SECURITY.md, "Audit trail").
///
/// Why: an administrator who can rewrite the audit table can also recompute its hash chain. A checkpoint
/// exported outside the database (a file, an email to the owner) and signed with a key that is not in the
/// database pins the trail's history up to that point; `isValid` needs only the public key, so anyone holding
/// an exported checkpoint can check it.
public struct CheckpointSigner: Sendable {
    private let privateKey: Curve25519.Signing.PrivateKey

    /// Loads the signing key file at `path` (32 raw private-key bytes), creating it if missing, with exactly the
    /// safety rules of `MasterKey.loadOrCreate(at:)`: mode 0600, folders 0700, atomic creation, refusal of a file
    /// that group or others can access or that is not 32 bytes.
    public static func loadOrCreate(at path: String) throws -> CheckpointSigner {
        let raw = try KeyFile.loadOrCreate(at: path, byteCount: 32) {
            Curve25519.Signing.PrivateKey().rawRepresentation
        }
        return try CheckpointSigner(rawPrivateKey: raw)
    }

    /// Loads an existing signing key file, never creating one.
    public static func load(from path: String) throws -> CheckpointSigner {
        try CheckpointSigner(rawPrivateKey: KeyFile.load(at: path, byteCount: 32))
    }

    /// A signer from the 32 raw bytes of an Ed25519 private key.
    public init(rawPrivateKey: Data) throws {
        do {
            privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
        } catch {
            throw VaultError.masterKeyInvalid(reason: "a checkpoint signing key is exactly 32 bytes")
        }
    }

    /// The 32-byte Ed25519 public key, to publish with exported checkpoints.
    public var publicKey: Data {
        privateKey.publicKey.rawRepresentation
    }

    /// A 64-byte Ed25519 signature over the checkpoint's canonical encoding.
    public func sign(sequence: Int64, headHash: Data) -> Data {
        do {
            return try privateKey.signature(for: Self.signedMessage(sequence: sequence, headHash: headHash))
        } catch {
            // Ed25519 signing with a well-formed key does not fail; if the library ever reports that it did,
            // continuing without a signature would silently weaken the audit trail.
            fatalError("Ed25519 signing failed: \(error)")
        }
    }

    /// Whether `signature` is a valid signature by `publicKey` over (sequence, headHash). False, never a crash,
    /// for a malformed public key or signature.
    public static func isValid(signature: Data, sequence: Int64, headHash: Data, publicKey: Data) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: signedMessage(sequence: sequence, headHash: headHash))
    }

    /// Domain-separated so a checkpoint signature can never be replayed as a signature over anything else.
    private static func signedMessage(sequence: Int64, headHash: Data) -> Data {
        var writer = CanonicalWriter(domain: "rapport-audit-checkpoint-v1")
        writer.append(sequence)
        writer.append(headHash)
        return writer.bytes
    }
}
