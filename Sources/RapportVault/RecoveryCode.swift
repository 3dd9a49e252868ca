public import Foundation
import Crypto

/// One-time recovery codes (issue 9): what lets someone sign in when the phone with their authenticator app is
/// lost. Ten are made when two-step sign-in is turned on; each works once, in place of an app's code.
///
/// A code is 12 characters in two groups of six, `k7mqx2-h9tdrw`, from 31 symbols: the digits 2–9 and the
/// lower-case letters without i, l and o. Nothing in it can be misread as 0, O, 1, l or I, and capitals, the dash
/// and spaces don't matter when it is typed back. 31¹² ≈ 2^59.4: each code has 59 bits of entropy. (Ten
/// characters of these 31 symbols would give 49.5 bits, under the 50 asked for; twelve keep the alphabet free of
/// look-alikes.)
public enum RecoveryCode {
    /// The symbols a code is made of, in the order a random byte picks them.
    public static let alphabet: [Character] = Array("23456789abcdefghjkmnpqrstuvwxyz")
    /// Characters in each of the two groups.
    public static let groupLength = 6
    /// Characters in a code, without its dash.
    public static let length = 2 * groupLength
    /// How many codes one set has.
    public static let setSize = 10
    /// Longer input than this is refused before it is looked at (a code with spaces between every character is
    /// still well under it).
    public static let maximumTypedLength = 64

    /// log₂(31) × 12.
    public static var bitsOfEntropy: Double { Double(length) * log2(Double(alphabet.count)) }

    /// A new random code in its canonical form: 12 symbols, no dash (`display` adds it).
    public static func generate() -> String {
        var symbols: [Character] = []
        symbols.reserveCapacity(length)
        // Rejection sampling: only bytes below the largest multiple of 31 that fits in a byte (248) are used, so
        // every symbol is equally likely.
        let limit = UInt8(256 / alphabet.count * alphabet.count)
        while symbols.count < length {
            for byte in randomBytes(count: length) where byte < limit && symbols.count < length {
                symbols.append(alphabet[Int(byte) % alphabet.count])
            }
        }
        return String(symbols)
    }

    /// A set of `setSize` different codes, canonical.
    public static func generateSet() -> [String] {
        var codes: [String] = []
        while codes.count < setSize {
            let code = generate()
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// A canonical code as it is shown: `xxxxxx-xxxxxx`.
    public static func display(_ canonical: String) -> String {
        String(canonical.prefix(groupLength)) + "-" + String(canonical.dropFirst(groupLength))
    }

    /// The code as typed, in the one form it is hashed in (12 lower-case symbols, no dash), or nil when it cannot be
    /// a code: too long, the wrong number of symbols, or a symbol outside the alphabet. Capitals, spaces and dashes
    /// (including the typographic ones a phone's keyboard may put in) are ignored.
    public static func canonical(_ typed: String) -> String? {
        guard typed.utf8.count <= maximumTypedLength else { return nil }
        let separators: Set<Character> = ["-", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}"]
        let symbols = typed.lowercased().filter { !$0.isWhitespace && !separators.contains($0) }
        guard symbols.count == length, symbols.allSatisfy(alphabet.contains) else { return nil }
        return symbols
    }
}

extension Vault {
    /// What the database keeps of a recovery code: HMAC-SHA256 of the person's id and the code's canonical form,
    /// under a key derived (HKDF-SHA256, info "rapport recovery code v1") from the master key.
    ///
    /// A fast hash is enough here, unlike for passwords: a password is chosen by a person and may be guessed from a
    /// list, so it needs bcrypt's cost; a recovery code is 59 random bits, so there is no list to try, and guessing
    /// online is stopped by the sign-in throttle long before it could matter. The key adds that a stolen database
    /// without the master key gives nothing to test guesses against at all, and the person's id in the message
    /// makes every hash belong to one account. Being deterministic, the hash is also what a typed code is looked
    /// up by.
    public func recoveryCodeHash(_ canonicalCode: String, userID: UUID) -> Data {
        let hashKey = derivedKey("rapport recovery code v1")
        var message = withUnsafeBytes(of: userID.uuid) { Data($0) }
        message.append(Data(canonicalCode.utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: hashKey))
    }
}
