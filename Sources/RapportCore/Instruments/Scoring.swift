import Foundation

/// A scored submission: the total, its band, and the flags raised (`risk` from a risk item above 0,
/// plus any rule of the definition such as `alliance-concern`).
public struct ScoreResult: Sendable, Equatable {
    public let instrument: String
    public let total: Double
    public let band: InstrumentDefinition.Band?
    public let flags: [String]
    /// Each item's contribution after reverse scoring, in item order.
    public let itemScores: [Double]

    public var hasRisk: Bool { flags.contains(ScoreResult.riskFlag) }
    public static let riskFlag = "risk"
}

public enum ScoringError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongNumberOfAnswers(expected: Int, got: Int)
    case answerNotAllowed(item: Int, value: Double, allowed: String)

    public var description: String {
        switch self {
        case .wrongNumberOfAnswers(let expected, let got):
            return "This measure has \(expected) questions, so it needs \(expected) answers; \(got) were given."
        case .answerNotAllowed(let item, let value, let allowed):
            return "Answer \(item + 1) is \(Scoring.format(value)), but that question takes \(allowed)."
        }
    }
}

public enum Scoring {
    /// Scores answers given in item order, each as the option's value or the slider position.
    public static func score(_ definition: InstrumentDefinition, answers: [Double]) throws -> ScoreResult {
        guard answers.count == definition.item.count else {
            throw ScoringError.wrongNumberOfAnswers(expected: definition.item.count, got: answers.count)
        }
        var itemScores: [Double] = []
        var risk = false
        for (index, (item, value)) in zip(definition.item, answers).enumerated() {
            try check(value, for: item, at: index, in: definition)
            let range = definition.scoreRange(of: item)
            itemScores.append(item.reverse == true ? range.upperBound + range.lowerBound - value : value)
            if item.risk == true, value > 0 { risk = true }
        }
        let total = roundToStep(itemScores.reduce(0, +))
        var flags: [String] = risk ? [ScoreResult.riskFlag] : []
        for rule in definition.flag ?? [] where applies(rule, total: total, items: itemScores) && !flags.contains(rule.code) {
            flags.append(rule.code)
        }
        return ScoreResult(instrument: definition.id, total: total, band: band(for: total, in: definition), flags: flags, itemScores: itemScores)
    }

    public static func band(for total: Double, in definition: InstrumentDefinition) -> InstrumentDefinition.Band? {
        definition.band.first { total >= $0.min - 1e-9 && total <= $0.max + 1e-9 }
    }

    /// Checks one answer on its own, as a check-in page saves answers one at a time.
    public static func check(_ value: Double, for item: InstrumentDefinition.Item, at index: Int, in definition: InstrumentDefinition) throws {
        guard value.isFinite else { throw ScoringError.answerNotAllowed(item: index, value: value, allowed: "a number") }
        if let range = item.range {
            guard value >= range.min, value <= range.max, isWholeSteps(value, from: range.min, step: range.step) else {
                throw ScoringError.answerNotAllowed(item: index, value: value,
                                                    allowed: "a number from \(format(range.min)) to \(format(range.max)) in steps of \(format(range.step))")
            }
        } else {
            let options = definition.options(for: item) ?? []
            guard options.contains(where: { $0.value == value }) else {
                throw ScoringError.answerNotAllowed(item: index, value: value, allowed: "one of " + options.map { format($0.value) }.joined(separator: ", "))
            }
        }
    }

    /// Whether `value` lies a whole number of `step`s from `origin`, reading each number as the decimal it was
    /// written as (its shortest spelling): 7.3 is on a 0.1 grid, 0.30000000000000004 and 2.5e-42 are not, 3 is on a
    /// grid of 1 and 3.0000001 is not. This is JSON Schema's `multipleOf` as validators apply it, so an answer the
    /// OpenAPI document allows is exactly an answer the server takes. Only for values from outside: totals the
    /// server adds up itself carry binary rounding and are checked with a tolerance instead.
    public static func isWholeSteps(_ value: Double, from origin: Double, step: Double) -> Bool {
        // Whole numbers on a whole grid (every PHQ-9, GAD-7 and feedback total) are exact in binary: answered without
        // Decimal, which was a fifth of the caseload page's time (perf record, issue 10's benchmark).
        let wholeLimit = 9_007_199_254_740_992.0  // 2^53: past it, not every whole number is a Double
        if value.isFinite, step >= 1, abs(value) < wholeLimit, abs(origin) < wholeLimit, step < wholeLimit,
           value == value.rounded(), origin == origin.rounded(), step == step.rounded() {
            return (value - origin).truncatingRemainder(dividingBy: step) == 0
        }
        guard value.isFinite, step > 0, let written = Decimal(string: "\(value)"), let start = Decimal(string: "\(origin)"),
              let size = Decimal(string: "\(step)") else { return false }
        var quotient = (written - start) / size
        var whole = Decimal()
        NSDecimalRound(&whole, &quotient, 0, .plain)
        return whole == quotient
    }

    private static func applies(_ rule: InstrumentDefinition.FlagRule, total: Double, items: [Double]) -> Bool {
        switch rule.when {
        case .totalBelow: return total < rule.value
        case .totalAtOrAbove: return total >= rule.value
        case .anyItemBelow: return items.contains { $0 < rule.value }
        }
    }

    /// Sums of tenths drift in binary floating point (0.1 + 0.2); totals are kept to four decimals.
    public static func roundToStep(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// 3 rather than 3.0, 7.5 as 7.5.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
