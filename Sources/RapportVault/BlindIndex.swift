public import Foundation
import Crypto

/// Blind indexes: equality lookups on encrypted values (the sign-in email) without storing the value in clear.
///
/// The index is an HMAC, not a plain hash, because a plain hash of an email can be reversed by hashing a list of
/// known emails; without the master key nobody can compute or test an index. Each purpose gets its own derived
/// key, so indexes of the same value made for different purposes cannot be linked.
extension Vault {
    /// A 256-bit key for one purpose, derived from the installation's first master key (or kept from it, `Vault.Derivation`) with HKDF-SHA256 and `info` naming the purpose
    /// (and its version): keys for different purposes never coincide, and none of them is the master key.
    func derivedKey(_ info: String) -> SymmetricKey {
        switch derivation {
        case .root(let root): return Self.derive(root, info)
        case .kept(let kept, let other): return kept[info] ?? Self.derive(other, info)
        }
    }

    /// HMAC-SHA256 of the normalised value under a key derived (HKDF-SHA256) from the master key with info
    /// "rapport blind index v1|<purpose>". Equal for values that differ only in case, surrounding whitespace or
    /// Unicode compatibility form.
    public func blindIndex(_ value: String, purpose: String) -> Data {
        let indexKey = derivedKey("rapport blind index v1|\(purpose)")
        let normalised = Self.normaliseForBlindIndex(value)
        return Data(HMAC<SHA256>.authenticationCode(for: Data(normalised.utf8), using: indexKey))
    }

    /// The normalisation applied before indexing: trim whitespace, Unicode NFKC, lowercase.
    /// Trimming is repeated after NFKC, which can turn exotic spaces (e.g. U+2003) into plain ones.
    public static func normaliseForBlindIndex(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespacesAndNewlines)
            .precomposedStringWithCompatibilityMapping
            .lowercased()
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Vault {
    /// The bcrypt salt (16 bytes) for every password of one email address, derived from the address's blind index
    /// under a key derived from the master key.
    ///
    /// Deterministic on purpose: accounts are per invitation, so one address may have accounts in several practices,
    /// each with its own password. Sign-in computes the one hash an account with this address and password would
    /// have and looks it up, so it costs exactly one bcrypt however many accounts share the address, and its timing
    /// cannot tell a practice that the address has an account somewhere else.
    public func passwordSalt(emailIndex: Data) -> Data {
        let saltKey = derivedKey("rapport password salt v1")
        return Data(HMAC<SHA256>.authenticationCode(for: emailIndex, using: saltKey).prefix(16))
    }
}
