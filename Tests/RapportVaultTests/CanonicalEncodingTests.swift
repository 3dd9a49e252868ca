import Foundation
@testable import RapportVault
import Testing

/// The canonical encoding is the authenticated data of every sealed field and the input of every audit hash: its
/// bytes must never change, however it is built. Checked against the rule written out by hand.
@Suite struct CanonicalEncodingTests {
    static func lengthPrefixed(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return withUnsafeBytes(of: UInt32(bytes.count).bigEndian, Array.init) + bytes
    }

    @Test func aFieldsAuthenticatedDataIsTheDocumentedBytes() {
        let row = UUID(uuidString: "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9")!
        let subject = UUID(uuidString: "FFFFFFFF-0000-1111-2222-333344445555")!
        let context = FieldContext(table: "clients", column: "name", rowID: row, subjectID: subject)
        let expected = Self.lengthPrefixed("rapport-field-v1") + Self.lengthPrefixed("clients") + Self.lengthPrefixed("name")
            + Self.lengthPrefixed("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9") + Self.lengthPrefixed("ffffffff-0000-1111-2222-333344445555")
        #expect(Array(context.authenticatedData) == expected)
    }

    @Test func optionalsIntegersAndDataEncodeAsDocumented() {
        var writer = CanonicalWriter(domain: "d")
        writer.appendOptional(nil as String?)
        writer.appendOptional("")
        writer.appendOptional(nil as UUID?)
        writer.append(Int64(-2))
        writer.append(Data([7, 8]))
        writer.append("é")
        let expected: [UInt8] = Self.lengthPrefixed("d") + [0] + [1, 0, 0, 0, 0] + [0] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE]
            + [0, 0, 0, 2, 7, 8] + [0, 0, 0, 2, 0xC3, 0xA9]
        #expect(Array(writer.bytes) == expected)
    }

    @Test func lowercasedTextIsTheLowercasedUUIDString() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(UUID(canonicalText: id.lowercasedText) == id && UUID(canonicalText: id.uuidString) == id)
        }
    }
}
