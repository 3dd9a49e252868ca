import Foundation
import RapportVault
import Testing

@Suite("Recovery codes")
struct RecoveryCodeTests {
    @Test("A code is two groups of six from an alphabet without look-alikes, with at least 50 bits of entropy")
    func format() {
        #expect(RecoveryCode.bitsOfEntropy >= 50)
        #expect(RecoveryCode.alphabet.count == 31 && Set(RecoveryCode.alphabet).count == 31)
        for lookAlike in "0O1lIio" { #expect(!RecoveryCode.alphabet.contains(lookAlike), "\(lookAlike)") }
        for _ in 0..<200 {
            let code = RecoveryCode.generate()
            #expect(code.wholeMatch(of: /[2-9a-hjkmnp-z]{12}/) != nil, "\(code)")
            #expect(RecoveryCode.display(code).wholeMatch(of: /[2-9a-hjkmnp-z]{6}-[2-9a-hjkmnp-z]{6}/) != nil, "\(code)")
            #expect(RecoveryCode.canonical(RecoveryCode.display(code)) == code, "what is shown reads back as the code")
        }
    }

    @Test("Every symbol is used, and none far more often than the others")
    func uniform() {
        var counts: [Character: Int] = [:]
        for _ in 0..<2_000 {
            for symbol in RecoveryCode.generate() { counts[symbol, default: 0] += 1 }
        }
        // 24,000 symbols over 31: about 774 each; a bias such as `byte % 31` without rejection would still pass this,
        // but a symbol never drawn, or drawn twice as often, would not.
        #expect(counts.count == 31)
        #expect(counts.values.allSatisfy { (500...1_100).contains($0) }, "\(counts)")
    }

    @Test("A set is ten different codes")
    func set() {
        let codes = RecoveryCode.generateSet()
        #expect(codes.count == 10 && Set(codes).count == 10)
    }

    @Test("Typed back with capitals, spaces or any dash, a code reads the same; anything else is not a code")
    func canonicalForm() {
        #expect(RecoveryCode.canonical("k7mqx2-h9tdrw") == "k7mqx2h9tdrw")
        for typed in ["K7MQX2-H9TDRW", "k7mqx2h9tdrw", " k7mq x2 h9td rw ", "k7mqx2 – h9tdrw", "K7mQx2\u{2011}h9TdRw", "k7mqx2--h9tdrw\n"] {
            #expect(RecoveryCode.canonical(typed) == "k7mqx2h9tdrw", "\(typed)")
        }
        for typed in ["", "k7mqx2-h9tdr", "k7mqx2-h9tdrww", "k7mqx2-h9tdr0", "k7mqx2-h9tdrl", "K7MQX2-H9TDRI", "k7mqx2_h9tdrw",
                      "k7mqx2-h9td\u{0301}rw", "１２３４５６-７８９ａｂｃ", String(repeating: " ", count: 100) + "k7mqx2h9tdrw",
                      String(repeating: "9", count: 100_000)] {
            #expect(RecoveryCode.canonical(typed) == nil, "\(typed.prefix(30))")
        }
    }

    @Test("The stored hash is keyed, bound to the person, and not the code")
    func hash() throws {
        let vault = try makeVault()
        let person = UUID()
        let code = RecoveryCode.generate()
        let hash = vault.recoveryCodeHash(code, userID: person)
        #expect(hash.count == 32)
        #expect(vault.recoveryCodeHash(code, userID: person) == hash, "deterministic, so a typed code can be looked up")
        #expect(vault.recoveryCodeHash(code, userID: UUID()) != hash, "another person's code is another hash")
        #expect(try makeVault().recoveryCodeHash(code, userID: person) != hash, "no master key, no hash to compare with")
        #expect(hash.range(of: Data(code.utf8)) == nil)
    }
}
