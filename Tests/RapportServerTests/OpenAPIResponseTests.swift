import Foundation
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// A JSON value as the API sent it, keeping booleans, integers and fractions apart (JSONSerialization on Linux
/// cannot tell `true` from `1`).
indirect enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}

/// Checks a response against the schema the API document gives for it: the subset of JSON Schema the document
/// uses (`$ref`, `type`, `properties`, `required`, `items`, `enum`, `oneOf`, bounds, lengths, `pattern`, `format`,
/// `multipleOf`), plus two rules that keep the document truthful: a member the schema doesn't name is a problem
/// (the document must describe everything the API sends), and a description that says "N decimals" is held to it.
struct ResponseSchemaCheck {
    let document: [String: Any]

    func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/components/schemas/"),
              let components = document["components"] as? [String: Any], let schemas = components["schemas"] as? [String: Any],
              let target = schemas[String(ref.dropFirst("#/components/schemas/".count))] as? [String: Any]
        else { return schema }
        return resolve(target)
    }

    func problems(_ value: JSONValue, _ given: [String: Any], at path: String = "$") -> [String] {
        let schema = resolve(given)
        var found: [String] = []
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { problems(value, $0, at: path).isEmpty }.count
            if matching != 1 { found.append("\(path): matches \(matching) of oneOf's \(options.count) schemas") }
        }
        let types: [String] = (schema["type"] as? [String]) ?? (schema["type"] as? String).map { [$0] } ?? []
        if !types.isEmpty && !types.contains(where: { Self.isOfType(value, $0) }) {
            return found + ["\(path): \(value) is not \(types.joined(separator: " or "))"]
        }
        if let allowed = schema["enum"] as? [Any] {
            let texts = allowed.map { "\($0)" }
            switch value {
            case .string(let text) where !texts.contains(text): found.append("\(path): \"\(text)\" is not one of \(texts)")
            default: break
            }
        }
        switch value {
        case .number(let number):
            if let minimum = (schema["minimum"] as? NSNumber)?.doubleValue, number < minimum { found.append("\(path): \(number) < \(minimum)") }
            if let maximum = (schema["maximum"] as? NSNumber)?.doubleValue, number > maximum { found.append("\(path): \(number) > \(maximum)") }
            if let step = (schema["multipleOf"] as? NSNumber)?.doubleValue,
               abs((number / step).rounded() * step - number) > 1e-9 { found.append("\(path): \(number) is not a multiple of \(step)") }
            if let description = schema["description"] as? String, let places = Self.decimalsPromised(by: description),
               Self.decimals(of: number) > places {
                found.append("\(path): \(number) has more than the \(places) decimals the description promises")
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"] as? Int, length < minimum { found.append("\(path): shorter than \(minimum)") }
            if let maximum = schema["maxLength"] as? Int, length > maximum { found.append("\(path): longer than \(maximum)") }
            if let pattern = schema["pattern"] as? String, text.range(of: pattern, options: .regularExpression) == nil {
                found.append("\(path): \"\(text)\" doesn't match \(pattern)")
            }
            switch schema["format"] as? String {
            case "uuid"?: if UUID(uuidString: text) == nil { found.append("\(path): \"\(text)\" is not a uuid") }
            case "date-time"?: if APIController.timestamp(text) == nil { found.append("\(path): \"\(text)\" is not a date-time") }
            default: break
            }
        case .array(let items):
            if let minimum = schema["minItems"] as? Int, items.count < minimum { found.append("\(path): fewer than \(minimum) items") }
            if let maximum = schema["maxItems"] as? Int, items.count > maximum { found.append("\(path): more than \(maximum) items") }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        case .object(let members):
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where members[name] == nil { found.append("\(path): \(name) is missing") }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                guard let memberSchema = properties[name] as? [String: Any] else {
                    // Only where the schema lists its members: a free-form object names none.
                    if !properties.isEmpty { found.append("\(path): \(name) is sent but not in the document") }
                    continue
                }
                found += problems(member, memberSchema, at: "\(path).\(name)")
            }
        case .null, .bool:
            break
        }
        return found
    }

    static func isOfType(_ value: JSONValue, _ type: String) -> Bool {
        switch (value, type) {
        case (.null, "null"), (.bool, "boolean"), (.number, "number"), (.string, "string"), (.array, "array"), (.object, "object"): return true
        case (.number(let number), "integer"): return number.rounded() == number
        default: return false
        }
    }

    /// "… rounded to four decimals" → 4.
    static func decimalsPromised(by description: String) -> Int? {
        let words = ["one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6]
        for (word, places) in words where description.lowercased().contains("\(word) decimal") { return places }
        return nil
    }

    static func decimals(of number: Double) -> Int {
        var places = 0
        var scaled = number
        while places < 17 && abs(scaled.rounded() - scaled) > 1e-9 * max(1, abs(scaled)) {
            scaled *= 10
            places += 1
        }
        return places
    }
}

