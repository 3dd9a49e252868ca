import Foundation
import RapportCore
@testable import RapportServer
import Testing

/// The OpenAPI document promises, in JSON Schema, which inputs the server takes. These tests hold the server's own
/// rules to those promises on inputs chosen to sit on the edges (code points against characters, spaces of every
/// kind, invisible characters), and hold the per-measure schemas to the measures' definitions, so neither can drift.
@Suite struct OpenAPIContractTests {
    static func document() throws -> [String: Any] {
        let text = try #require(OpenAPIDocument.json)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func schema(_ name: String) throws -> [String: Any] {
        let schemas = try #require((try document()["components"] as? [String: Any])?["schemas"] as? [String: Any])
        return try #require(schemas[name] as? [String: Any])
    }

    /// What the document says of one string property: length bounds and a pattern, searched as JSON Schema does.
    struct StringRule {
        let minLength: Int
        let maxLength: Int
        let pattern: NSRegularExpression?

        init(_ property: Any?) throws {
            let property = try #require(property as? [String: Any])
            minLength = property["minLength"] as? Int ?? 0
            maxLength = try #require(property["maxLength"] as? Int)
            pattern = try (property["pattern"] as? String).map { try NSRegularExpression(pattern: $0) }
        }

        func accepts(_ text: String) -> Bool {
            let length = text.unicodeScalars.count
            guard length >= minLength, length <= maxLength else { return false }
            guard let pattern else { return true }
            return pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }

    /// Strings on the edges of every text rule.
    static let edgeCases: [String] = {
        var cases = ["", " ", "a", " a ", "\u{00A0}", "\u{3000}x", "\t", "x\ny", "\u{0085}", "\u{2028}", "\u{001C}", "\u{0000}",
                     "Sam\u{200B}", "\u{202E}maS", "\u{FEFF}", "Zoë", "e\u{0301}", "👩‍👩‍👧", "\u{180E}", "\u{061C}x", "\u{00AD}x",
                     "a@b.c", " a@b.c ", "a@b", "a@.b", "a@b.", "@b.c", "a@@b.c", "a b@c.d", "a@b.\u{0301}", "a@\u{0301}b.c",
                     ".\u{0301}@b.c", "a@.\u{0301}b.c", "a\u{0000}@b.c", "a@b\u{200B}.c", "\u{001C}a@b.c", "a@b.c\u{0085}", "a@b..c"]
        for length in [11, 12, 128, 129, 199, 200, 201, 254, 255, 500, 501, 2000, 2001] {
            cases.append(String(repeating: "n", count: length))
            cases.append(String(repeating: "é", count: length))
            cases.append("n" + String(repeating: "\u{0301}", count: length - 1))
            cases.append(String(repeating: " ", count: length - 1) + "n")
            cases.append(String(repeating: "x", count: length - 6) + "@ex.or")
        }
        return cases
    }()

    @Test func theServersTextRulesAreTheDocumentsTextRules() throws {
        let setup = try #require(try Self.schema("SetupRequest")["properties"] as? [String: Any])
        let note = try #require(try Self.schema("NoteRequest")["properties"] as? [String: Any])
        let rules: [(String, StringRule, (String) -> Bool)] = [
            ("name", try StringRule(setup["name"]), { InputRules.nameProblem($0) == nil }),
            ("email", try StringRule(setup["email"]), { InputRules.emailProblem($0) == nil }),
            ("password", try StringRule(setup["password"]), { InputRules.passwordProblem($0) == nil }),
        ]
        var checked = 0
        for (field, rule, server) in rules {
            for text in Self.edgeCases {
                #expect(rule.accepts(text) == server(text), "\(field): \(text.unicodeScalars.map { String($0.value, radix: 16) }.prefix(12))")
                checked += 1
            }
        }
        // Notes are long: their edges are checked at their own limit.
        let noteRule = try StringRule(note["body"])
        for text in ["", " ", "\n\u{3000}", "x", String(repeating: "x", count: 50_000), String(repeating: "x", count: 50_001),
                     "x" + String(repeating: "\u{0301}", count: 49_999), "x" + String(repeating: "\u{0301}", count: 50_000),
                     String(repeating: " ", count: 49_999) + "x", "\u{001C}"] {
            #expect(noteRule.accepts(text) == (InputRules.noteProblem(text) == nil), "note of \(text.unicodeScalars.count) code points")
            checked += 1
        }
        // Messages are shorter, at their own limit.
        let messageRule = try StringRule(try #require(try Self.schema("MessageRequest")["properties"] as? [String: Any])["body"])
        for text in ["", " ", "\n\u{3000}", "x", String(repeating: "x", count: 4000), String(repeating: "x", count: 4001),
                     "x" + String(repeating: "\u{0301}", count: 3999), "x" + String(repeating: "\u{0301}", count: 4000),
                     String(repeating: " ", count: 3999) + "x", "\u{001C}"] {
            #expect(messageRule.accepts(text) == (MessageRules.problem(text) == nil), "message of \(text.unicodeScalars.count) code points")
            checked += 1
        }
        #expect(checked > 200)
    }

    /// The pattern classes in the document are the server's sets, scalar for scalar, and the whitespace set is what
    /// Foundation trims.
    @Test func thePatternClassesAreTheServersSets() throws {
        let whitespace = try NSRegularExpression(pattern: "^[\(InputRules.openAPIWhitespace)]$")
        let hidden = try NSRegularExpression(pattern: "^[\(InputRules.openAPIHidden)]$")
        let document = try #require(OpenAPIDocument.json)
        #expect(document.contains(InputRules.openAPIWhitespace.replacingOccurrences(of: "\\", with: "\\\\")))
        #expect(document.contains(InputRules.openAPIHidden.replacingOccurrences(of: "\\", with: "\\\\")))
        for value in UInt32(0)...0x3100 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(Character(scalar))
            let range = NSRange(text.startIndex..., in: text)
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            #expect(InputRules.whitespace.contains(scalar) == trimmed, "U+\(String(value, radix: 16))")
            #expect((whitespace.firstMatch(in: text, range: range) != nil) == trimmed, "U+\(String(value, radix: 16))")
            #expect((hidden.firstMatch(in: text, range: range) != nil) == InputRules.isHidden(scalar), "U+\(String(value, radix: 16))")
        }
    }

