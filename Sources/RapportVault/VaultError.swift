/// Everything that can go wrong in the vault.
///
/// The descriptions are written for the operator reading a log or a terminal: they say what is wrong and what to do
/// next. They never contain plaintext, key material or ciphertext, so printing one can never leak what it protects.
public enum VaultError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No key file at the path, and the caller asked only to load (not to create).
    case masterKeyMissing(path: String)
    /// The key bytes are not usable (wrong length, not a regular file, …).
    case masterKeyInvalid(reason: String)
    /// The key file can be read or written by its group or by others. `mode` is the file's permission bits.
    case masterKeyPermissionsTooOpen(path: String, mode: UInt16)
    /// The key file or its folder could not be read, created or written (permissions, disk, …).
    case keyFileUnavailable(path: String, reason: String)
    /// A key version outside 0...UInt32.max: the envelope stores versions as four bytes.
    case invalidKeyVersion(Int)
    /// A client's data was about to be sealed or opened under another client's data key. Refused because
    /// crypto-shredding (destroying one client's key) must destroy every copy of that client's data.
    case keyDoesNotMatchSubject
    /// The bytes are not a vault envelope: too short, unknown format version or unknown key kind.
    case malformedEnvelope
    /// The envelope says it was sealed with a different kind of key or a different key version than the one given.
    case wrongKey
    /// The integrity check failed: the key is wrong, or the value was altered, or it was moved to another place.
    case decryptionFailed

    public var description: String {
        switch self {
        case .masterKeyMissing(let path):
            return "No key file at \(path). If this is a new installation, start Rapport with a writable data "
                + "directory so it can create one; otherwise point RAPPORT_MASTER_KEY_FILE at the existing key. "
                + "Without the original key the encrypted data cannot be read."
        case .masterKeyInvalid(let reason):
            return "The key file is not usable: \(reason). Restore the original key file from your backup."
        case .masterKeyPermissionsTooOpen(let path, let mode):
            return "The key file at \(path) has permissions \(Self.octal(mode)), so other users of this machine "
                + "may read it. Run `chmod 600 \(path)` (and make sure the file belongs to the user running "
                + "Rapport), then start again."
        case .keyFileUnavailable(let path, let reason):
            return "The key file at \(path) could not be read or written: \(reason)."
        case .invalidKeyVersion(let version):
            return "Key version \(version) is out of range (0 to \(UInt32.max))."
        case .keyDoesNotMatchSubject:
            return "Refused to use one client's data key for another client's data."
        case .malformedEnvelope:
            return "An encrypted value is damaged or is not an encrypted value at all."
        case .wrongKey:
            return "An encrypted value was sealed with a different key or key version than the one supplied."
        case .decryptionFailed:
            return "An encrypted value failed its integrity check: the key is wrong, or the value was altered "
                + "or moved to another record."
        }
    }

    /// Permission bits the way `ls -l` users and `chmod` expect them, e.g. `0644`.
    private static func octal(_ mode: UInt16) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
