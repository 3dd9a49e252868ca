public import Foundation
import Crypto

/// Random bearer tokens: sessions, invitations, setup links, CSRF.
///
/// The token is shown to the user once; the database keeps only its SHA-256 (`hash(_:)`), so a leaked database
/// holds no usable session. A SHA-256 without salt is enough here because the token itself has 256 random bits:
/// there is nothing to guess.
public enum SecureToken {
    /// A random token of `byteCount` bytes (default 32 = 256 bits) as base64url without padding, safe in URLs
    /// and cookies as is. Fewer than 16 bytes (128 bits) is refused as a programming error: such a token could
    /// be guessed.
    public static func generate(byteCount: Int = 32) -> String {
        precondition(byteCount >= 16, "a token needs at least 128 random bits")
        return randomBytes(count: byteCount).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of the token's UTF-8: what the database stores and looks tokens up by.
    public static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares without stopping at the first difference, so the time taken does not tell an attacker how many
    /// leading bytes were right. (Lengths are not secret: they are fixed by the hash or code format.)
    public static func constantTimeEquals(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(a, b) {
            difference |= left ^ right
        }
        return difference == 0
    }
}
