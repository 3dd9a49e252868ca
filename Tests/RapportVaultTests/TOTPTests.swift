import Foundation
import RapportVault
import Testing

@Suite("TOTP")
struct TOTPTests {
    static let sha1Seed = Data("12345678901234567890".utf8)
    static let sha256Seed = Data("12345678901234567890123456789012".utf8)
    static let sha512Seed = Data("1234567890123456789012345678901234567890123456789012345678901234".utf8)

    /// RFC 6238 Appendix B: (unix time, SHA-1 code, SHA-256 code, SHA-512 code), 8 digits, 30 s steps.
    static let rfc6238Vectors: [(time: Int64, sha1: String, sha256: String, sha512: String)] = [
        (59, "94287082", "46119246", "90693936"),
        (1_111_111_109, "07081804", "68084774", "25091201"),
        (1_111_111_111, "14050471", "67062674", "99943326"),
        (1_234_567_890, "89005924", "91819424", "93441116"),
        (2_000_000_000, "69279037", "90698825", "38618901"),
        (20_000_000_000, "65353130", "77737706", "47863826"),
    ]

    /// RFC 4226 Appendix D: HOTP values for counters 0...9, 6 digits, SHA-1.
    static let rfc4226Codes = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
    ]

    @Test("RFC 6238 Appendix B vectors, all three algorithms", arguments: rfc6238Vectors)
    func rfc6238(vector: (time: Int64, sha1: String, sha256: String, sha512: String)) {
        let date = Date(timeIntervalSince1970: TimeInterval(vector.time))
        #expect(TOTP(secret: Self.sha1Seed, digits: 8, algorithm: .sha1).code(at: date) == vector.sha1)
        #expect(TOTP(secret: Self.sha256Seed, digits: 8, algorithm: .sha256).code(at: date) == vector.sha256)
        #expect(TOTP(secret: Self.sha512Seed, digits: 8, algorithm: .sha512).code(at: date) == vector.sha512)
    }

    @Test("RFC 6238 time steps (T0 = 0, X = 30)")
    func timeSteps() {
        let totp = TOTP(secret: Self.sha1Seed)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: 59)) == 1)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: 60)) == 2)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: 29.999)) == 0)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: 1_111_111_109)) == 0x23523EC)
        #expect(totp.timeStep(at: Date(timeIntervalSince1970: 20_000_000_000)) == 0x27BC86AA)
        #expect(TOTP(secret: Self.sha1Seed, period: 60).timeStep(at: Date(timeIntervalSince1970: 119)) == 1)
    }

    @Test("RFC 4226 Appendix D HOTP values for counters 0...9")
    func rfc4226() {
        let hotp = TOTP(secret: Self.sha1Seed, digits: 6)
        for (counter, expected) in Self.rfc4226Codes.enumerated() {
            #expect(hotp.code(forStep: Int64(counter)) == expected, "counter \(counter)")
        }
    }

    @Test("Codes are zero-padded to the number of digits")
    func zeroPadding() {
        // RFC 6238: SHA-1 at 1111111109 is 07081804 with 8 digits, so 081804 with 6.
        let totp = TOTP(secret: Self.sha1Seed)
        #expect(totp.code(at: Date(timeIntervalSince1970: 1_111_111_109)) == "081804")
    }

    // MARK: Verification

    let totp = TOTP(secret: Self.sha1Seed)
    let now = Date(timeIntervalSince1970: 1_111_111_111)
    var step: Int64 { totp.timeStep(at: now) }

    @Test("The current code is accepted once and returns its step")
    func acceptsCurrentCode() {
        let code = totp.code(at: now)
        #expect(totp.verify(code, at: now, lastUsedStep: nil) == step)
        #expect(totp.verify(code, at: now, lastUsedStep: step - 5) == step)
    }

    @Test("A code is refused once its step has been used")
    func refusesReuse() {
        let code = totp.code(at: now)
        #expect(totp.verify(code, at: now, lastUsedStep: step) == nil)
        // Nor can an older step's code be used after a newer one was.
        let previous = totp.code(forStep: step - 1)
        #expect(totp.verify(previous, at: now, lastUsedStep: step) == nil)
        #expect(totp.verify(previous, at: now, lastUsedStep: step - 1) == nil)
    }

    @Test("Codes one step either side are accepted (clock drift)")
    func acceptsWindow() {
        #expect(totp.verify(totp.code(forStep: step - 1), at: now, lastUsedStep: nil) == step - 1)
        #expect(totp.verify(totp.code(forStep: step + 1), at: now, lastUsedStep: nil) == step + 1)
        #expect(totp.verify(totp.code(forStep: step + 1), at: now, lastUsedStep: step) == step + 1)
    }

    @Test("Codes two steps away are refused with the default window, accepted with a wider one")
    func refusesOutsideWindow() {
        #expect(totp.verify(totp.code(forStep: step + 2), at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(totp.code(forStep: step - 2), at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(totp.code(forStep: step + 2), at: now, window: 2, lastUsedStep: nil) == step + 2)
        #expect(totp.verify(totp.code(forStep: step + 1), at: now, window: 0, lastUsedStep: nil) == nil)
    }

    @Test("Input that is not exactly six ASCII digits is refused",
          arguments: ["", "12345", "1234567", "12a456", " 050471", "050471 ", "05 0471", "٠٥٠٤٧١", "-50471"])
    func refusesMalformedInput(input: String) {
        #expect(totp.verify(input, at: now, lastUsedStep: nil) == nil)
    }

    @Test("A wrong code is refused")
    func refusesWrongCode() {
        let code = totp.code(at: now)
        let wrong = String(code.dropLast()) + (code.last == "0" ? "1" : "0")
        #expect(totp.verify(wrong, at: now, lastUsedStep: nil) == nil)
        #expect(totp.verify(code, at: now, lastUsedStep: nil) == step)
    }

    // MARK: Enrolment

    @Test("New secrets are 20 random bytes")
    func generatedSecrets() {
        let secret = TOTP.generateSecret()
        #expect(secret.count == 20)
        #expect(secret != TOTP.generateSecret())
    }

    @Test("The provisioning URI follows the key-URI format, percent-encoded")
    func provisioningURI() {
        let uri = TOTP(secret: Self.sha1Seed).provisioningURI(issuer: "Harbour Therapy", account: "alice@example.com")
        #expect(uri == "otpauth://totp/Harbour%20Therapy:alice%40example.com"
            + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Harbour%20Therapy&algorithm=SHA1&digits=6&period=30")

        let custom = TOTP(secret: Self.sha1Seed, digits: 8, period: 60, algorithm: .sha256)
            .provisioningURI(issuer: "A&B:C", account: "x?y=z")
        #expect(custom.hasPrefix("otpauth://totp/A%26B%3AC:x%3Fy%3Dz?"))
        #expect(custom.hasSuffix("&issuer=A%26B%3AC&algorithm=SHA256&digits=8&period=60"))
        #expect(URLComponents(string: custom)?.queryItems?.first { $0.name == "issuer" }?.value == "A&B:C")
    }
}
