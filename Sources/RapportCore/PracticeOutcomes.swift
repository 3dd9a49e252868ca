public import Foundation

/// One outcome measure over an episode: its first score and its latest, and how many scores there were.
public struct EpisodeScores: Sendable, Equatable {
    public let instrumentID: String
    public let first: Double
    public let latest: Double
    public let count: Int

    public init(instrumentID: String, first: Double, latest: Double, count: Int) {
        self.instrumentID = instrumentID
        self.first = first
        self.latest = latest
        self.count = count
    }
}

/// One episode of care in a date range: a client with one of their therapists. Until Rapport records the end of an
/// episode (issue 11), an episode is the client's care with that therapist so far; it counts in a range when it had
/// an attended session or an outcome score there, and its outcome compares the first score with the latest up to the
/// range's end (README, "Practice outcomes").
public struct Episode: Sendable, Equatable {
    public let clientID: UUID
    public let therapistID: UUID
    /// Outcome measures by id, each with at least one score, the latest of them up to the end of the range.
    public var scores: [String: EpisodeScores]
    /// Whether the episode had an outcome score or an attended session in the range (ruptures alone don't make one).
    public var activeInRange: Bool
    public var sessionsAttended: Int
    public var feedbackGiven: Int
    /// The sum of the feedback totals given (each 0–40), for the mean.
    public var feedbackTotal: Double
    public var rupturesRecorded: Int
    /// Ruptures with a repair whose outcome was "resolved".
    public var rupturesRepaired: Int
    /// The latest follow-up check-in's totals after the ending, by measure (issue 11): empty when none was answered.
    public var followUp: [String: Double] = [:]

    public init(clientID: UUID, therapistID: UUID, scores: [String: EpisodeScores] = [:], activeInRange: Bool = false,
                sessionsAttended: Int = 0, feedbackGiven: Int = 0, feedbackTotal: Double = 0, rupturesRecorded: Int = 0,
                rupturesRepaired: Int = 0) {
        self.clientID = clientID
        self.therapistID = therapistID
        self.scores = scores
        self.activeInRange = activeInRange
        self.sessionsAttended = sessionsAttended
        self.feedbackGiven = feedbackGiven
        self.feedbackTotal = feedbackTotal
        self.rupturesRecorded = rupturesRecorded
        self.rupturesRepaired = rupturesRepaired
    }
}

/// An episode's outcome by the NHS Talking Therapies definitions (PRODUCT.md, "Episode outcomes"), on its first and
/// latest scores, with the PHQ-9 + GAD-7 *paired* rules when both were measured at least twice.
public struct EpisodeOutcome: Sendable, Equatable {
    /// The measures the outcome rests on: ["phq-9", "gad-7"] when paired, otherwise one measure.
    public let basis: [String]
    public let atCaseness: Bool
    public let reliableImprovement: Bool
    public let reliableDeterioration: Bool
    public let recovery: Bool
    public let reliableRecovery: Bool

    public var isPaired: Bool { basis.count == 2 }
}

public enum EpisodeOutcomes {
    /// The depression and anxiety measures NHS Talking Therapies pairs.
    public static let pairedMeasures = ["phq-9", "gad-7"]

    /// Whether a recovered episode was followed up on every measure its outcome rests on, and whether it was still
    /// below caseness on all of them then (sustained recovery, issue 11, point 7).
    public static func sustained(_ outcome: EpisodeOutcome?, scores: [String: EpisodeScores], followUp: [String: Double],
                                 definitions: [InstrumentDefinition]) -> (followedUp: Bool, sustained: Bool) {
        guard let outcome, outcome.recovery else { return (false, false) }
        var stillBelow = true
        for id in outcome.basis {
            guard let total = followUp[id], let first = scores[id]?.first, let definition = definitions.first(where: { $0.id == id }),
                  let change = try? ChangeStatistics.change(definition, before: first, after: total) else { return (false, false) }
            if change.casenessAfter { stillBelow = false }
        }
        return (true, stillBelow)
    }

