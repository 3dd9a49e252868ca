import Foundation
import Testing
@testable import RapportCore

/// The possible-rupture rules (issue 10, point 1): a table per rule, raised and not raised at each threshold, and
/// properties that hold for any timeline.
@Suite struct RuptureRulesTests {
    typealias S = TimelineSession

    static func fb(_ items: [Double], comment: Bool = false) -> S.Feedback { S.Feedback(items: items, comment: comment) }
    static func held(_ items: [Double]?, checkIn: S.OutcomeCheckIn? = .done) -> S {
        S(attendance: .attended, feedback: items.map { fb($0) }, outcomeCheckIn: checkIn)
    }
    static let clean = held([10, 10, 9, 10])

    func rules(_ sessions: [S]) -> [String] { RuptureRules.signals(sessions).map { "\($0.session):\($0.rule)" } }

    @Test(arguments: [
        // previous total, this total, raised?
        ([10.0, 10, 10, 10], [9.0, 9, 9, 8], true),    // 40 → 35: a fall of 5
        ([10.0, 10, 10, 10], [9.0, 9, 9, 9], false),   // 40 → 36: a fall of 4
        ([9.0, 9, 9, 9], [8.0, 8, 8, 7.5], false),     // 36 → 31.5: a fall of 4.5
        ([9.0, 9, 9, 9], [8.0, 8, 8, 7], true),        // 36 → 31
        ([6.0, 6, 6, 6], [10.0, 10, 10, 10], false),   // a rise is never a drop
    ])
    func feedbackDrop(previous: [Double], current: [Double], raised: Bool) {
        let found = RuptureRules.signals([Self.held(previous), Self.held(current)]).filter { $0.rule == "feedback-drop" }
        #expect(found.count == (raised ? 1 : 0))
        if raised {
            #expect(found[0].session == 1 && found[0].type == .confrontation)
            #expect(found[0].evidence.contains("fell from"))
        }
    }

    @Test func aDropIsMeasuredFromThePreviousFeedbackGivenNotFromASessionWithout() {
        let sessions = [Self.held([10, 10, 10, 10]), Self.held(nil), Self.held([8, 9, 9, 9])]
        #expect(rules(sessions).contains("2:feedback-drop"), "40 then (none) then 35")
    }

