import Foundation

/// The expected course of an outcome measure and whether a client is *not on track* (PRODUCT.md, "Not on track";
/// issue 10, point 3). Pure: scores in, the expected score at each of them with a tolerance band out.
///
/// The form, after Lambert's expected-recovery curves: the first score `s0` predicts the course, and the distance
/// to the general-population mean (`target`) shrinks log-linearly with the number of scores since,
/// `expected(n) = target + (s0 − target) · max(0, 1 − rate · ln(1 + n))`. A score worse than the band's edge,
/// `expected ± z · spread`, is not on track. The default parameters are data (`Resources/Models/expected-course.json`),
/// each with its source or marked as a documented assumption; a practice with enough ended episodes gets `rate`
/// and `spread` fitted on its own scores instead (`ExpectedCourses.fit`).
public struct ExpectedCourseModel: Codable, Sendable, Equatable {
    public struct InstrumentParameters: Codable, Sendable, Equatable {
        public let instrument: String
        /// Where improvement heads: the general-population mean.
        public let target: Double
        public let targetSource: String
        /// The standard deviation of a score around its expected value.
        public let spread: Double
        public let spreadSource: String
    }

    public let id: String
    public let name: String
    public let form: String
    public let formSource: String
    /// The share of the distance to `target` expected to be gone per unit of ln(1 + n).
    public let rate: Double
    public let rateSource: String
    /// How many spreads from the expected score the band's edge lies.
    public let z: Double
    public let zSource: String
    public let instruments: [InstrumentParameters]

    public func parameters(for instrument: String) -> InstrumentParameters? {
        instruments.first { $0.instrument == instrument }
    }
}

/// The parameters one course is drawn with, whichever model they come from.
public struct CourseParameters: Sendable, Equatable {
    public let target: Double
    public let rate: Double
    public let spread: Double
    public let z: Double
    /// What the page and the API say was used: the default model's id, or `practice-fitted`.
    public let model: String
    /// How many ended episodes the parameters were fitted on; nil for the default.
    public let episodes: Int?

    public init(target: Double, rate: Double, spread: Double, z: Double, model: String, episodes: Int? = nil) {
        self.target = target
        self.rate = rate
        self.spread = spread
        self.z = z
        self.model = model
        self.episodes = episodes
    }
}

/// A client's scores on one measure against the expected course, index by index (0 = the first score).
public struct ExpectedCourse: Sendable, Equatable {
    public let expected: [Double]
    public let lower: [Double]
    public let upper: [Double]
    public let notOnTrack: [Bool]
    public let model: String

    /// How many scores in a row, ending with the latest, were not on track (0 when the latest is on track).
    public var latestRunNotOnTrack: Int {
        notOnTrack.reversed().prefix { $0 }.count
    }
}

public enum ExpectedCourseError: Error, Equatable, Sendable, CustomStringConvertible {
    case noScores
    case tooManyScores(maximum: Int)
    case scoreOutOfRange(index: Int, value: Double, range: ClosedRange<Double>)
    case notSupported(instrument: String)

    public var description: String {
        switch self {
        case .noScores:
            return "Send at least one score, the first one first."
        case .tooManyScores(let maximum):
            return "Send at most \(maximum) scores."
        case .scoreOutOfRange(let index, let value, let range):
            return "scores[\(index)] is \(Scoring.format(value)), but totals on this measure are whole scores from \(Scoring.format(range.lowerBound)) to \(Scoring.format(range.upperBound))."
        case .notSupported(let instrument):
            return "\(instrument) has no clinical cutoff, so Rapport draws no expected course for it."
        }
    }
}

public enum ExpectedCourses {
    public static let maximumScores = 200
    /// Ended episodes a practice needs before its own data replaces the default. Rapport does not record the end of an
    /// episode yet (the ending comes with issue 11), so until then every practice uses the default.
    public static let defaultMinimumEpisodes = 30

    /// The shipped default, read once. Checked by the tests; a build without it is caught at start (`loadDefault`).
    public static let `default`: ExpectedCourseModel? = try? loadDefault()

    public struct MissingModel: Error, CustomStringConvertible {
        public var description: String { "The expected-course model expected-course.json is missing from this build (Resources/Models)." }
    }

    public static func loadDefault() throws -> ExpectedCourseModel {
        guard let url = Bundle.module.url(forResource: "expected-course", withExtension: "json", subdirectory: "Models"),
              let data = try? Data(contentsOf: url)
        else { throw MissingModel() }
        let model = try JSONDecoder().decode(ExpectedCourseModel.self, from: data)
        // A model that would draw nonsense is a broken build, caught at start like a missing file.
        guard model.rate.isFinite, model.rate >= 0, model.z.isFinite, model.z > 0,
              model.instruments.allSatisfy({ $0.target.isFinite && $0.spread.isFinite && $0.spread > 0 })
        else { throw MissingModel() }
        return model
    }