    /// The outcome of an episode, or nil when no measure has both a first and a later score to compare.
    ///
    /// Paired (PHQ-9 and GAD-7 each scored at least twice), after NHS Digital's NHS Talking Therapies definitions:
    /// - at caseness at the start: PHQ-9 ≥ 10 *or* GAD-7 ≥ 8 on the first scores;
    /// - reliable improvement: at least one measure fell by its reliable-change amount (6 and 4) and neither rose by it;
    /// - reliable deterioration: at least one rose by it and neither fell by it (one up and one down is neither);
    /// - recovery: at caseness at the start, and below caseness on *both* at the latest;
    /// - reliable recovery: recovery and reliable improvement.
    /// With only one of the pair scored twice, that measure alone, by the same definitions; with neither, the first
    /// other outcome measure (CORE-10, ORS) that was, so a practice using those still has outcomes.
    public static func classify(_ scores: [String: EpisodeScores], definitions: [InstrumentDefinition]) -> EpisodeOutcome? {
        func change(_ id: String) -> ChangeResult? {
            guard let measure = scores[id], measure.count >= 2, let definition = definitions.first(where: { $0.id == id }) else { return nil }
            return try? ChangeStatistics.change(definition, before: measure.first, after: measure.latest)
        }
        let paired = pairedMeasures.compactMap(change)
        if paired.count == 2 {
            let improved = paired.contains { $0.reliableChange == .improvement }
            let worse = paired.contains { $0.reliableChange == .deterioration }
            let atCaseness = paired.contains(where: \.casenessBefore)
            let recovery = atCaseness && !paired.contains(where: \.casenessAfter)
            let reliableImprovement = improved && !worse
            return EpisodeOutcome(basis: paired.map(\.instrument), atCaseness: atCaseness, reliableImprovement: reliableImprovement,
                                  reliableDeterioration: worse && !improved, recovery: recovery,
                                  reliableRecovery: recovery && reliableImprovement)
        }
        let others = definitions.filter { $0.purpose == .outcome && !pairedMeasures.contains($0.id) }.map(\.id)
        guard let single = paired.first ?? others.lazy.compactMap(change).first else { return nil }
        return EpisodeOutcome(basis: [single.instrument], atCaseness: single.casenessBefore,
                              reliableImprovement: single.reliableChange == .improvement,
                              reliableDeterioration: single.reliableChange == .deterioration,
                              recovery: single.recovery, reliableRecovery: single.reliableRecovery)
    }
}

/// A count in the practice outcomes, with the number of people behind it, and whether it is shown.
public struct OutcomeCell: Sendable, Equatable {
    public let count: Int
    /// The different clients the count is about: a cell about fewer than 5 people (and more than none) is suppressed.
    public let people: Int
    public internal(set) var suppressed: Bool

    public init(count: Int, people: Int, suppressed: Bool? = nil) {
        self.count = count
        self.people = people
        self.suppressed = suppressed ?? PracticeOutcomes.isSmall(people)
    }

    /// The count, or nil when suppressed.
    public var shown: Int? { suppressed ? nil : count }
}

/// One line of the practice outcomes: a therapist's episodes, or the whole practice's.
public struct OutcomeLine: Sendable, Equatable {
    public enum Group: Sendable, Equatable, Hashable {
        case practice
        case therapist(UUID)
    }

    public let group: Group
    public var episodes: OutcomeCell
    /// Episodes with a first and a later score to compare (two measure sets or more).
    public var measuredTwice: OutcomeCell
    public var reliableImprovement: OutcomeCell
    public var reliableDeterioration: OutcomeCell
    /// Of the episodes measured twice, those at caseness at the start: recovery's denominator.
    public var atCaseness: OutcomeCell
    public var recovery: OutcomeCell
    public var reliableRecovery: OutcomeCell
    public var paired: OutcomeCell
    public var sessionsAttended: OutcomeCell
    public var feedbackGiven: OutcomeCell
    public var rupturesRecorded: OutcomeCell
    public var rupturesRepaired: OutcomeCell
    /// Recovered episodes with a follow-up check-in after the ending, and those still recovered at it.
    public var recoveredFollowedUp: OutcomeCell
    public var sustainedRecovery: OutcomeCell
    /// The sum of the feedback totals, for the mean; shown only with `feedbackGiven`.
    public let feedbackTotal: Double

