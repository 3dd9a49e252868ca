import Foundation
import RapportVault
import Testing

@Suite("Keys never print their key material")
struct KeyDescriptionTests {
    @Test("Descriptions, debug descriptions and dumps show identity only")
    func redacted() throws {
        let rawMaster = Data(repeating: 0xAB, count: 32)
        let vault = Vault(masterKey: try MasterKey(rawBytes: rawMaster))
        let practiceKey = try vault.newPracticeKey(practiceID: UUID(), version: 2).key
        let clientKey = try vault.newClientKey(clientID: UUID(), version: 1, under: practiceKey).key

        var dumped = ""
        dump(practiceKey, to: &dumped)
        dump(clientKey, to: &dumped)
        dump(vault, to: &dumped)
        let printed = [
            String(describing: practiceKey), String(reflecting: clientKey), String(describing: vault), dumped,
        ].joined(separator: "\n")

        #expect(printed.contains(practiceKey.practiceID.uuidString.lowercased()))
        #expect(printed.contains("<redacted>"))
        #expect(!printed.contains("SecureBytes"))
        #expect(!printed.lowercased().contains("abababab"))
        #expect(!printed.contains("q6ur"))  // base64 of 0xAB bytes
    }
}
