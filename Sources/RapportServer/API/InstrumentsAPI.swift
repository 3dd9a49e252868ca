import Foundation
import RapportCore
import Vapor

/// The stateless scoring API: no storage, no sign-in. Useful to any tool, and a way to check the engine against
/// published cases. The measures enabled by default are served and scored; licensed ones are only listed.
enum InstrumentsAPI {
    static func register(_ api: any RoutesBuilder) {
        api.get("instruments", action: .usePublicPage, use: list)
        api.get("instruments", ":instrumentID", action: .usePublicPage, use: definition)
        api.post("instruments", ":instrumentID", "score", action: .usePublicPage, use: score)
        api.post("instruments", ":instrumentID", "change", action: .usePublicPage, use: change)
        api.post("instruments", ":instrumentID", "expected-course", action: .usePublicPage, use: expectedCourse)
    }

    static func instrument(_ req: Request) throws -> InstrumentDefinition {
        let id = req.parameters.get("instrumentID") ?? ""
        guard let definition = InstrumentCatalogue.definition(id: id) else {
            throw RapportError.notFoundWithDetail("There is no instrument \"\(id.prefix(40))\". GET /api/v1/instruments lists them: "
                + InstrumentCatalogue.shipped.map(\.id).joined(separator: ", ") + ".")
        }
        // ORS, SRS and CORE-10 are licensed: listed with their terms, but neither served nor scored here until a
        // practice that holds the licence enables them.
        guard definition.enabledByDefault else {
            throw RapportError.notFoundWithDetail("\(definition.name) ships disabled because of its licence: \(definition.licence)")
        }
        return definition
    }

    struct Summary: Content {
        var id: String
        var name: String
        var title: String
        var purpose: String
        var enabled_by_default: Bool
        var validated: Bool
        var items: Int
        var min_total: JSONNumber
        var max_total: JSONNumber
        var source: String
        var licence: String
    }

    @Sendable static func list(_ req: Request) async throws -> [Summary] {
        InstrumentCatalogue.shipped.map { d in
            Summary(id: d.id, name: d.name, title: d.title, purpose: d.purpose.rawValue, enabled_by_default: d.enabledByDefault,
                    validated: d.validated, items: d.item.count, min_total: JSONNumber(d.totalRange.lowerBound),
                    max_total: JSONNumber(d.totalRange.upperBound), source: d.source, licence: d.licence)
        }
    }

    @Sendable static func definition(_ req: Request) async throws -> Response {
        try APIController.json(try instrument(req))
    }

    struct ScoreBody: Decodable {
        var answers: [Double]
        /// Session feedback's optional "anything that didn't feel right?". Accepted and not stored: this API keeps nothing.
        var comment: String?
    }

    struct ScoreOut: Content {
        var instrument: String
        var total: JSONNumber
        var band: String?
        var flags: [String]