    /// A share as a fraction (0…1), or nil when either count is hidden or there is nothing to divide by.
    public static func share(_ part: OutcomeCell, of whole: OutcomeCell) -> Double? {
        guard let part = part.shown, let whole = whole.shown, whole > 0 else { return nil }
        return Double(part) / Double(whole)
    }

    public var measuredTwiceShare: Double? { Self.share(measuredTwice, of: episodes) }
    public var reliableImprovementShare: Double? { Self.share(reliableImprovement, of: measuredTwice) }
    public var reliableDeteriorationShare: Double? { Self.share(reliableDeterioration, of: measuredTwice) }
    public var recoveryShare: Double? { Self.share(recovery, of: atCaseness) }
    public var reliableRecoveryShare: Double? { Self.share(reliableRecovery, of: atCaseness) }
    public var feedbackCompletion: Double? { Self.share(feedbackGiven, of: sessionsAttended) }
    public var rupturesRepairedShare: Double? { Self.share(rupturesRepaired, of: rupturesRecorded) }
    public var sustainedRecoveryShare: Double? { Self.share(sustainedRecovery, of: recoveredFollowedUp) }
    /// The mean feedback total (of 40), or nil when the feedback count is hidden or there was none.
    public var feedbackMean: Double? {
        guard let given = feedbackGiven.shown, given > 0 else { return nil }
        return feedbackTotal / Double(given)
    }

    /// Every count cell with its column name, in the order of the report.
    public static var columns: [(name: String, cell: WritableKeyPath<OutcomeLine, OutcomeCell>)] { [
        ("episodes", \.episodes), ("measured_twice", \.measuredTwice), ("reliable_improvement", \.reliableImprovement),
        ("reliable_deterioration", \.reliableDeterioration), ("at_caseness", \.atCaseness), ("recovery", \.recovery),
        ("reliable_recovery", \.reliableRecovery), ("paired", \.paired), ("sessions_attended", \.sessionsAttended),
        ("feedback_given", \.feedbackGiven), ("ruptures_recorded", \.rupturesRecorded), ("ruptures_repaired", \.rupturesRepaired),
        ("recovered_followed_up", \.recoveredFollowedUp), ("sustained_recovery", \.sustainedRecovery),
    ] }
}

/// Practice outcomes for the owner (issue 10, point 7): aggregates only, per therapist and for the practice, with
/// every cell about fewer than 5 people suppressed, and one more suppressed beside it where the practice total would
/// otherwise give it away.
public enum PracticeOutcomes {
    /// The smallest number of people a shown cell may be about.
    public static let smallestShownGroup = 5

    static func isSmall(_ people: Int) -> Bool { people > 0 && people < smallestShownGroup }

    /// Lines for each therapist (in the order given; a therapist with no episode still gets a line) and the practice.
    public static func report(_ episodes: [Episode], therapists: [UUID], definitions: [InstrumentDefinition]) -> (practice: OutcomeLine, therapists: [OutcomeLine]) {
        // Each episode classified once, and each person numbered once, so that a cell counts its people in an array
        // rather than a set of ids: a million measure sets are tens of thousands of episodes, and hashing them for
        // every cell of every line was a sixth of the report's time (perf record under `scripts/bench --at-size`).
        var personNumbers: [UUID: Int] = [:]
        personNumbers.reserveCapacity(episodes.count)
        var counted: [CountedEpisode] = []
        counted.reserveCapacity(episodes.count)
        var byTherapist: [UUID: [Int]] = [:]
        for episode in episodes {
            let person: Int
            if let number = personNumbers[episode.clientID] { person = number } else {
                person = personNumbers.count
                personNumbers[episode.clientID] = person
            }
            byTherapist[episode.therapistID, default: []].append(counted.count)
            let outcome = EpisodeOutcomes.classify(episode.scores, definitions: definitions)
            let followed = episode.followUp.isEmpty ? (followedUp: false, sustained: false)
                : EpisodeOutcomes.sustained(outcome, scores: episode.scores, followUp: episode.followUp, definitions: definitions)
            counted.append(CountedEpisode(episode: episode, person: person, outcome: outcome, followedUp: followed.followedUp,
                                          sustained: followed.sustained))
        }
        var order = therapists
        for id in byTherapist.keys.sorted(by: { $0.uuidString < $1.uuidString }) where !order.contains(id) { order.append(id) }
        var people = PeopleCounter(size: personNumbers.count)
        var lines = order.map { id in line(.therapist(id), (byTherapist[id] ?? []).map { counted[$0] }, people: &people) }
        var practice = line(.practice, counted, people: &people)
        suppressComplements(&lines, practice: &practice)
        return (practice, lines)
    }