    /// The default parameters for a measure, or nil when it has no clinical cutoff or no entry in the model.
    public static func defaultParameters(for definition: InstrumentDefinition, model: ExpectedCourseModel? = ExpectedCourses.default) -> CourseParameters? {
        guard definition.purpose == .outcome, definition.casenessCutoff != nil, let model,
              let entry = model.parameters(for: definition.id) else { return nil }
        return CourseParameters(target: entry.target, rate: model.rate, spread: entry.spread, z: model.z, model: model.id)
    }

    /// The expected score after `n` scores for a client who started at `first`.
    public static func expected(first: Double, n: Int, target: Double, rate: Double, direction: InstrumentDefinition.Direction) -> Double {
        // A client already at or better than the population mean is expected to stay there, not to get worse.
        let distance = first - target
        let worseThanTarget = direction == .lowerIsBetter ? distance > 0 : distance < 0
        guard worseThanTarget, n > 0 else { return first }
        let remaining = max(0, 1 - rate * log(1 + Double(n)))
        return target + distance * remaining
    }

    /// The course for these scores, checked the same way whether they come from a record or from outside.
    /// `limit` bounds what comes from outside; a record's own scores are not limited.
    public static func course(_ scores: [Double], definition: InstrumentDefinition, parameters: CourseParameters,
                              limit: Int = maximumScores) throws -> ExpectedCourse {
        guard !scores.isEmpty else { throw ExpectedCourseError.noScores }
        guard scores.count <= limit else { throw ExpectedCourseError.tooManyScores(maximum: limit) }
        let range = definition.totalRange
        for (index, score) in scores.enumerated() where !ChangeStatistics.isPossibleTotal(score, of: definition) {
            throw ExpectedCourseError.scoreOutOfRange(index: index, value: score, range: range)
        }
        guard definition.casenessCutoff != nil else { throw ExpectedCourseError.notSupported(instrument: definition.name) }
        let first = scores[0]
        let halfWidth = parameters.z * parameters.spread
        var expected: [Double] = [], lower: [Double] = [], upper: [Double] = [], notOnTrack: [Bool] = []
        for (n, score) in scores.enumerated() {
            let value = self.expected(first: first, n: n, target: parameters.target, rate: parameters.rate, direction: definition.direction)
            let low = max(range.lowerBound, value - halfWidth)
            let high = min(range.upperBound, value + halfWidth)
            expected.append(value)
            lower.append(low)
            upper.append(high)
            // The first score is where the course starts, never off it. After that, only the worse edge counts:
            // doing better than expected is good news, not a flag.
            let worse = definition.direction == .lowerIsBetter ? score > high + 1e-9 : score < low - 1e-9
            notOnTrack.append(n > 0 && worse)
        }
        return ExpectedCourse(expected: expected, lower: lower, upper: upper, notOnTrack: notOnTrack, model: parameters.model)
    }

    /// The practice's own expected course, fitted on its ended episodes (each the scores of one client's episode on
    /// this measure, first first). Nil below `minimumEpisodes` usable episodes, so the default stays in use.
    ///
    /// `rate` is the least-squares fit of `s0 − score(n) = rate · (s0 − target) · ln(1 + n)` over every later score
    /// of every episode that started worse than the target; `spread` is the standard deviation of the scores around
    /// the fitted course. `target` and `z` stay the default's.
    public static func fit(episodes: [[Double]], definition: InstrumentDefinition, defaults: CourseParameters,
                           minimumEpisodes: Int = defaultMinimumEpisodes) -> CourseParameters? {
        let usable = episodes.filter { scores in
            guard scores.count >= 2, scores.allSatisfy({ ChangeStatistics.isPossibleTotal($0, of: definition) }) else { return false }
            let distance = scores[0] - defaults.target
            return definition.direction == .lowerIsBetter ? distance > 0 : distance < 0
        }
        guard usable.count >= max(1, minimumEpisodes) else { return nil }
        var products = 0.0, squares = 0.0
        for scores in usable {
            let first = scores[0]
            for n in 1..<scores.count {
                let predictor = (first - defaults.target) * log(1 + Double(n))
                products += predictor * (first - scores[n])
                squares += predictor * predictor
            }
        }
        guard squares > 0 else { return nil }
        // Never negative (a course that gets worse by design) and never past the point of overshooting the target
        // before the second score.
        let rate = min(max(products / squares, 0), 1 / log(2.0))
        var residuals = 0.0, count = 0
        for scores in usable {
            for n in 1..<scores.count {
                let value = expected(first: scores[0], n: n, target: defaults.target, rate: rate, direction: definition.direction)
                residuals += (scores[n] - value) * (scores[n] - value)
                count += 1
            }
        }
        // Never narrower than half the default's: a band of nothing would flag every score a point worse than expected.
        let spread = max(count > 1 ? (residuals / Double(count - 1)).squareRoot() : defaults.spread, defaults.spread / 2)
        return CourseParameters(target: defaults.target, rate: rate, spread: spread, z: defaults.z,
                                model: "practice-fitted", episodes: usable.count)
    }
}
