import Foundation
import Testing
@testable import RapportCore

/// Expected course and not-on-track (issue 10, point 3): the shipped model, worked examples by hand, the edges of
/// the band, and the fit on a practice's own episodes.
@Suite struct ExpectedCourseTests {
    static let phq9 = InstrumentCatalogue.definition(id: "phq-9")!
    static let ors = InstrumentCatalogue.definition(id: "ors")!

    static func defaults(_ definition: InstrumentDefinition) -> CourseParameters {
        ExpectedCourses.defaultParameters(for: definition)!
    }

    @Test func theShippedModelHasParametersWithASourceForEveryOutcomeMeasureWithACutoffAndNoOther() throws {
        let model = try ExpectedCourses.loadDefault()
        let withCutoff = InstrumentCatalogue.shipped.filter { $0.purpose == .outcome && $0.casenessCutoff != nil }.map(\.id)
        #expect(Set(model.instruments.map(\.instrument)) == Set(withCutoff))
        #expect(Set(withCutoff) == ["phq-9", "gad-7", "core-10", "ors"])
        #expect(abs(model.rate - 0.5 / log(9.0)) < 0.0001, "half the distance gone by the eighth score")
        for entry in model.instruments {
            let definition = try #require(InstrumentCatalogue.definition(id: entry.instrument))
            #expect(definition.totalRange.contains(entry.target))
            #expect(!entry.targetSource.isEmpty && !entry.spreadSource.isEmpty)
            // The default spread is the reliable-change amount back to one standard error of a difference.
            let reliableChange = try #require(definition.reliableChange)
            #expect(abs(entry.spread - reliableChange / 1.96) < 0.01, "\(entry.instrument)")
        }
        #expect(ExpectedCourses.defaultParameters(for: InstrumentCatalogue.definition(id: "session-feedback")!) == nil)
    }

