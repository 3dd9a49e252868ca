public import Foundation

/// Practice between sessions (issue 11, point 4; seed: "practising saying no"): therapist and client agree a small
/// practice for the coming week, the client logs each attempt from their phone, and the therapist sees it before the
/// next session. Pure rules here; storage, sealing and pages live in the server.

/// How often the practice is meant to happen, as agreed. A few choices rather than a number: each is words the client
/// can hold themselves to, and "when it comes up" is honest for practices that wait for a moment (saying no).
public enum PracticeFrequency: String, Sendable, Codable, CaseIterable {
    case everyDay = "every-day"
    case mostDays = "most-days"
    case threeTimesAWeek = "three-a-week"
    case twiceAWeek = "twice-a-week"
    case onceAWeek = "once-a-week"
    case whenItComesUp = "when-it-comes-up"

    public var words: String {
        switch self {
        case .everyDay: return "Every day"
        case .mostDays: return "Most days"
        case .threeTimesAWeek: return "Three times a week"
        case .twiceAWeek: return "Twice a week"
        case .onceAWeek: return "Once a week"
        case .whenItComesUp: return "When the moment comes"
        }
    }

    /// Attempts a week that would meet it; nil when it waits for a moment rather than a count.
    public var timesPerWeek: Int? {
        switch self {
        case .everyDay: return 7
        case .mostDays: return 5
        case .threeTimesAWeek: return 3
        case .twiceAWeek: return 2
        case .onceAWeek: return 1
        case .whenItComesUp: return nil
        }
    }
}

/// How an attempt went, in the client's one tap.
public enum PracticeOutcome: String, Sendable, Codable, CaseIterable {
    case did
    case tried
    case notThisTime = "not-this-time"

    public var words: String {
        switch self {
        case .did: return "Did it"
        case .tried: return "Tried"
        case .notThisTime: return "Not this time"
        }
    }
}

/// How it felt, the optional second tap.
public enum PracticeFeeling: String, Sendable, Codable, CaseIterable {
    case hard
    case uneasy
    case okay
    case good
    case proud

    public var words: String {
        switch self {
        case .hard: return "Hard"
        case .uneasy: return "Uneasy"
        case .okay: return "Okay"
        case .good: return "Good"
        case .proud: return "Proud of it"
        }
    }
}

/// What was agreed: the practice, how often, and why it matters, in the client's own words.
public struct PracticeAgreement: Sendable, Equatable, Codable {
    public let what: String
    public let frequency: PracticeFrequency
    public let why: String

    public init(what: String, frequency: PracticeFrequency, why: String) {
        self.what = what
        self.frequency = frequency
        self.why = why
    }
}

/// One logged attempt's content (when it was logged is kept beside it, in clear, for the rupture rules).
public struct PracticeAttemptEntry: Sendable, Equatable, Codable {
    public let outcome: PracticeOutcome
    public let feeling: PracticeFeeling?
    public let note: String?

    public init(outcome: PracticeOutcome, feeling: PracticeFeeling?, note: String?) {
        self.outcome = outcome
        self.feeling = feeling
        self.note = note
    }
}

public enum PracticeRules {
    public static let maximumWhatLength = 300
    public static let maximumWhyLength = 600
    public static let maximumNoteLength = 1000
    /// A practice agreed for at least this long with nothing logged is a withdrawal marker (PRODUCT.md: "forgetting"
    /// practice; 3RS withdrawal markers).
    public static let quietDays = 14

    /// Field problems with an agreement as a form or body sends it; `frequency` is the raw choice.
    public static func problems(what: String, frequency: String?, why: String) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if what.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problems.append(FieldProblem(field: "what", message: "Say what the practice is, in a line the client will recognise."))
        } else if InputRules.isTooLong(what, maximum: maximumWhatLength) {
            problems.append(FieldProblem(field: "what", message: "Keep the practice under \(maximumWhatLength) characters: one thing to try."))
        }
        if frequency.flatMap(PracticeFrequency.init(rawValue:)) == nil {
            problems.append(FieldProblem(field: "frequency", message: "Choose how often: "
                + PracticeFrequency.allCases.map { $0.words.lowercased() }.joined(separator: ", ") + "."))
        }
        if InputRules.isTooLong(why, maximum: maximumWhyLength) {
            problems.append(FieldProblem(field: "why", message: "Keep why it matters under \(maximumWhyLength) characters."))
        }
        return problems
    }

    /// Problems with an attempt's optional note.
    public static func noteProblem(_ note: String) -> FieldProblem? {
        InputRules.isTooLong(note, maximum: maximumNoteLength)
            ? FieldProblem(field: "note", message: "Keep the note under \(maximumNoteLength) characters.") : nil
    }

    /// Whether practice went unlogged for the `quietDays` before `moment`: some practice was agreed all through those
    /// days (one after another counts as one), and no attempt of any kind ("not this time" included, which is still
    /// turning towards the work) was logged in them. `agreed` are the practices' spans, `until` nil while one runs.
    public static func notLogged(before moment: Date, agreed: [(from: Date, until: Date?)], attempts: [Date]) -> Bool {
        let start = moment.addingTimeInterval(-Double(quietDays) * 86_400)
        guard covered(from: start, to: moment, by: agreed) else { return false }
        return !attempts.contains { $0 >= start && $0 <= moment }
    }

    /// Whether the spans, joined where they touch or overlap, hold all of [start, end].
    static func covered(from start: Date, to end: Date, by spans: [(from: Date, until: Date?)]) -> Bool {
        var reached = start
        for span in spans.sorted(by: { $0.from < $1.from }) {
            guard span.from <= reached else { break }
            guard let until = span.until else { return true }
            if until > reached { reached = until }
            if reached >= end { return true }
        }
        return false
    }

    /// Attempts in the seven days up to `now`, against what was agreed: "2 of 3 this week".
    public static func weekWords(frequency: PracticeFrequency, attemptsThisWeek: Int) -> String {
        let times = attemptsThisWeek == 1 ? "1 time" : "\(attemptsThisWeek) times"
        guard let target = frequency.timesPerWeek else { return "\(times) in the last 7 days" }
        return "\(min(attemptsThisWeek, 99)) of \(target) in the last 7 days"
    }
}

/// When practice was agreed and when attempts were logged, nothing of what was said: all the rupture rules read.
public struct PracticeHistory: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public let from: Date
        public let until: Date?
        public init(from: Date, until: Date?) {
            self.from = from
            self.until = until
        }
    }

    public let agreed: [Span]
    public let attempts: [Date]

    public init(agreed: [Span], attempts: [Date]) {
        self.agreed = agreed
        self.attempts = attempts
    }

    public static let none = PracticeHistory(agreed: [], attempts: [])

    /// Whether practice had gone unlogged for `PracticeRules.quietDays` before `moment`.
    public func notLogged(before moment: Date) -> Bool {
        guard !agreed.isEmpty else { return false }
        return PracticeRules.notLogged(before: moment, agreed: agreed.map { ($0.from, $0.until) }, attempts: attempts)
    }
}
