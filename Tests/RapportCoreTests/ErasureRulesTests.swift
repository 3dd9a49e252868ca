import Foundation
import RapportCore
import Testing

/// When a record may be erased (issue 12, point 5).
@Suite struct ErasureRulesTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-29
    static func yearsAgo(_ years: Double) -> Date { now.addingTimeInterval(-years * 365.25 * 86_400) }

    @Test func theClientsRequestAfterTheRetentionPeriodAllowsIt() {
        #expect(ErasureRules.decide(endedAt: Self.yearsAgo(7.1), requestedAt: Self.now, retentionYears: nil, legalReason: nil, now: Self.now)
                == .allowed(.retentionPassed))
        #expect(ErasureRules.decide(endedAt: Self.yearsAgo(2.1), requestedAt: Self.now, retentionYears: 2, legalReason: nil, now: Self.now)
                == .allowed(.retentionPassed))
    }

    @Test func beforeTheRetentionPeriodEndsTheRefusalSaysUntilWhen() {
        let ended = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14
        guard case .refused(let why) = ErasureRules.decide(endedAt: ended, requestedAt: Self.now, retentionYears: nil, legalReason: nil, now: Self.now) else {
            Issue.record("allowed three years after the ending")
            return
        }
        #expect(why.contains("7 years") && why.contains("2030-11-14"))
        // The exact moment: one second before the anniversary refused, at it allowed.
        let ends = ErasureRules.retentionEnds(endedAt: ended, years: 7)
        #expect(ErasureRules.dayText(ends) == "2030-11-14")
        #expect(ErasureRules.decide(endedAt: ended, requestedAt: ends, retentionYears: 7, legalReason: nil, now: ends.addingTimeInterval(-1)) != .allowed(.retentionPassed))
        #expect(ErasureRules.decide(endedAt: ended, requestedAt: ends, retentionYears: 7, legalReason: nil, now: ends) == .allowed(.retentionPassed))
    }

    @Test func withoutARequestOrAnEndingItIsRefused() {
        guard case .refused(let noRequest) = ErasureRules.decide(endedAt: Self.yearsAgo(9), requestedAt: nil, retentionYears: nil, legalReason: nil, now: Self.now),
              case .refused(let noEnding) = ErasureRules.decide(endedAt: nil, requestedAt: Self.now, retentionYears: nil, legalReason: nil, now: Self.now)
        else {
            Issue.record("allowed without a request, or before therapy ended")
            return
        }
        #expect(noRequest.contains("has not asked"))
        #expect(noEnding.contains("has not ended"))
    }

    @Test func aLegalReasonAllowsItEarlyIfItSaysEnough() {
        #expect(ErasureRules.decide(endedAt: nil, requestedAt: nil, retentionYears: nil, legalReason: "Court order 2026/77 requires it.", now: Self.now)
                == .allowed(.legalReason))
        #expect(ErasureRules.decide(endedAt: nil, requestedAt: nil, retentionYears: nil, legalReason: "too short", now: Self.now)
                != .allowed(.legalReason))
        #expect(ErasureRules.decide(endedAt: nil, requestedAt: nil, retentionYears: nil, legalReason: String(repeating: "a", count: 1001), now: Self.now)
                != .allowed(.legalReason))
    }

    @Test func aStoredPeriodOutOfRangeFallsBackToTheDefault() {
        // 0 years would allow erasure at the ending itself; a damaged row must not shorten the period.
        #expect(ErasureRules.decide(endedAt: Self.yearsAgo(1), requestedAt: Self.now, retentionYears: 0, legalReason: nil, now: Self.now)
                != .allowed(.retentionPassed))
        #expect(ErasureRules.decide(endedAt: Self.yearsAgo(8), requestedAt: Self.now, retentionYears: Int.max, legalReason: nil, now: Self.now)
                == .allowed(.retentionPassed))
    }
}