        /// `band` is always present, `null` for measures without bands.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(instrument, forKey: .instrument)
            try container.encode(total, forKey: .total)
            try container.encode(band, forKey: .band)
            try container.encode(flags, forKey: .flags)
        }
    }

    @Sendable static func score(_ req: Request) async throws -> ScoreOut {
        let definition = try instrument(req)
        let body = try APIController.body(req, ScoreBody.self, expected: #"{"answers": [\#(definition.item.count) numbers, one per question, in order]}"#)
        do {
            let result = try Scoring.score(definition, answers: body.answers)
            return ScoreOut(instrument: result.instrument, total: JSONNumber(result.total), band: result.band?.code, flags: result.flags)
        } catch let error as ScoringError {
            let field: String
            switch error {
            case .wrongNumberOfAnswers: field = "answers"
            case .answerNotAllowed(let item, _, _): field = "answers[\(item)]"
            }
            throw RapportError.invalid([FieldProblem(field: field, message: error.description)])
        }
    }

    struct ChangeBody: Decodable {
        var before: Double
        var after: Double
    }

    struct ChangeOut: Content {
        var instrument: String
        var before: JSONNumber
        var after: JSONNumber
        var rci: Double?
        var rci_reliable: Bool?
        var reliable_change: String
        var caseness_before: Bool
        var caseness_after: Bool
        var recovery: Bool
        var reliable_recovery: Bool

        /// `rci` and `rci_reliable` are always present, `null` for measures without s₁ and r.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(instrument, forKey: .instrument)
            try container.encode(before, forKey: .before)
            try container.encode(after, forKey: .after)
            try container.encode(rci, forKey: .rci)
            try container.encode(rci_reliable, forKey: .rci_reliable)
            try container.encode(reliable_change, forKey: .reliable_change)
            try container.encode(caseness_before, forKey: .caseness_before)
            try container.encode(caseness_after, forKey: .caseness_after)
            try container.encode(recovery, forKey: .recovery)
            try container.encode(reliable_recovery, forKey: .reliable_recovery)
        }
    }

    @Sendable static func change(_ req: Request) async throws -> ChangeOut {
        let definition = try instrument(req)
        let body = try APIController.body(req, ChangeBody.self, expected: #"{"before": first total, "after": latest total}"#)
        for (field, value) in [("before", body.before), ("after", body.after)] where !ChangeStatistics.isPossibleTotal(value, of: definition) {
            throw RapportError.invalid([FieldProblem(field: field, message: ChangeError.scoreOutOfRange(field: field, value: value, range: definition.totalRange).description)])
        }
        do {
            let result = try ChangeStatistics.change(definition, before: body.before, after: body.after)
            return ChangeOut(instrument: result.instrument, before: JSONNumber(result.before), after: JSONNumber(result.after),
                             rci: result.rci.map { ($0 * 10_000).rounded() / 10_000 }, rci_reliable: result.rciIsReliable,
                             reliable_change: result.reliableChange.rawValue, caseness_before: result.casenessBefore,
                             caseness_after: result.casenessAfter, recovery: result.recovery, reliable_recovery: result.reliableRecovery)
        } catch let error as ChangeError {
            switch error {
            case .scoreOutOfRange(let field, _, _):
                throw RapportError.invalid([FieldProblem(field: field, message: error.description)])
            case .notSupported:
                throw RapportError.invalid([FieldProblem(field: "instrument", message: error.description)])
            }
        }
    }
}

extension InstrumentsAPI {
    struct ExpectedCourseBody: Decodable {
        var scores: [Double]
    }

    struct ExpectedCourseOut: Content {
        var expected: [Double]
        var lower: [Double]
        var upper: [Double]
        var not_on_track: [Bool]
        var model: String
    }

    /// The default model only: this API keeps nothing, so it knows no practice's own episodes.
    @Sendable static func expectedCourse(_ req: Request) async throws -> ExpectedCourseOut {
        let definition = try instrument(req)
        let body = try APIController.body(req, ExpectedCourseBody.self, expected: #"{"scores": [first total, second, …, latest]}"#)
        guard let parameters = ExpectedCourses.defaultParameters(for: definition) else {
            throw RapportError.invalid([FieldProblem(field: "instrument", message: ExpectedCourseError.notSupported(instrument: definition.name).description)])
        }
        do {
            let course = try ExpectedCourses.course(body.scores, definition: definition, parameters: parameters)
            // Two decimals: the band is an estimate, and more digits would only suggest a precision it lacks.
            let rounded = { (values: [Double]) in values.map { ($0 * 100).rounded() / 100 } }
            return ExpectedCourseOut(expected: rounded(course.expected), lower: rounded(course.lower), upper: rounded(course.upper),
                                     not_on_track: course.notOnTrack, model: course.model)
        } catch let error as ExpectedCourseError {
            switch error {
            case .scoreOutOfRange(let index, _, _):
                throw RapportError.invalid([FieldProblem(field: "scores[\(index)]", message: error.description)])
            case .noScores, .tooManyScores:
                throw RapportError.invalid([FieldProblem(field: "scores", message: error.description)])
            case .notSupported:
                throw RapportError.invalid([FieldProblem(field: "instrument", message: error.description)])
            }
        }
    }
}

/// A number that prints as 12 when whole and 19.9 when not, as totals are published.
struct JSONNumber: Codable, Sendable, Equatable {
    let value: Double

    init(_ value: Double) { self.value = value }

    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Double.self) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value == value.rounded(), abs(value) < 1e15 {
            try container.encode(Int64(value))
        } else {
            try container.encode(value)
        }
    }
}
