import Foundation
import Testing
@testable import RapportCore

/// Practice outcomes (issue 10, point 7): the NHS Talking Therapies episode outcomes with the PHQ-9 + GAD-7 paired
/// rules, case by case at their thresholds; the single-measure fallback; and the suppression of small cells.
@Suite struct PracticeOutcomesTests {
    static let definitions = InstrumentCatalogue.shipped

    static func scores(phq: (Double, Double)? = nil, gad: (Double, Double)? = nil, core: (Double, Double)? = nil, count: Int = 2) -> [String: EpisodeScores] {
        var scores: [String: EpisodeScores] = [:]
        if let phq { scores["phq-9"] = EpisodeScores(instrumentID: "phq-9", first: phq.0, latest: phq.1, count: count) }
        if let gad { scores["gad-7"] = EpisodeScores(instrumentID: "gad-7", first: gad.0, latest: gad.1, count: count) }
        if let core { scores["core-10"] = EpisodeScores(instrumentID: "core-10", first: core.0, latest: core.1, count: count) }
        return scores
    }

    struct Case: Sendable, CustomStringConvertible {
        let phq: (Double, Double)
        let gad: (Double, Double)
        let improved: Bool
        let deteriorated: Bool
        let atCaseness: Bool
        let recovered: Bool
        let reliablyRecovered: Bool
        var description: String { "PHQ-9 \(phq.0)→\(phq.1), GAD-7 \(gad.0)→\(gad.1)" }
    }

    /// Each row by hand from the definitions: PHQ-9 caseness ≥ 10, reliable change 6; GAD-7 caseness ≥ 8, change 4.
    static let paired: [Case] = [
        // Both fall reliably and end below caseness: reliable recovery.
        Case(phq: (18, 6), gad: (14, 5), improved: true, deteriorated: false, atCaseness: true, recovered: true, reliablyRecovered: true),
        // Exactly the reliable-change amounts count; one less doesn't.
        Case(phq: (15, 9), gad: (10, 10), improved: true, deteriorated: false, atCaseness: true, recovered: false, reliablyRecovered: false),
        Case(phq: (15, 10), gad: (11, 8), improved: false, deteriorated: false, atCaseness: true, recovered: false, reliablyRecovered: false),
        Case(phq: (15, 10), gad: (11, 7), improved: true, deteriorated: false, atCaseness: true, recovered: false, reliablyRecovered: false),
        // Recovery needs both below caseness at the end: PHQ-9 9 and GAD-7 7 is recovered; GAD-7 8 is not.
        Case(phq: (12, 9), gad: (9, 7), improved: false, deteriorated: false, atCaseness: true, recovered: true, reliablyRecovered: false),
        Case(phq: (16, 9), gad: (9, 8), improved: true, deteriorated: false, atCaseness: true, recovered: false, reliablyRecovered: false),
        // Caseness at the start on either measure is enough: GAD-7 alone at 8.
        Case(phq: (9, 2), gad: (8, 3), improved: true, deteriorated: false, atCaseness: true, recovered: true, reliablyRecovered: true),
        // Neither at caseness: improvement can happen, recovery can't.
        Case(phq: (9, 3), gad: (7, 2), improved: true, deteriorated: false, atCaseness: false, recovered: false, reliablyRecovered: false),
        // One better and one worse, both reliably: neither improvement nor deterioration.
        Case(phq: (16, 9), gad: (6, 10), improved: false, deteriorated: false, atCaseness: true, recovered: false, reliablyRecovered: false),
        // Worse on one, no reliable change on the other: deterioration.
        Case(phq: (8, 14), gad: (6, 7), improved: false, deteriorated: true, atCaseness: false, recovered: false, reliablyRecovered: false),
        Case(phq: (12, 13), gad: (9, 13), improved: false, deteriorated: true, atCaseness: true, recovered: false, reliablyRecovered: false),
    ]

