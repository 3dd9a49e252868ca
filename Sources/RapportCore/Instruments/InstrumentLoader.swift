public import Foundation

/// What is wrong with a definition, naming the field (`item[8].risk`, `band[2].min`, …).
public struct InstrumentDefinitionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String

    public var description: String { "\(field): \(message)" }
}

/// Reads a definition and refuses anything malformed, so a bad file is caught when it is loaded, never while
/// a client is answering.
public enum InstrumentLoader {
    public static func load(json: Data) throws -> InstrumentDefinition {
        // Decoding ignores keys it does not know, so a misspelt "Risk" on PHQ-9 item 9 would silently drop the
        // risk rule: every key is checked against the shape first.
        if let object = try? JSONSerialization.jsonObject(with: json) {
            try checkKeys(object, shape: .definition, path: "")
        }
        let definition: InstrumentDefinition
        do {
            definition = try JSONDecoder().decode(InstrumentDefinition.self, from: json)
        } catch let error as DecodingError {
            throw describe(error)
        }
        try validate(definition)
        return definition
    }

    /// The keys each kind of object in a definition may have.
    indirect enum Shape {
        case definition, coding, option, range, item, band, rci, flag
        case list(Shape)

        var keys: [String: Shape?] {
            switch self {
            case .definition:
                return ["resourceType": nil, "id": nil, "name": nil, "title": nil, "clientTitle": nil, "version": nil, "purpose": nil, "direction": nil,
                        "enabledByDefault": nil, "validated": nil, "code": .list(.coding), "totalCode": .coding, "prompt": nil,
                        "answerOption": .list(.option), "item": .list(.item), "band": .list(.band), "casenessCutoff": nil,
                        "reliableChange": nil, "rci": .rci, "flag": .list(.flag), "source": nil, "licence": nil]
            case .coding: return ["system": nil, "code": nil, "display": nil]
            case .option: return ["value": nil, "display": nil]
            case .range: return ["min": nil, "max": nil, "step": nil, "minLabel": nil, "maxLabel": nil]
            case .item: return ["linkId": nil, "text": nil, "answerOption": .list(.option), "range": .range, "reverse": nil, "risk": nil]
            case .band: return ["code": nil, "display": nil, "min": nil, "max": nil]
            case .rci: return ["s1": nil, "r": nil, "source": nil]
            case .flag: return ["code": nil, "when": nil, "value": nil, "explanation": nil]
            case .list: return [:]
            }
        }
    }