    /// Each measure's score, change and check-in schemas say exactly what its definition accepts.
    /// A check-in's flags are listed by name in the document: every flag any shipped measure can raise is among them
    /// (a schemathesis run found `low-item` missing).
    @Test func everyFlagAMeasureCanRaiseIsInTheDocument() throws {
        let flags = try #require(try Self.schema("CheckInResult")["properties"] as? [String: Any])["flags"] as? [String: Any]
        let listed = Set(try #require((flags?["items"] as? [String: Any])?["enum"] as? [String]))
        let raised = Set(InstrumentCatalogue.shipped.flatMap { ($0.flag ?? []).map(\.code) } + ["risk"])
        #expect(raised.isSubset(of: listed), "missing from CheckInResult.flags: \(raised.subtracting(listed).sorted())")
    }

    @Test func eachMeasuresSchemaIsItsDefinition() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: Any])
        let entry = try Self.schema("CheckInEntryRequest")
        let entryShapes = try #require(entry["oneOf"] as? [[String: Any]])
        for definition in InstrumentCatalogue.shipped {
            let ranges = definition.item.map(definition.scoreRange(of:))
            let steps = definition.item.map { $0.range?.step ?? 1 }
            // The stateless API scores the measures that ship enabled; licensed ones answer 404 and are not documented.
            let score = paths["/instruments/\(definition.id)/score"] as? [String: Any]
            #expect((score != nil) == definition.enabledByDefault, "\(definition.id)")
            let shape = try #require(entryShapes.first { (($0["properties"] as? [String: Any])?["instrument"] as? [String: Any])?["const"] as? String == definition.id })
            let entryAnswers = try #require((shape["properties"] as? [String: Any])?["answers"] as? [String: Any])
            for answers in try [entryAnswers] + (score.map { [try Self.answersSchema(try Self.bodySchema($0))] } ?? []) {
                #expect(answers["minItems"] as? Int == definition.item.count && answers["maxItems"] as? Int == definition.item.count, "\(definition.id)")
                let item = try #require(answers["items"] as? [String: Any])
                #expect(Set(ranges.map(\.lowerBound)) == [try #require(item["minimum"] as? Double)], "\(definition.id)")
                #expect(Set(ranges.map(\.upperBound)) == [try #require(item["maximum"] as? Double)], "\(definition.id)")
                #expect(Set(steps) == [item["multipleOf"] as? Double ?? 1], "\(definition.id)")
                #expect((item["type"] as? String == "integer") == (Set(steps) == [1]), "\(definition.id)")
            }
            // Change is documented for exactly the measures that can classify it, over the whole range of totals.
            let changeable = definition.enabledByDefault && definition.casenessCutoff != nil && definition.reliableChange != nil
            let change = paths["/instruments/\(definition.id)/change"] as? [String: Any]
            #expect((change != nil) == changeable, "\(definition.id)")
            if let change {
                let properties = try #require(try Self.bodySchema(change)["properties"] as? [String: Any])
                for field in ["before", "after"] {
                    let total = try #require(properties[field] as? [String: Any])
                    #expect(total["minimum"] as? Double == definition.totalRange.lowerBound, "\(definition.id)")
                    #expect(total["maximum"] as? Double == definition.totalRange.upperBound, "\(definition.id)")
                    #expect(total["multipleOf"] as? Double ?? 1 == steps.min(), "\(definition.id)")
                }
            }
        }
        #expect(entryShapes.count == InstrumentCatalogue.shipped.count)
    }

    static func bodySchema(_ pathItem: [String: Any]) throws -> [String: Any] {
        let post = try #require(pathItem["post"] as? [String: Any])
        let content = try #require((post["requestBody"] as? [String: Any])?["content"] as? [String: Any])
        return try #require((content["application/json"] as? [String: Any])?["schema"] as? [String: Any])
    }

    static func answersSchema(_ body: [String: Any]) throws -> [String: Any] {
        try #require((body["properties"] as? [String: Any])?["answers"] as? [String: Any])
    }
}
