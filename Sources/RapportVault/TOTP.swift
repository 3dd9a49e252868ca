public import Foundation
import Crypto

/// Time-based one-time passwords, RFC 6238 (with the RFC 4226 HOTP dynamic truncation), as used by authenticator
/// apps. Rapport requires it for owners and therapists (SECURITY.md, "Sessions and sign-in": SHA-1, 30 s,
/// 6 digits, ±1 step, each step usable once).
public struct TOTP: Sendable {
    public enum Algorithm: Sendable {
        case sha1, sha256, sha512

        /// The name the otpauth URI uses.
        var uriName: String {
            switch self {
            case .sha1: "SHA1"
            case .sha256: "SHA256"
            case .sha512: "SHA512"
            }
        }
    }

    public let secret: Data
    public let digits: Int
    public let period: Int
    public let algorithm: Algorithm

    /// `digits` must be 6...10 (RFC 4226 asks for at least 6; the truncated value has 31 bits, so more than 10
    /// digits would add nothing) and `period` positive: anything else is a programming error.
    public init(secret: Data, digits: Int = 6, period: Int = 30, algorithm: Algorithm = .sha1) {
        precondition((6...10).contains(digits), "TOTP codes have 6 to 10 digits")
        precondition(period > 0, "the TOTP period must be positive")
        self.secret = secret
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
    }

    /// A new random secret: 20 bytes (160 bits), the size RFC 4226 recommends for HMAC-SHA1.
    public static func generateSecret() -> Data {
        randomBytes(count: 20)
    }

    /// The time step containing `date`: floor(unix seconds / period).
    public func timeStep(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / Double(period)).rounded(.down))
    }

    /// The code for a time step (HOTP with the step as counter), zero-padded to `digits`.
    public func code(forStep step: Int64) -> String {
        var counter = Data()
        withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { counter.append(contentsOf: $0) }
        let mac = authenticationCode(for: counter)

        // RFC 4226 section 5.3, dynamic truncation: the low nibble of the last byte picks 4 bytes, read as a
        // big-endian number with the top bit cleared (avoiding signed/unsigned differences between implementations).
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let truncated = mac[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF

        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(UInt64(truncated) % modulus)
        return String(repeating: "0", count: digits - number.count) + number
    }

    /// The code for the time step containing `date`.
    public func code(at date: Date) -> String {
        code(forStep: timeStep(at: date))
    }

    /// Checks a code typed by the user.
    ///
    /// Accepts a code for any step from `step - window` to `step + window` (clock drift between phone and
    /// server), but only a step strictly after `lastUsedStep`, so a code seen over someone's shoulder or replayed
    /// from a log cannot be used again. The caller stores the returned step as the new `lastUsedStep`.
    /// Every candidate is compared in constant time, and all candidates are computed whatever matches.
    /// Returns nil for a wrong or reused code, and for input that is not exactly `digits` ASCII digits
    /// (strip the space some apps display before calling, if the form allows one).
    public func verify(_ code: String, at date: Date, window: Int = 1, lastUsedStep: Int64?) -> Int64? {
        let typed = Array(code.utf8)
        guard typed.count == digits, typed.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              window >= 0
        else { return nil }

        let currentStep = timeStep(at: date)
        var accepted: Int64?
        for offset in -Int64(window)...Int64(window) {
            let step = currentStep + offset
            guard step >= 0 else { continue }
            let matches = SecureToken.constantTimeEquals(Data(self.code(forStep: step).utf8), Data(typed))
            if matches, accepted == nil, step > (lastUsedStep ?? -1) {
                accepted = step
            }
        }
        return accepted
    }

    /// The `otpauth://` URI that authenticator apps read from a QR code (Google Authenticator key-URI format).
    /// The label is "Issuer:account"; issuer and account are percent-encoded, so spaces, '@' and ':' inside
    /// them cannot break the URI.
    public func provisioningURI(issuer: String, account: String) -> String {
        let encodedIssuer = Self.percentEncode(issuer)
        return "otpauth://totp/\(encodedIssuer):\(Self.percentEncode(account))"
            + "?secret=\(Base32.encode(secret))&issuer=\(encodedIssuer)"
            + "&algorithm=\(algorithm.uriName)&digits=\(digits)&period=\(period)"
    }

    private func authenticationCode(for message: Data) -> Data {
        let key = SymmetricKey(data: secret)
        switch algorithm {
        case .sha1: return Data(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: return Data(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: return Data(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    /// Percent-encodes everything except RFC 3986 unreserved characters.
    private static func percentEncode(_ text: String) -> String {
        var unreserved = CharacterSet(charactersIn: "-._~")
        unreserved.formUnion(CharacterSet(charactersIn: "a"..."z"))
        unreserved.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        unreserved.formUnion(CharacterSet(charactersIn: "0"..."9"))
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