    static func checkKeys(_ value: Any, shape: Shape, path: String) throws {
        if case .list(let element) = shape {
            guard let array = value as? [Any] else { return }
            for (index, member) in array.enumerated() { try checkKeys(member, shape: element, path: "\(path)[\(index)]") }
            return
        }
        guard let object = value as? [String: Any] else { return }
        let allowed = shape.keys
        for key in object.keys.sorted() {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard let child = allowed[key] else {
                throw InstrumentDefinitionError(field: field, message: "is not a field of a definition (check its spelling)")
            }
            if let child, let member = object[key] { try checkKeys(member, shape: child, path: field) }
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { path, key in
            if let index = key.intValue { return "\(path)[\(index)]" }
            return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
        }
    }

    static func describe(_ error: DecodingError) -> InstrumentDefinitionError {
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return .init(field: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", message: "is missing")
        case .typeMismatch(let type, let context):
            return .init(field: path(context.codingPath), message: "should be \(type)")
        case .valueNotFound(let type, let context):
            return .init(field: path(context.codingPath), message: "should be \(type), not null")
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            return .init(field: field.isEmpty ? "(document)" : field, message: "is not valid: \(context.debugDescription)")
        @unknown default:
            return .init(field: "(document)", message: "could not be read")
        }
    }

    public static func validate(_ d: InstrumentDefinition) throws {
        func fail(_ field: String, _ message: String) throws -> Never { throw InstrumentDefinitionError(field: field, message: message) }

        if d.resourceType != "Questionnaire" { try fail("resourceType", "must be \"Questionnaire\"") }
        if d.id.isEmpty || !d.id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
            try fail("id", "must be lowercase letters, digits and hyphens, e.g. \"phq-9\"")
        }
        for (field, value) in [("name", d.name), ("title", d.title), ("clientTitle", d.clientTitle), ("source", d.source), ("licence", d.licence)]
            where value.isEmpty {
            try fail(field, "must not be empty")
        }
        if d.item.isEmpty { try fail("item", "must list at least one item") }
        if let shared = d.answerOption { try validateOptions(shared, field: "answerOption") }
        var seen = Set<String>()
        for (index, item) in d.item.enumerated() {
            let field = "item[\(index)]"
            if item.linkId.isEmpty { try fail("\(field).linkId", "must not be empty") }
            if !seen.insert(item.linkId).inserted { try fail("\(field).linkId", "\"\(item.linkId)\" is used twice") }
            if item.text.isEmpty { try fail("\(field).text", "must not be empty") }
            if let range = item.range {
                if item.answerOption != nil { try fail("\(field)", "has both range and answerOption; use one") }
                if !(range.min < range.max) { try fail("\(field).range", "min must be below max") }
                if !(range.step > 0) || range.step > range.max - range.min { try fail("\(field).range.step", "must be positive and fit the range") }
            } else if let own = item.answerOption {
                try validateOptions(own, field: "\(field).answerOption")
            } else if d.answerOption == nil {
                try fail("\(field).answerOption", "is missing, and the definition has no shared answerOption")
            }
            if item.risk == true, d.scoreRange(of: item).upperBound <= 0 {
                try fail("\(field).risk", "a risk item needs an answer above 0")
            }
        }
        let total = d.totalRange
        if d.band.isEmpty, d.purpose == .outcome { try fail("band", "an outcome measure needs bands") }
        if !d.band.isEmpty {
            let bands = d.band
            if bands[0].min != total.lowerBound { try fail("band[0].min", "must start at the lowest total, \(total.lowerBound)") }
            if bands[bands.count - 1].max != total.upperBound {
                try fail("band[\(bands.count - 1)].max", "must end at the highest total, \(total.upperBound)")
            }
            var codes = Set<String>()
            for (index, band) in bands.enumerated() {
                if band.code.isEmpty || !codes.insert(band.code).inserted { try fail("band[\(index)].code", "must be present and unique") }
                if band.min > band.max { try fail("band[\(index)].min", "must not be above max") }
                if index > 0, band.min <= bands[index - 1].max {
                    try fail("band[\(index)].min", "overlaps the band before it")
                }
                if index > 0, band.min - bands[index - 1].max > smallestStep(d) + 1e-9 {
                    try fail("band[\(index)].min", "leaves a gap after the band before it")
                }
            }
        }
        if let cutoff = d.casenessCutoff, !total.contains(cutoff) { try fail("casenessCutoff", "must lie within the total range \(total)") }
        if let threshold = d.reliableChange, !(threshold > 0 && threshold <= total.upperBound - total.lowerBound) {
            try fail("reliableChange", "must be positive and smaller than the total range")
        }
        if let rci = d.rci {
            if !(rci.s1 > 0) { try fail("rci.s1", "must be positive") }
            if !(rci.r > 0 && rci.r < 1) { try fail("rci.r", "must be between 0 and 1") }
            if rci.source.isEmpty { try fail("rci.source", "must say where s1 and r come from") }
        }
        for (index, rule) in (d.flag ?? []).enumerated() where rule.code.isEmpty || rule.code == "risk" {
            try fail("flag[\(index)].code", "must be present and not \"risk\" (risk comes from risk items)")
        }
        for (index, coding) in d.code.enumerated() where coding.system.isEmpty || coding.code.isEmpty {
            try fail("code[\(index)]", "needs a system and a code")
        }
    }

    private static func validateOptions(_ options: [InstrumentDefinition.AnswerOption], field: String) throws {
        if options.isEmpty { throw InstrumentDefinitionError(field: field, message: "must list at least one option") }
        var values = Set<Double>()
        for (index, option) in options.enumerated() {
            if option.display.isEmpty { throw InstrumentDefinitionError(field: "\(field)[\(index)].display", message: "must not be empty") }
            if !values.insert(option.value).inserted {
                throw InstrumentDefinitionError(field: "\(field)[\(index)].value", message: "\(option.value) is used twice")
            }
        }
    }

    /// The finest step a total can move by: 1 for option scales, the slider step for sliders.
    static func smallestStep(_ d: InstrumentDefinition) -> Double {
        d.item.compactMap(\.range?.step).min() ?? 1
    }
}
