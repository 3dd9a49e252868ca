import Foundation
import Testing
@testable import RapportCore

/// Practice between sessions (issue 11, point 4): when two quiet weeks count as a withdrawal marker, at the edges.
@Suite struct PracticeRulesTests {
    static let session = Date(timeIntervalSince1970: 1_800_000_000)
    static func day(_ n: Double) -> Date { session.addingTimeInterval(n * 86_400) }

    @Test(arguments: [
        // agreed from, until (nil: running), attempts (days before the session), quiet?
        (-14.0, nil as Double?, [] as [Double], true),      // agreed exactly two weeks before, nothing logged
        (-13.9, nil, [], false),                             // agreed less than two weeks before: not yet
        (-30, nil, [-14], false),                            // logged on the first day of the fortnight
        (-30, nil, [-14.01], true),                          // logged just before it
        (-30, nil, [0], false),                              // logged at the session's start
        (-30, nil, [0.01], true),                            // logged after the session: not before it
        (-30, -5, [], false),                                // stopped within the fortnight: nothing to log
        (-30, 0, [], true),                                  // stopped as the session starts: agreed all through
        (-30, nil, [-20, -15], true),                        // logged, but not within the fortnight
    ])
    func quietFortnight(from: Double, until: Double?, attempts: [Double], quiet: Bool) {
        let history = PracticeHistory(agreed: [.init(from: Self.day(from), until: until.map(Self.day))], attempts: attempts.map(Self.day))
        #expect(history.notLogged(before: Self.session) == quiet)
    }

    @Test func onePracticeAfterAnotherCountsAsOne() {
        // Replaced nine days ago: two spans that touch cover the fortnight; a gap between them does not.
        let touching = PracticeHistory(agreed: [.init(from: Self.day(-9), until: nil), .init(from: Self.day(-30), until: Self.day(-9))], attempts: [])
        #expect(touching.notLogged(before: Self.session))
        let gap = PracticeHistory(agreed: [.init(from: Self.day(-30), until: Self.day(-10)), .init(from: Self.day(-9), until: nil)], attempts: [])
        #expect(!gap.notLogged(before: Self.session))
        #expect(!PracticeHistory.none.notLogged(before: Self.session))
    }

    @Test func theMarkerIsOneOfTheWithdrawalMarkers() {
        let quiet = TimelineSession(attendance: .attended, feedback: nil, outcomeCheckIn: nil, feedbackAsked: false, practiceNotLogged: true)
        #expect(RuptureRules.markers(of: quiet) == ["practice not logged for two weeks"])
        let clean = TimelineSession(attendance: .attended, feedback: nil, outcomeCheckIn: nil, feedbackAsked: false)
        let signals = RuptureRules.signals([clean, quiet, quiet])
        #expect(signals.map(\.rule) == ["withdrawal-markers"] && signals.first?.session == 2)
        #expect(RuptureRules.brief(signals[0], in: [clean, quiet, quiet]) == "withdrawal: practice not logged for two weeks ×2")
        #expect(RuptureRules.all.first { $0.id == "withdrawal-markers" }?.summary.contains("practice not logged for two weeks") == true)
    }

    @Test func agreementsAreCheckedFieldByField() {
        #expect(PracticeRules.problems(what: "Say no once", frequency: "once-a-week", why: "").isEmpty)
        #expect(PracticeRules.problems(what: " \n", frequency: "once-a-week", why: "").map(\.field) == ["what"])
        #expect(PracticeRules.problems(what: "x", frequency: nil, why: "").map(\.field) == ["frequency"])
        #expect(PracticeRules.problems(what: "x", frequency: "ONCE-A-WEEK", why: "").map(\.field) == ["frequency"])
        #expect(PracticeRules.problems(what: String(repeating: "é", count: 301), frequency: "x", why: String(repeating: "y", count: 601))
            .map(\.field) == ["what", "frequency", "why"])
        #expect(PracticeRules.noteProblem(String(repeating: "n", count: 1000)) == nil)
        #expect(PracticeRules.noteProblem(String(repeating: "n", count: 1001))?.field == "note")
        #expect(PracticeRules.weekWords(frequency: .threeTimesAWeek, attemptsThisWeek: 2) == "2 of 3 in the last 7 days")
        #expect(PracticeRules.weekWords(frequency: .whenItComesUp, attemptsThisWeek: 1) == "1 time in the last 7 days")
    }
}