    private struct CountedEpisode {
        let episode: Episode
        /// The client's number within this report, for counting people.
        let person: Int
        let outcome: EpisodeOutcome?
        let followedUp: Bool
        let sustained: Bool
    }

    /// Counts different people, one cell at a time: a person is counted in a cell when their mark isn't the cell's.
    private struct PeopleCounter {
        private var marks: [Int]
        private var cell = 0

        init(size: Int) { marks = Array(repeating: 0, count: size) }

        mutating func startCell() { cell += 1 }

        /// Whether `person` is new to the current cell (and marks them).
        mutating func isNew(_ person: Int) -> Bool {
            guard marks.indices.contains(person), marks[person] != cell else { return false }
            marks[person] = cell
            return true
        }
    }

    private static func line(_ group: OutcomeLine.Group, _ episodes: [CountedEpisode], people: inout PeopleCounter) -> OutcomeLine {
        // People are counted once per cell even when they saw two therapists (the practice line).
        func cell(_ episodes: [CountedEpisode], count: (CountedEpisode) -> Int) -> OutcomeCell {
            people.startCell()
            var persons = 0
            var total = 0
            for episode in episodes {
                let value = count(episode)
                guard value > 0 else { continue }
                total += value
                if people.isNew(episode.person) { persons += 1 }
            }
            return OutcomeCell(count: total, people: persons)
        }
        let active = episodes.filter(\.episode.activeInRange)
        func activeWhere(_ test: (EpisodeOutcome) -> Bool) -> OutcomeCell {
            cell(active) { $0.outcome.map(test) == true ? 1 : 0 }
        }
        return OutcomeLine(
            group: group,
            episodes: cell(active) { _ in 1 },
            measuredTwice: activeWhere { _ in true },
            reliableImprovement: activeWhere(\.reliableImprovement),
            reliableDeterioration: activeWhere(\.reliableDeterioration),
            atCaseness: activeWhere(\.atCaseness),
            recovery: activeWhere(\.recovery),
            reliableRecovery: activeWhere(\.reliableRecovery),
            paired: activeWhere(\.isPaired),
            sessionsAttended: cell(episodes) { $0.episode.sessionsAttended },
            feedbackGiven: cell(episodes) { $0.episode.feedbackGiven },
            rupturesRecorded: cell(episodes) { $0.episode.rupturesRecorded },
            rupturesRepaired: cell(episodes) { $0.episode.rupturesRepaired },
            recoveredFollowedUp: cell(active) { $0.followedUp ? 1 : 0 },
            sustainedRecovery: cell(active) { $0.sustained ? 1 : 0 },
            feedbackTotal: episodes.reduce(0) { $0 + $1.episode.feedbackTotal })
    }

    /// With the practice total shown, a single hidden therapist cell in a column is the total less the others: hide
    /// the smallest shown cell beside it that is about someone as well, so neither can be worked out. Not a zero: a
    /// zero is often plain from the same line's other figures (all improved, so none got worse). With no such cell,
    /// the practice's own cell is hidden instead.
    static func suppressComplements(_ lines: inout [OutcomeLine], practice: inout OutcomeLine) {
        guard lines.count > 1 else { return }
        for column in OutcomeLine.columns {
            let hidden = lines.indices.filter { lines[$0][keyPath: column.cell].suppressed }
            guard hidden.count == 1, !practice[keyPath: column.cell].suppressed else { continue }
            let candidates = lines.indices.filter { !lines[$0][keyPath: column.cell].suppressed && lines[$0][keyPath: column.cell].count > 0 }
            if let smallest = candidates.min(by: { lines[$0][keyPath: column.cell].count < lines[$1][keyPath: column.cell].count }) {
                lines[smallest][keyPath: column.cell].suppressed = true
            } else {
                practice[keyPath: column.cell].suppressed = true
            }
        }
    }
}
