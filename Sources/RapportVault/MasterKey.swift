public import Foundation
import Crypto

/// The root of the key hierarchy (SECURITY.md, "Keys"): 32 random bytes in a file outside the database.
///
/// It wraps the practice keys, and until its first rotation the blind-index keys are derived from it (after that,
/// from the first master key, kept wrapped: `Vault.wrappedIndexRoot()`). It is never stored in the database, so a
/// stolen database or backup alone cannot be decrypted. Losing this file loses every encrypted value: operators
/// must back it up separately from the database.
public struct MasterKey: Sendable {
    /// AES-256 key length, and the exact size of the key file.
    public static let byteCount = 32

    let symmetricKey: SymmetricKey

    /// Loads the key file at `path`, or creates it if there is none.
    ///
    /// Creation makes any missing parent folders with mode 0700 and writes exactly 32 random bytes with mode 0600,
    /// atomically (a temporary file linked into place, never overwriting a file another process just created).
    /// An existing file is refused if group or others have any permission on it, or if it is not exactly 32 bytes.
    public static func loadOrCreate(at path: String) throws -> MasterKey {
        let bytes = try KeyFile.loadOrCreate(at: path, byteCount: byteCount) {
            randomBytes(count: byteCount)
        }
        return try MasterKey(rawBytes: bytes)
    }

    /// Loads an existing key file with the same checks as `loadOrCreate(at:)`, and never creates one: use this
    /// where a missing key means a misconfiguration (for example a secrets mount that did not appear).
    public static func load(from path: String) throws -> MasterKey {
        try MasterKey(rawBytes: KeyFile.load(at: path, byteCount: byteCount))
    }

    /// A master key from its raw bytes (exactly 32).
    public init(rawBytes: Data) throws {
        guard rawBytes.count == Self.byteCount else {
            throw VaultError.masterKeyInvalid(
                reason: "a master key is exactly \(Self.byteCount) bytes, this one has \(rawBytes.count)")
        }
        symmetricKey = SymmetricKey(data: rawBytes)
    }
}

/// Cryptographically secure random bytes from the Crypto library's generator.
func randomBytes(count: Int) -> Data {
    precondition(count > 0, "asked for no random bytes")
    return SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Data($0) }
}

extension MasterKey {
    /// A new random master key written to `path` (mode 0600, never over an existing file): the next key of a
    /// rotation. Returns nil if a file is already there (a rotation that was interrupted: load that one instead).
    public static func createNew(at path: String) throws -> MasterKey? {
        let bytes = randomBytes(count: byteCount)
        guard try KeyFile.create(at: path, contents: bytes) else { return nil }
        return try MasterKey(rawBytes: bytes)
    }

    /// Whether two master keys are the same key (the rotation command compares the next key with the current one).
    public func isSame(as other: MasterKey) -> Bool {
        symmetricKey == other.symmetricKey
    }
}
