import Foundation
import RapportVault
import Testing

@Suite("Blind indexes")
struct BlindIndexTests {
    @Test("Case, surrounding whitespace and compatibility forms do not change the index")
    func normalisation() throws {
        let vault = try makeVault()
        let plain = vault.blindIndex("alice@example.com", purpose: "sign-in email")
        #expect(vault.blindIndex(" Alice@Example.COM ", purpose: "sign-in email") == plain)
        #expect(vault.blindIndex("\tALICE@EXAMPLE.COM\n", purpose: "sign-in email") == plain)
        // Fullwidth letters (as typed with some East Asian keyboards) fold to ASCII under NFKC.
        #expect(vault.blindIndex("ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ", purpose: "sign-in email") == plain)
        #expect(plain.count == 32)
        #expect(Vault.normaliseForBlindIndex(" Alice@Example.COM ") == "alice@example.com")
    }

    @Test("Different values, purposes or master keys give different indexes")
    func separation() throws {
        let vault = try makeVault()
        let alice = vault.blindIndex("alice@example.com", purpose: "sign-in email")
        #expect(vault.blindIndex("alice@example.org", purpose: "sign-in email") != alice)
        #expect(vault.blindIndex("bob@example.com", purpose: "sign-in email") != alice)
        #expect(vault.blindIndex("alice@example.com", purpose: "client email") != alice)
        #expect(try makeVault().blindIndex("alice@example.com", purpose: "sign-in email") != alice)
    }

    @Test("The index is deterministic for one master key, and is not a plain hash of the value")
    func deterministicKeyedIndex() throws {
        let masterBytes = Data(repeating: 7, count: 32)
        let first = try Vault(masterKey: MasterKey(rawBytes: masterBytes))
        let second = try Vault(masterKey: MasterKey(rawBytes: masterBytes))
        let index = first.blindIndex("alice@example.com", purpose: "sign-in email")
        #expect(second.blindIndex("alice@example.com", purpose: "sign-in email") == index)
        #expect(index != SecureToken.hash("alice@example.com"))
    }
}

@Suite("Blind index known answer")
struct BlindIndexKnownAnswerTests {
    /// Pins the derivation (HKDF-SHA256, no salt, info "rapport blind index v1|<purpose>"; HMAC-SHA256 of the
    /// normalised value). Any change here would silently orphan every stored index, so it must be deliberate.
    /// Expected value computed independently with Python's hmac/hashlib.
    @Test("Index of a fixed value under a fixed master key")
    func knownAnswer() throws {
        let vault = try Vault(masterKey: MasterKey(rawBytes: Data(repeating: 7, count: 32)))
        #expect(vault.blindIndex(" Alice@Example.com", purpose: "sign-in email")
            == Data(hex: "a3358a5cb4d91b01f59e04092e10283deaf509af45e06725ce47b3a1486d48b0"))
    }
}
