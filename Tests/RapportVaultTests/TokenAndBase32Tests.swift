import Foundation
import RapportVault
import Testing

@Suite("Secure tokens")
struct SecureTokenTests {
    @Test("Default tokens carry 256 bits as unpadded base64url")
    func defaultTokenShape() {
        let token = SecureToken.generate()
        #expect(token.count == 43)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(token.allSatisfy { allowed.contains($0) })
        #expect(SecureToken.generate(byteCount: 16).count == 22)
        #expect(SecureToken.generate(byteCount: 48).count == 64)
    }

    @Test("Tokens do not repeat")
    func tokensAreUnique() {
        let tokens = (0..<500).map { _ in SecureToken.generate() }
        #expect(Set(tokens).count == 500)
    }

    @Test("The stored hash is SHA-256 of the token's UTF-8")
    func hashIsSHA256() {
        #expect(SecureToken.hash("abc") == Data(hex: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        let token = SecureToken.generate()
        #expect(SecureToken.hash(token) == SecureToken.hash(token))
        #expect(SecureToken.hash(token) != SecureToken.hash(SecureToken.generate()))
    }

    @Test("Constant-time comparison")
    func constantTimeEquals() {
        let value = SecureToken.hash("token")
        #expect(SecureToken.constantTimeEquals(value, SecureToken.hash("token")))
        var lastByteDiffers = value
        lastByteDiffers[lastByteDiffers.count - 1] ^= 1
        #expect(!SecureToken.constantTimeEquals(value, lastByteDiffers))
        #expect(!SecureToken.constantTimeEquals(value, value.prefix(31)))
        #expect(SecureToken.constantTimeEquals(Data(), Data()))
        #expect(SecureToken.constantTimeEquals(value[1...], Data(value.dropFirst())))
    }
}

@Suite("Base32")
struct Base32Tests {
    /// RFC 4648 section 10, without the padding this encoder leaves out.
    static let rfcVectors: [(String, String)] = [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
    ]

    @Test("RFC 4648 test vectors encode and decode")
    func rfcVectorsRoundTrip() {
        for (plain, encoded) in Self.rfcVectors {
            #expect(Base32.encode(Data(plain.utf8)) == encoded)
            #expect(Base32.decode(encoded) == Data(plain.utf8))
        }
    }

    @Test("Decoding accepts padding, lower case, spaces and hyphens")
    func lenientDecoding() {
        let foobar = Data("foobar".utf8)
        #expect(Base32.decode("MZXW6YTBOI======") == foobar)
        #expect(Base32.decode("mzxw6ytboi") == foobar)
        #expect(Base32.decode("mzxw 6ytb-oi") == foobar)
        #expect(Base32.decode("MZXW6YQ=") == Data("foob".utf8))
    }

    @Test("Decoding rejects what no encoder produces",
          arguments: ["MZ1W", "MZXW6YTB!", "A", "MZX", "MZXW6Y", "MZ", "MY=A", "ÄBCD"])
    func rejectsInvalid(input: String) {
        #expect(Base32.decode(input) == nil)
    }

    @Test("Random data round-trips at every length")
    func roundTrip() {
        for length in 0...41 {
            let data = Data((0..<length).map { _ in UInt8.random(in: 0...255) })
            #expect(Base32.decode(Base32.encode(data)) == data, "length \(length)")
        }
    }
}