    /// PHQ-9 from 15, by hand: target 2.91, rate 0.2276, band ± 1.2816 × 3.06 = ± 3.92.
    /// n = 4: 2.91 + 12.09 × (1 − 0.2276 × ln 5) = 10.57, upper edge 14.49, so 15 is not on track and 14 would be.
    @Test func aWorkedPHQ9Course() throws {
        let course = try ExpectedCourses.course([15, 13, 12, 14, 15], definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        let expected = [15, 13.093, 11.977, 11.185, 10.571]
        let upper = [18.922, 17.014, 15.899, 15.107, 14.493]
        for index in 0..<5 {
            #expect(abs(course.expected[index] - expected[index]) < 0.001)
            #expect(abs(course.upper[index] - upper[index]) < 0.001)
            #expect(abs(course.lower[index] - (expected[index] - 3.92170)) < 0.001)
        }
        #expect(course.notOnTrack == [false, false, false, false, true])
        #expect(course.latestRunNotOnTrack == 1)
        #expect(course.model == "rapport-default-2026")
        let onTrack = try ExpectedCourses.course([15, 13, 12, 14, 14], definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        #expect(onTrack.notOnTrack.last == false)
    }

    /// ORS runs the other way: from 18 towards 28, the lower edge is the one that counts.
    /// n = 3: 28 − 10 × (1 − 0.2276 × ln 4) = 21.16, lower edge 21.16 − 3.27 = 17.89.
    @Test func aWorkedORSCourseWhereHigherIsBetter() throws {
        let course = try ExpectedCourses.course([18, 20, 19, 17], definition: Self.ors, parameters: Self.defaults(Self.ors))
        #expect(abs(course.expected[3] - 21.155) < 0.001)
        #expect(abs(course.lower[3] - 17.887) < 0.001)
        #expect(course.notOnTrack == [false, false, false, true])
        let better = try ExpectedCourses.course([18, 30, 40, 40], definition: Self.ors, parameters: Self.defaults(Self.ors))
        #expect(better.notOnTrack == [false, false, false, false], "doing better than expected is never a flag")
        #expect(better.upper.allSatisfy { $0 <= 40 }, "the band stays within the measure")
    }

    @Test func aClientWhoStartsBetterThanThePopulationMeanIsExpectedToStayThere() throws {
        let course = try ExpectedCourses.course([2, 2, 7, 5], definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        #expect(course.expected == [2, 2, 2, 2])
        #expect(course.lower.allSatisfy { $0 == 0 }, "clamped at the bottom of the range")
        #expect(course.notOnTrack == [false, false, true, false], "2 + 3.92 = 5.92: 7 is over the edge, 5 is not")
    }

    @Test func theFirstScoreIsNeverOffTrackAndTheExpectedScoreNeverPassesTheTarget() throws {
        let course = try ExpectedCourses.course([27] + Array(repeating: 27, count: 199), definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        // Unchanged at 27: the band still reaches 27 at the second score (23.18 + 3.92), not after it.
        #expect(course.notOnTrack[0] == false && course.notOnTrack[1] == false)
        #expect(course.notOnTrack.dropFirst(2).allSatisfy { $0 })
        #expect(course.expected.allSatisfy { $0 >= 2.91 - 1e-9 })
        #expect(course.latestRunNotOnTrack == 198)
    }

    @Test(arguments: [
        ([Double](), "Send at least one score"),
        ([15, 28], "scores[1] is 28"),
        ([15, 3.5], "scores[1] is 3.5"),
        ([-1], "scores[0] is -1"),
        ([Double.nan], "scores[0]"),
    ])
    func scoresThatCannotBeAreRefusedByPlace(scores: [Double], message: String) {
        #expect {
            _ = try ExpectedCourses.course(scores, definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func moreThanTheMaximumIsRefused() {
        #expect(throws: ExpectedCourseError.tooManyScores(maximum: 200)) {
            try ExpectedCourses.course(Array(repeating: 10, count: 201), definition: Self.phq9, parameters: Self.defaults(Self.phq9))
        }
    }

    // MARK: The practice's own course

    /// Episodes drawn from a known course (rate 0.3) and rounded to whole scores, as a measure records them.
    static func episodes(count: Int, rate: Double, noise: [Double] = [0]) -> [[Double]] {
        (0..<count).map { index in
            let first = Double(10 + index % 15)
            return (0..<8).map { n in
                let value = ExpectedCourses.expected(first: first, n: n, target: 2.91, rate: rate, direction: .lowerIsBetter)
                return min(27, max(0, (value + (n == 0 ? 0 : noise[(index + n) % noise.count])).rounded()))
            }
        }
    }

    @Test func aFitOnEpisodesFromAKnownCourseFindsItsRate() throws {
        let fitted = try #require(ExpectedCourses.fit(episodes: Self.episodes(count: 40, rate: 0.3), definition: Self.phq9,
                                                      defaults: Self.defaults(Self.phq9)))
        #expect(abs(fitted.rate - 0.3) < 0.01)
        #expect(fitted.spread == 3.06 / 2, "only the rounding to whole scores is left, so the floor of half the default's holds")
        #expect(fitted.model == "practice-fitted" && fitted.episodes == 40)
        #expect(fitted.target == 2.91 && fitted.z == 1.2816)
        let noisy = try #require(ExpectedCourses.fit(episodes: Self.episodes(count: 40, rate: 0.3, noise: [-3, 3, 0, 2, -2]),
                                                     definition: Self.phq9, defaults: Self.defaults(Self.phq9)))
        #expect(abs(noisy.rate - 0.3) < 0.03)
        #expect(noisy.spread > 1.6 && noisy.spread < 3, "the spread is that of the scores around the course")
    }

    @Test func belowTheMinimumTheDefaultStays() {
        let defaults = Self.defaults(Self.phq9)
        #expect(ExpectedCourses.fit(episodes: Self.episodes(count: 29, rate: 0.3), definition: Self.phq9, defaults: defaults) == nil)
        // Episodes with one score, or that start better than the target, teach nothing about a course.
        let unusable: [[Double]] = Array(repeating: [15], count: 20) + Array(repeating: [2, 1, 0], count: 20)
        #expect(ExpectedCourses.fit(episodes: Self.episodes(count: 20, rate: 0.3) + unusable, definition: Self.phq9, defaults: defaults) == nil)
        #expect(ExpectedCourses.fit(episodes: Self.episodes(count: 10, rate: 0.3), definition: Self.phq9, defaults: defaults, minimumEpisodes: 10) != nil)
    }

    @Test func aFitNeverGivesACourseThatWorsensOrOvershoots() throws {
        let worsening = (0..<30).map { _ in [10.0, 14, 18, 22, 27] }
        let fitted = try #require(ExpectedCourses.fit(episodes: worsening, definition: Self.phq9, defaults: Self.defaults(Self.phq9)))
        #expect(fitted.rate == 0)
        let overnight = (0..<30).map { _ in [27.0, 0, 0, 0] }
        let fast = try #require(ExpectedCourses.fit(episodes: overnight, definition: Self.phq9, defaults: Self.defaults(Self.phq9)))
        #expect(fast.rate <= 1 / log(2.0) + 1e-12)
        let course = try ExpectedCourses.course([27, 0, 0, 0, 0, 0], definition: Self.phq9, parameters: fast)
        #expect(course.expected.allSatisfy { $0 >= 2.91 - 1e-9 }, "the course stops at the target")
    }
}