@Suite struct OpenAPIResponseTests {
    let check = ResponseSchemaCheck(document: try! OpenAPIContractTests.document())

    @Test func theCheckerFindsWhatItShould() throws {
        // Each rule the response test leans on can fail: an undocumented member, a wrong type, a broken promise of decimals.
        let schema: [String: Any] = ["type": "object", "required": ["rci"], "properties": [
            "rci": ["type": "number", "description": "Rounded to two decimals."],
            "band": ["type": "string", "enum": ["mild", "severe"]]]]
        #expect(check.problems(.object(["rci": .number(1.25)]), schema).isEmpty)
        #expect(check.problems(.object(["rci": .number(1.2547)]), schema).count == 1)
        #expect(check.problems(.object(["rci": .string("1.25")]), schema).count == 1)
        #expect(check.problems(.object(["rci": .number(1), "extra": .bool(true)]), schema).count == 1)
        #expect(check.problems(.object(["band": .string("moderate")]), schema).count == 2)
    }

    /// Every documented operation that answers with JSON, called as its users would, and each answer held to its schema.
    @Test func everyJSONAnswerMatchesItsDocumentedSchema() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = try await practice.signIn(cast.own, kind: .api)
            let owner = try await practice.signIn(cast.owner, kind: .api)
            let client = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())"
            var checked: Set<String> = []

            func call(_ method: HTTPMethod, _ template: String, _ path: String, token: String?, body: String? = nil,
                      expect status: HTTPStatus) async throws -> JSONValue {
                var answer = JSONValue.null
                var headers = HTTPHeaders.json(bearer: token)
                if body == nil { headers.remove(name: .contentType) }
                try await practice.app.testing().test(method, path, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                    #expect(response.status == status, "\(method) \(path): \(response.body.string.prefix(300))")
                    guard response.status == status else { return }
                    answer = try JSONDecoder().decode(JSONValue.self, from: Data(response.body.string.utf8))
                    let operation = try #require((((check.document["paths"] as? [String: Any])?[template] as? [String: Any])?[method.rawValue.lowercased()])
                                                 as? [String: Any], "\(method) \(template) is in the document")
                    let documented = (((operation["responses"] as? [String: Any])?[String(status.code)] as? [String: Any])?["content"]
                                      as? [String: Any])?["application/json"] as? [String: Any]
                    let schema = try #require(documented?["schema"] as? [String: Any], "\(method) \(template) documents its \(status.code) body")
                    let problems = check.problems(answer, schema)
                    #expect(problems.isEmpty, "\(method) \(template): \(problems.joined(separator: "; "))")
                }
                checked.insert("\(method) \(template)")
                return answer
            }

            _ = try await call(.GET, "/me", "/api/v1/me", token: therapist, expect: .ok)
            _ = try await call(.GET, "/clients", "/api/v1/clients", token: therapist, expect: .ok)
            _ = try await call(.GET, "/clients/{clientID}", client, token: therapist, expect: .ok)
            let note = try await call(.POST, "/clients/{clientID}/progress-notes", "\(client)/progress-notes", token: therapist,
                                      body: #"{"body":"Talked about the week."}"#, expect: .created)
            guard case .object(let noteMembers) = note, case .string(let noteID)? = noteMembers["id"] else {
                Issue.record("the new note has an id"); return
            }
            _ = try await call(.GET, "/clients/{clientID}/progress-notes", "\(client)/progress-notes", token: therapist, expect: .ok)
            _ = try await call(.GET, "/clients/{clientID}/progress-notes/{noteID}", "\(client)/progress-notes/\(noteID)", token: therapist, expect: .ok)
            _ = try await call(.POST, "/clients/{clientID}/psychotherapy-notes", "\(client)/psychotherapy-notes", token: therapist,
                               body: #"{"body":"Private process note."}"#, expect: .created)
            _ = try await call(.GET, "/clients/{clientID}/psychotherapy-notes", "\(client)/psychotherapy-notes", token: therapist, expect: .ok)
            _ = try await call(.GET, "/clients/{clientID}/appointments", "\(client)/appointments", token: therapist, expect: .ok)
            let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3 * 86400))
            _ = try await call(.POST, "/clients/{clientID}/appointments", "\(client)/appointments", token: therapist,
                               body: #"{"starts_at":"\#(soon)","duration_minutes":50,"location":"Room 2","repeats":{"every_weeks":2,"count":3}}"#,
                               expect: .created)
            let upcoming = "\(client)/appointments/\(cast.upcomingID.uuidString.lowercased())"
            let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(9 * 86400))
            _ = try await call(.POST, "/clients/{clientID}/appointments/{appointmentID}", upcoming, token: therapist,
                               body: #"{"starts_at":"\#(later)","duration_minutes":60}"#, expect: .ok)
            _ = try await call(.POST, "/clients/{clientID}/appointments/{appointmentID}/cancel", "\(upcoming)/cancel", token: therapist,
                               body: #"{"cancellation":"in-good-time"}"#, expect: .ok)
            let appointment = cast.appointmentID.uuidString.lowercased()
            _ = try await call(.POST, "/clients/{clientID}/check-ins", "\(client)/check-ins", token: therapist,
                               body: #"{"appointment_id":"\#(appointment)","instrument":"phq-9","answers":[2,2,1,1,2,1,1,0,1]}"#, expect: .created)
            _ = try await call(.GET, "/clients/{clientID}/check-ins", "\(client)/check-ins", token: therapist, expect: .ok)
            _ = try await call(.GET, "/instruments", "/api/v1/instruments", token: nil, expect: .ok)
            _ = try await call(.GET, "/instruments/{instrumentID}", "/api/v1/instruments/phq-9", token: nil, expect: .ok)
            _ = try await call(.POST, "/instruments/phq-9/score", "/api/v1/instruments/phq-9/score", token: nil,
                               body: #"{"answers":[2,2,1,1,2,1,1,0,1]}"#, expect: .ok)
            _ = try await call(.POST, "/instruments/gad-7/score", "/api/v1/instruments/gad-7/score", token: nil,
                               body: #"{"answers":[1,1,1,1,1,1,1]}"#, expect: .ok)
            _ = try await call(.POST, "/instruments/session-feedback/score", "/api/v1/instruments/session-feedback/score", token: nil,
                               body: #"{"answers":[9,9,8,10]}"#, expect: .ok)
            _ = try await call(.POST, "/rupture-signals", "/api/v1/rupture-signals", token: nil,
                               body: #"{"sessions":[{"attendance":"attended","feedback":{"items":[10,10,10,10],"comment":false},"outcome_check_in":"done"},{"attendance":"did-not-attend","feedback":null,"outcome_check_in":"missed"}]}"#,
                               expect: .ok)
            // The change answer carries the RCI, whose description promises its decimals.
            _ = try await call(.POST, "/instruments/phq-9/change", "/api/v1/instruments/phq-9/change", token: nil,
                               body: #"{"before":17,"after":8}"#, expect: .ok)
            _ = try await call(.POST, "/instruments/gad-7/change", "/api/v1/instruments/gad-7/change", token: nil,
                               body: #"{"before":13,"after":6}"#, expect: .ok)
            _ = try await call(.POST, "/instruments/phq-9/expected-course", "/api/v1/instruments/phq-9/expected-course", token: nil,
                               body: #"{"scores":[15,13,12,14,15]}"#, expect: .ok)
            _ = try await call(.POST, "/instruments/gad-7/expected-course", "/api/v1/instruments/gad-7/expected-course", token: nil,
                               body: #"{"scores":[12]}"#, expect: .ok)
            let invited = try await call(.POST, "/clients", "/api/v1/clients", token: therapist,
                                         body: #"{"name":"Noor Haddad","email":"noor@example.org"}"#, expect: .created)
            _ = try await call(.POST, "/invitations/therapists", "/api/v1/invitations/therapists", token: owner,
                               body: #"{"name":"Tom Ward","email":"tom@example.org"}"#, expect: .created)
            if case .object(let members) = invited, case .string(let link)? = members["invitation_link"],
               let token = link.split(separator: "/").last.map(String.init) {
                _ = try await call(.GET, "/invitations/{token}", "/api/v1/invitations/\(token)", token: nil, expect: .ok)
                _ = try await call(.POST, "/invitations/{token}/accept", "/api/v1/invitations/\(token)/accept", token: nil,
                                   body: #"{"password":"a long enough passphrase"}"#,
                                   expect: .created)
            }
            // The test reaches what it meant to: every operation above was held to its schema.
            #expect(checked.count == 28, "\(checked.sorted())")
        }
    }
}