    @Test(arguments: [
        ([6.0, 10, 10, 10], false),
        ([5.9, 10, 10, 10], true),
        ([10.0, 10, 10, 5], true),
        ([0.0, 0, 0, 0], true),
    ])
    func anItemBelowSix(items: [Double], raised: Bool) {
        let found = RuptureRules.signals([Self.held(items)]).filter { $0.rule == "feedback-item-low" }
        #expect(found.count == (raised ? 1 : 0))
        if let signal = found.first, items[3] < 6 { #expect(signal.evidence.contains("the session overall")) }
        if let signal = found.first, items[0] < 6 { #expect(signal.evidence.contains("feeling heard")) }
    }

    @Test func belowThirtySixOnlyTheFirstTime() {
        let sessions = [Self.held([9, 9, 9, 9]), Self.held([9, 9, 9, 8.5]), Self.held([10, 10, 10, 10]), Self.held([9, 9, 8, 9])]
        // 36 (not below), 35.5 (first time below), 40, 35 (below again: not the first time)
        let found = RuptureRules.signals(sessions).filter { $0.rule == "feedback-below-36-first" }
        #expect(found.map(\.session) == [1])
        #expect(found.first?.evidence.contains("35.5 of 40") == true)
    }

    @Test(arguments: [
        // the markers of the last sessions after two clean ones; the session a withdrawal signal is raised at (or nil)
        ([S(attendance: .late, lateMinutes: 10, feedback: fb([10, 10, 10, 10]), outcomeCheckIn: .done),
          S(attendance: .didNotAttend, feedback: nil, outcomeCheckIn: .done)], 3 as Int?),
        ([S(attendance: .late, lateMinutes: 9, feedback: fb([10, 10, 10, 10]), outcomeCheckIn: .done),
          S(attendance: .didNotAttend, feedback: nil, outcomeCheckIn: .done)], nil),            // 9 minutes late is no marker
        ([S(attendance: .cancelledLate, feedback: nil, outcomeCheckIn: nil), clean, clean,
          S(attendance: .didNotAttend, feedback: nil, outcomeCheckIn: nil)], nil),               // three apart: not within three
        ([S(attendance: .attended, feedback: nil, outcomeCheckIn: .missed)], 2),                  // feedback not given + check-in missed
        ([S(attendance: .cancelledLate, feedback: nil, outcomeCheckIn: nil)], nil),              // one marker only
        ([S(attendance: .cancelledLate, feedback: nil, outcomeCheckIn: nil), clean,
          S(attendance: .late, lateMinutes: 25, feedback: fb([10, 10, 10, 10]), outcomeCheckIn: .done)], 4),
    ])
    func withdrawalMarkers(recent: [S], raisedAt: Int?) {
        let sessions = [Self.clean, Self.clean] + recent
        let found = RuptureRules.signals(sessions).filter { $0.rule == "withdrawal-markers" }
        #expect(found.map(\.session) == (raisedAt.map { [$0] } ?? []))
        #expect(found.allSatisfy { $0.type == .withdrawal })
    }

    @Test func withdrawalNeedsACleanRecordBeforeTheCluster() {
        let marked = S(attendance: .didNotAttend, feedback: nil, outcomeCheckIn: nil)
        // Markers at sessions 1 and 2 raise at 2 (the record before was clean); more markers right after do not
        // raise again, and a cluster after an earlier marker is not "new".
        let sessions = [Self.clean, marked, marked, marked, Self.clean, marked, marked]
        #expect(RuptureRules.signals(sessions).filter { $0.rule == "withdrawal-markers" }.map(\.session) == [2])
        let evidence = RuptureRules.signals(sessions).first { $0.rule == "withdrawal-markers" }?.evidence ?? ""
        #expect(evidence.contains("session 2: did not attend") && evidence.contains("session 3: did not attend"))
    }

    @Test func cancelledAndMissedSessionsAskNoFeedback() {
        #expect(RuptureRules.markers(of: S(attendance: .didNotAttend, feedback: nil, outcomeCheckIn: nil)) == ["did not attend"])
        #expect(RuptureRules.markers(of: S(attendance: .attended, feedback: nil, outcomeCheckIn: nil)) == ["feedback not given"])
        #expect(RuptureRules.markers(of: Self.clean).isEmpty)
    }

    @Test(arguments: [
        // feedback totals then check-ins; raised at
        ([40.0, 40], [RuptureRules.missedAfterPerfect], 3 as Int?),
        ([40.0, 39], [2], nil),    // not always perfect
        ([40.0], [1], nil),        // one check-in missed only
    ])
    func perfectFeedbackThenMissedCheckIns(totals: [Double], misses: [Int], raisedAt: Int?) {
        var sessions = totals.map { total in Self.held([10, 10, 10, total - 30]) }
        for _ in 0..<(misses.first ?? 0) {
            // Held, feedback given perfect (so the withdrawal-marker rule sees only the missed check-in).
            sessions.append(S(attendance: .attended, feedback: Self.fb([10, 10, 10, 10]), outcomeCheckIn: .missed))
        }
        let found = RuptureRules.signals(sessions).filter { $0.rule == "perfect-feedback-then-missed" }
        #expect(found.map(\.session) == (raisedAt.map { [$0] } ?? []), "\(totals) \(misses)")
    }

    // MARK: Properties, over many generated timelines

    static func random(_ count: Int, _ generator: inout some RandomNumberGenerator) -> [S] {
        (0..<count).map { _ in
            let attendance = Attendance.allCases.randomElement(using: &generator)!
            let held = attendance == .attended || attendance == .late
            let feedback: S.Feedback? = held && Bool.random(using: &generator)
                ? fb((0..<4).map { _ in Double(Int.random(in: 3...10, using: &generator)) }, comment: Bool.random(using: &generator)) : nil
            let checkIn: S.OutcomeCheckIn? = [S.OutcomeCheckIn.done, .missed, nil].randomElement(using: &generator)!
            return S(attendance: attendance, lateMinutes: attendance == .late ? Int.random(in: 1...40, using: &generator) : nil,
                     feedback: feedback, outcomeCheckIn: checkIn)
        }
    }

    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func noSignalWithoutEvidenceAndLaterSessionsNeverChangeEarlierSignals() {
        var generator = Seeded(state: 20261203)
        for _ in 0..<500 {
            let timeline = Self.random(Int.random(in: 0...14, using: &generator), &generator)
            let signals = RuptureRules.signals(timeline)
            for signal in signals {
                #expect(signal.session >= 0 && signal.session < timeline.count)
                #expect(!signal.evidence.isEmpty && signal.evidence.contains("ession \(signal.session + 1)"))
                #expect(RuptureRules.all.contains { $0.id == signal.rule && $0.type == signal.type })
                // Evidence is there: a feedback rule's session has feedback, a withdrawal marker rule's has a marker.
                switch signal.rule {
                case "feedback-drop", "feedback-item-low", "feedback-below-36-first":
                    #expect(timeline[signal.session].feedback != nil)
                case "withdrawal-markers":
                    #expect(!RuptureRules.markers(of: timeline[signal.session]).isEmpty)
                default:
                    #expect(timeline[signal.session].outcomeCheckIn == .missed)
                }
            }
            // The same timeline gives the same signals, and a prefix's signals are exactly the signals up to it.
            #expect(RuptureRules.signals(timeline) == signals)
            for cut in 0...timeline.count {
                #expect(RuptureRules.signals(Array(timeline.prefix(cut))) == signals.filter { $0.session < cut })
            }
        }
    }

    @Test func aCalmTimelineRaisesNothing() {
        #expect(RuptureRules.signals([]).isEmpty)
        #expect(RuptureRules.signals(Array(repeating: Self.clean, count: 20)).isEmpty)
    }

    @Test func everyRuleIsDocumentedWithItsSource() {
        #expect(Set(RuptureRules.all.map(\.id)).count == RuptureRules.all.count)
        for rule in RuptureRules.all {
            #expect(!rule.summary.isEmpty && !rule.rationale.isEmpty && rule.source.count > 20, "\(rule.id)")
        }
        #expect(Set(RuptureRules.all.map(\.type)) == [.withdrawal, .confrontation])
    }

    /// What the caseload says about each rule, in a few words.
    @Test func eachSignalHasItsFewWords() {
        let late = S(attendance: .late, lateMinutes: 15, feedback: nil, outcomeCheckIn: .missed)
        let silent = Self.held(nil)
        let cases: [([S], String)] = [
            ([Self.held([10, 10, 10, 10]), Self.held([8, 8, 7, 7])], "feedback fell 40 → 30"),
            ([Self.held([10, 10, 5, 10])], "feedback: the way of working 5 of 10"),
            ([Self.held([9, 9, 8, 9])], "feedback 35 of 40, first time below 36"),
            ([Self.clean, late], "withdrawal: late by 15 minutes, feedback not given, outcome check-in missed"),
            ([Self.clean, silent, silent], "withdrawal: feedback not given ×2"),
            ([Self.held([10, 10, 10, 10]), Self.held([10, 10, 10, 10], checkIn: .missed), Self.held([10, 10, 10, 10], checkIn: .missed)],
             "feedback always 40, then 2 check-ins missed"),
        ]
        for (timeline, words) in cases {
            let briefs = RuptureRules.signals(timeline).map { RuptureRules.brief($0, in: timeline) }
            #expect(briefs.contains(words), "\(briefs)")
        }
    }
}
