/// A measure as data, shaped after the FHIR R4 Questionnaire resource (`resourceType`, `id`, `item[].linkId`,
/// `answerOption[].valueCoding`-like options, `code` with LOINC), plus what scoring needs: bands, risk items,
/// caseness cutoff, reliable-change threshold and the Jacobson–Truax parameters, each with its source.
/// Definitions are loaded and checked by `InstrumentLoader`; nothing about a measure lives in code.
public struct InstrumentDefinition: Codable, Sendable, Equatable {
    public enum Purpose: String, Codable, Sendable {
        /// Before a session: how the client is (PHQ-9, GAD-7, ORS, CORE-10).
        case outcome
        /// After a session: how the session felt (Rapport's session feedback, SRS).
        case sessionFeedback = "session-feedback"
    }

    public enum Direction: String, Codable, Sendable {
        /// Symptom measures: a lower total is better (PHQ-9, GAD-7, CORE-10).
        case lowerIsBetter = "lower-is-better"
        /// Well-being and alliance measures: a higher total is better (ORS, SRS, session feedback).
        case higherIsBetter = "higher-is-better"
    }

    public struct Coding: Codable, Sendable, Equatable {
        public let system: String
        public let code: String
        public let display: String?
    }

    public struct AnswerOption: Codable, Sendable, Equatable {
        public let value: Double
        public let display: String
    }

    /// A slider or visual-analogue scale instead of fixed options.
    public struct Range: Codable, Sendable, Equatable {
        public let min: Double
        public let max: Double
        /// 1 for whole numbers, 0.1 for ORS/SRS marks to one decimal.
        public let step: Double
        public let minLabel: String?
        public let maxLabel: String?
    }

    public struct Item: Codable, Sendable, Equatable {
        public let linkId: String
        public let text: String
        /// Options for this item only; otherwise the definition's shared `answerOption`.
        public let answerOption: [AnswerOption]?
        public let range: Range?
        /// Positively worded items scored the other way round (CORE-10 items 2 and 3).
        public let reverse: Bool?
        /// Any answer above 0 raises a risk flag at once, whatever the total (PHQ-9 item 9).
        public let risk: Bool?
    }

    public struct Band: Codable, Sendable, Equatable {
        public let code: String
        public let display: String
        public let min: Double
        public let max: Double
    }

    public struct ReliableChangeParameters: Codable, Sendable, Equatable {
        /// Standard deviation of the measure at intake (s₁ in Jacobson & Truax 1991).
        public let s1: Double
        /// Reliability (test–retest or internal consistency) of the measure.
        public let r: Double
        public let source: String
    }

    /// A flag raised from the total or the items (alliance concern, for example).
    public struct FlagRule: Codable, Sendable, Equatable {
        public enum Condition: String, Codable, Sendable {
            case totalBelow = "total-below"
            case totalAtOrAbove = "total-at-or-above"
            case anyItemBelow = "any-item-below"
        }

        public let code: String
        public let when: Condition
        public let value: Double
        public let explanation: String
    }

    public let resourceType: String
    public let id: String
    public let name: String
    public let title: String
    /// What a client is shown instead of the measure's name: plain words, never a code ("A few questions about your
    /// mood", not "PHQ-9"). Staff see `name` and `title`.
    public let clientTitle: String
    public let version: String
    public let purpose: Purpose
    public let direction: Direction
    public let enabledByDefault: Bool
    /// False for Rapport's own session feedback, which says so to the therapist.
    public let validated: Bool
    public let code: [Coding]
    public let totalCode: Coding?
    public let prompt: String?
    public let answerOption: [AnswerOption]?
    public let item: [Item]
    public let band: [Band]
    /// At or beyond this total the client counts as a "case" (≥ for lower-is-better, < for higher-is-better).
    public let casenessCutoff: Double?
    /// NHS Talking Therapies convention: the change in total that counts as reliable.
    public let reliableChange: Double?
    public let rci: ReliableChangeParameters?
    public let flag: [FlagRule]?
    public let source: String
    public let licence: String

    /// The options an item is answered with, if it uses options.
    public func options(for item: Item) -> [AnswerOption]? {
        item.range == nil ? (item.answerOption ?? answerOption) : nil
    }

    /// The lowest and highest score an item can contribute.
    public func scoreRange(of item: Item) -> ClosedRange<Double> {
        if let range = item.range { return range.min...range.max }
        let values = (options(for: item) ?? []).map(\.value)
        return (values.min() ?? 0)...(values.max() ?? 0)
    }

    /// The lowest and highest possible total.
    public var totalRange: ClosedRange<Double> {
        let ranges = item.map(scoreRange(of:))
        return ranges.map(\.lowerBound).reduce(0, +)...ranges.map(\.upperBound).reduce(0, +)
    }
}
