
public enum ReliableChange: String, Sendable, Codable {
    case improvement
    case deterioration
    case none
}

/// First against latest score on one measure: the Jacobson–Truax Reliable Change Index and the NHS Talking
/// Therapies episode outcomes.
public struct ChangeResult: Sendable, Equatable {
    public let instrument: String
    public let before: Double
    public let after: Double
    /// RC = (x₂ − x₁) / S_diff, S_diff = √(2·SE²), SE = s₁·√(1 − r). Nil when the definition has no s₁ and r.
    public let rci: Double?
    /// |RC| > 1.96 (Jacobson & Truax 1991).
    public let rciIsReliable: Bool?
    /// NHS Talking Therapies: the total moved by at least the definition's reliable-change amount, in the better
    /// or the worse direction.
    public let reliableChange: ReliableChange
    public let casenessBefore: Bool
    public let casenessAfter: Bool
    /// At caseness at the start, below it at the end.
    public let recovery: Bool
    /// Recovery and reliable improvement together.
    public let reliableRecovery: Bool
}

public enum ChangeError: Error, Equatable, Sendable, CustomStringConvertible {
    case scoreOutOfRange(field: String, value: Double, range: ClosedRange<Double>)
    case notSupported(instrument: String)

    public var description: String {
        switch self {
        case .scoreOutOfRange(let field, let value, let range):
            return "\(field) is \(Scoring.format(value)), but totals on this measure are whole scores from \(Scoring.format(range.lowerBound)) to \(Scoring.format(range.upperBound))."
        case .notSupported(let instrument):
            return "\(instrument) has no caseness cutoff or reliable-change amount, so change cannot be classified."
        }
    }
}

public enum ChangeStatistics {
    /// Whether a total sent from outside is one this measure can give: in range, on its grid as written
    /// (`Scoring.isWholeSteps`). `change` itself also takes the server's own sums, which carry binary rounding.
    public static func isPossibleTotal(_ value: Double, of definition: InstrumentDefinition) -> Bool {
        let range = definition.totalRange
        return range.contains(value) && Scoring.isWholeSteps(value, from: range.lowerBound, step: InstrumentLoader.smallestStep(definition))
    }

    public static func change(_ definition: InstrumentDefinition, before: Double, after: Double) throws -> ChangeResult {
        let range = definition.totalRange
        let step = InstrumentLoader.smallestStep(definition)
        for (field, value) in [("before", before), ("after", after)] {
            let steps = (value - range.lowerBound) / step
            guard value.isFinite, range.contains(value), abs(steps - steps.rounded()) < 1e-6 else {
                throw ChangeError.scoreOutOfRange(field: field, value: value, range: range)
            }
        }
        guard let cutoff = definition.casenessCutoff, let threshold = definition.reliableChange else {
            throw ChangeError.notSupported(instrument: definition.name)
        }
        // Positive when the client is better off, whichever way the measure runs.
        let gain = definition.direction == .lowerIsBetter ? before - after : after - before
        let reliableChange: ReliableChange = gain >= threshold - 1e-9 ? .improvement : (-gain >= threshold - 1e-9 ? .deterioration : .none)
        let casenessBefore = isCase(before, cutoff: cutoff, direction: definition.direction)
        let casenessAfter = isCase(after, cutoff: cutoff, direction: definition.direction)
        let recovery = casenessBefore && !casenessAfter
        var rci: Double?
        if let parameters = definition.rci {
            rci = reliableChangeIndex(before: before, after: after, s1: parameters.s1, r: parameters.r)
        }
        return ChangeResult(instrument: definition.id, before: before, after: after, rci: rci,
                            rciIsReliable: rci.map { abs($0) > 1.96 }, reliableChange: reliableChange,
                            casenessBefore: casenessBefore, casenessAfter: casenessAfter,
                            recovery: recovery, reliableRecovery: recovery && reliableChange == .improvement)
    }

    public static func isCase(_ total: Double, cutoff: Double, direction: InstrumentDefinition.Direction) -> Bool {
        direction == .lowerIsBetter ? total >= cutoff : total < cutoff
    }

    /// Jacobson & Truax (1991): RC = (x₂ − x₁) / √(2·(s₁·√(1 − r))²).
    public static func reliableChangeIndex(before: Double, after: Double, s1: Double, r: Double) -> Double {
        let standardError = s1 * (1 - r).squareRoot()
        let differenceError = (2 * standardError * standardError).squareRoot()
        return (after - before) / differenceError
    }

    /// Jacobson & Truax criterion c: the point between the clinical and the functional population,
    /// c = (s₀·M₁ + s₁·M₀) / (s₀ + s₁).
    public static func clinicalCutoff(clinicalMean m1: Double, clinicalSD s1: Double, functionalMean m0: Double, functionalSD s0: Double) -> Double {
        (s0 * m1 + s1 * m0) / (s0 + s1)
    }
}