    @Test(arguments: paired)
    func thePairedRules(_ expected: Case) throws {
        let outcome = try #require(EpisodeOutcomes.classify(Self.scores(phq: expected.phq, gad: expected.gad), definitions: Self.definitions))
        #expect(outcome.isPaired && outcome.basis == ["phq-9", "gad-7"])
        #expect(outcome.reliableImprovement == expected.improved, "reliable improvement")
        #expect(outcome.reliableDeterioration == expected.deteriorated, "reliable deterioration")
        #expect(outcome.atCaseness == expected.atCaseness, "at caseness")
        #expect(outcome.recovery == expected.recovered, "recovery")
        #expect(outcome.reliableRecovery == expected.reliablyRecovered, "reliable recovery")
    }

    @Test func withOneMeasureScoredTwiceThatMeasureDecidesAlone() throws {
        // GAD-7 only once: PHQ-9 alone, 15 → 9 is a reliable recovery on its own.
        let phqOnly = try #require(EpisodeOutcomes.classify(Self.scores(phq: (15, 9)).merging(
            ["gad-7": EpisodeScores(instrumentID: "gad-7", first: 15, latest: 15, count: 1)]) { a, _ in a }, definitions: Self.definitions))
        #expect(phqOnly.basis == ["phq-9"] && phqOnly.reliableRecovery && !phqOnly.isPaired)
        // GAD-7 alone: 9 → 13 is a reliable deterioration.
        let gadOnly = try #require(EpisodeOutcomes.classify(Self.scores(gad: (9, 13)), definitions: Self.definitions))
        #expect(gadOnly.basis == ["gad-7"] && gadOnly.reliableDeterioration && !gadOnly.reliableImprovement)
        // Neither of the pair: the next outcome measure with a cutoff (CORE-10 here).
        let core = try #require(EpisodeOutcomes.classify(Self.scores(core: (20, 8)), definitions: Self.definitions))
        #expect(core.basis == ["core-10"] && core.reliableImprovement)
    }

    @Test func anEpisodeWithoutASecondScoreHasNoOutcome() {
        #expect(EpisodeOutcomes.classify(Self.scores(phq: (15, 15), gad: (12, 12), count: 1), definitions: Self.definitions) == nil)
        #expect(EpisodeOutcomes.classify([:], definitions: Self.definitions) == nil)
        // A stored total no measure can give is not classified rather than guessed at.
        #expect(EpisodeOutcomes.classify(Self.scores(phq: (15, 31)), definitions: Self.definitions) == nil)
    }

    // MARK: Aggregates and small cells

    static func episode(_ therapist: UUID, phq: (Double, Double)?, feedback: Int = 0, ruptures: (Int, Int) = (0, 0)) -> Episode {
        Episode(clientID: UUID(), therapistID: therapist, scores: phq.map { scores(phq: $0) } ?? [:], activeInRange: true,
                sessionsAttended: 4, feedbackGiven: feedback, feedbackTotal: Double(feedback) * 36, rupturesRecorded: ruptures.0,
                rupturesRepaired: ruptures.1)
    }

    @Test func countsPerTherapistAndForThePracticeWithSharesOfTheRightWhole() throws {
        let a = UUID(), b = UUID()
        // Therapist a: 6 improved and recovered, 1 unchanged, 1 with one score only. Therapist b: 5 improved (16 → 10,
        // still at caseness), 5 worse.
        var episodes = (0..<6).map { _ in Self.episode(a, phq: (16, 6), feedback: 2) }
        episodes.append(Self.episode(a, phq: (12, 12), feedback: 2))
        episodes.append(Episode(clientID: UUID(), therapistID: a, scores: Self.scores(phq: (14, 14), count: 1), activeInRange: true))
        episodes += (0..<5).map { _ in Self.episode(b, phq: (16, 10), feedback: 1, ruptures: (1, 1)) }
        episodes += (0..<5).map { _ in Self.episode(b, phq: (5, 12), feedback: 1) }
        let report = PracticeOutcomes.report(episodes, therapists: [a, b], definitions: Self.definitions)
        let practice = report.practice
        #expect(practice.episodes.shown == 18 && practice.measuredTwice.shown == 17)
        #expect(practice.reliableImprovement.shown == 11 && practice.reliableDeterioration.shown == 5)
        #expect(practice.atCaseness.shown == 12 && practice.recovery.shown == 6 && practice.reliableRecovery.shown == 6)
        #expect(practice.reliableImprovementShare == 11.0 / 17 && practice.recoveryShare == 6.0 / 12)
        #expect(practice.feedbackGiven.shown == 24 && practice.sessionsAttended.shown == 68 && practice.feedbackMean == 36)
        #expect(practice.rupturesRecorded.shown == 5 && practice.rupturesRepairedShare == 1)
        let lineA = report.therapists[0], lineB = report.therapists[1]
        #expect(lineA.group == .therapist(a) && lineA.episodes.shown == 8 && lineA.measuredTwice.shown == 7 && lineA.reliableRecovery.shown == 6)
        #expect(lineB.reliableImprovement.shown == 5 && lineB.reliableDeterioration.shown == 5 && lineB.recovery.shown == 0)
    }

    @Test func aCellAboutOneToFourPeopleIsHiddenAndSoIsAnyShareResting_on_it() {
        for people in 0...6 {
            let cell = OutcomeCell(count: people * 3, people: people)
            #expect(cell.suppressed == (people >= 1 && people <= 4), "\(people) people")
        }
        let a = UUID()
        // Four episodes: every count about them is hidden, and every share.
        let report = PracticeOutcomes.report((0..<4).map { _ in Self.episode(a, phq: (16, 6)) }, therapists: [a], definitions: Self.definitions)
        #expect(report.practice.episodes.shown == nil && report.practice.reliableImprovementShare == nil && report.practice.feedbackMean == nil)
        #expect(report.therapists[0].recovery.shown == nil)
        // Zero is about nobody: it is shown.
        #expect(report.practice.reliableDeterioration.shown == 0)
    }

    @Test func aSingleHiddenTherapistCellHidesTheNextSmallestSoThePracticeTotalGivesNothingAway() throws {
        let a = UUID(), b = UUID(), c = UUID(), d = UUID()
        // Deterioration: a 0, b 2 (hidden), c 6, d 7; the practice 15 is shown. 15 − 0 − 6 − 7 would give b away. a's 0
        // is no cover (a's 8 all improved, so none got worse): c's 6, the smallest about someone, is hidden too.
        var episodes = (0..<8).map { _ in Self.episode(a, phq: (16, 6)) }
        episodes += (0..<2).map { _ in Self.episode(b, phq: (5, 12)) } + (0..<6).map { _ in Self.episode(b, phq: (16, 6)) }
        episodes += (0..<6).map { _ in Self.episode(c, phq: (5, 12)) }
        episodes += (0..<7).map { _ in Self.episode(d, phq: (5, 12)) }
        let report = PracticeOutcomes.report(episodes, therapists: [a, b, c, d], definitions: Self.definitions)
        #expect(report.practice.reliableDeterioration.shown == 15)
        #expect(report.therapists[1].reliableDeterioration.shown == nil)
        #expect(report.therapists[0].reliableDeterioration.shown == 0, "a zero is no cover")
        #expect(report.therapists[2].reliableDeterioration.shown == nil, "the complement of the one hidden cell")
        #expect(report.therapists[3].reliableDeterioration.shown == 7)
        // With nothing else about anyone in the column, the practice's own cell is hidden instead.
        let alone = (0..<8).map { _ in Self.episode(a, phq: (16, 6)) } + (0..<2).map { _ in Self.episode(b, phq: (5, 12)) }
            + (0..<6).map { _ in Self.episode(b, phq: (16, 6)) }
        let hiddenTotal = PracticeOutcomes.report(alone, therapists: [a, b], definitions: Self.definitions)
        #expect(hiddenTotal.practice.reliableDeterioration.shown == nil && hiddenTotal.therapists[0].reliableDeterioration.shown == 0)
        // Two hidden cells already hide each other: nothing more is hidden.
        let more = episodes + (0..<3).map { _ in Self.episode(a, phq: (5, 12)) }
        let second = PracticeOutcomes.report(more, therapists: [a, b, c, d], definitions: Self.definitions)
        #expect(second.therapists[0].reliableDeterioration.shown == nil && second.therapists[1].reliableDeterioration.shown == nil)
        #expect(second.therapists[2].reliableDeterioration.shown == 6 && second.therapists[3].reliableDeterioration.shown == 7)
    }

    @Test func aClientSeenByTwoTherapistsIsOnePersonForThePractice() {
        let a = UUID(), b = UUID()
        let clients = (0..<3).map { _ in UUID() }
        // Three clients, each with both therapists: six episodes, but three people, so the practice line is hidden.
        let episodes = clients.flatMap { client in
            [a, b].map { Episode(clientID: client, therapistID: $0, scores: Self.scores(phq: (16, 6)), activeInRange: true) }
        }
        let report = PracticeOutcomes.report(episodes, therapists: [a, b], definitions: Self.definitions)
        #expect(report.practice.episodes.count == 6 && report.practice.episodes.people == 3 && report.practice.episodes.suppressed)
    }

    @Test func theOrderOfTheEpisodesDoesNotChangeTheReport() {
        let therapists = (0..<3).map { _ in UUID() }
        var episodes: [Episode] = []
        for index in 0..<60 {
            let first = Double(5 + index % 20)
            episodes.append(Self.episode(therapists[index % 3], phq: (first, Double((index * 7) % 28)), feedback: index % 4,
                                         ruptures: (index % 5 == 0 ? 1 : 0, index % 10 == 0 ? 1 : 0)))
        }
        let forwards = PracticeOutcomes.report(episodes, therapists: therapists, definitions: Self.definitions)
        let backwards = PracticeOutcomes.report(episodes.reversed(), therapists: therapists, definitions: Self.definitions)
        #expect(forwards.practice == backwards.practice && forwards.therapists == backwards.therapists)
    }

    /// Sustained recovery (issue 11): of the recovered episodes followed up after the ending on every measure the
    /// recovery rested on, those still below caseness then.
    @Test func sustainedRecoveryCountsRecoveredEpisodesStillBelowCasenessAtTheirFollowUp() {
        let definitions = InstrumentCatalogue.shipped
        let recovered = Self.scores(phq: (16, 6), gad: (12, 4))
        let outcome = EpisodeOutcomes.classify(recovered, definitions: definitions)
        #expect(outcome?.recovery == true && outcome?.isPaired == true)
        let cases: [([String: Double], Bool, Bool)] = [
            (["phq-9": 7, "gad-7": 5], true, true),      // still below on both
            (["phq-9": 11, "gad-7": 5], true, false),    // PHQ-9 back at caseness
            (["phq-9": 7, "gad-7": 9], true, false),     // GAD-7 back at caseness
            (["phq-9": 7], false, false),                // not followed up on both measures it rests on
            ([:], false, false),
        ]
        for (followUp, followed, sustained) in cases {
            let result = EpisodeOutcomes.sustained(outcome, scores: recovered, followUp: followUp, definitions: definitions)
            #expect(result.followedUp == followed && result.sustained == sustained, "\(followUp)")
        }
        // An episode that didn't recover is never counted, whatever its follow-up.
        let notRecovered = Self.scores(phq: (16, 14), gad: (12, 11))
        #expect(EpisodeOutcomes.sustained(EpisodeOutcomes.classify(notRecovered, definitions: definitions), scores: notRecovered,
                                          followUp: ["phq-9": 3, "gad-7": 2], definitions: definitions) == (false, false))

        // In the report: six followed up, five still recovered; shown (six people, five people).
        let therapist = UUID()
        var episodes: [Episode] = []
        for index in 0..<6 {
            var episode = Episode(clientID: UUID(), therapistID: therapist, scores: recovered, activeInRange: true)
            episode.followUp = index == 0 ? ["phq-9": 12, "gad-7": 3] : ["phq-9": 5, "gad-7": 3]
            episodes.append(episode)
        }
        episodes.append(Episode(clientID: UUID(), therapistID: therapist, scores: recovered, activeInRange: true))
        let report = PracticeOutcomes.report(episodes, therapists: [therapist], definitions: definitions)
        #expect(report.practice.recoveredFollowedUp.shown == 6 && report.practice.sustainedRecovery.shown == 5)
        #expect(report.practice.sustainedRecoveryShare.map { abs($0 - 5.0 / 6.0) < 1e-9 } == true)
    }
}
