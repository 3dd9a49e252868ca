import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The practice's own expected course (issue 10, point 3): the default model until the practice has enough ended
/// episodes, then a course fitted on them; the record page says which, and on how many; the caseload's "not on
/// track" follows the model in use.
@Suite struct ExpectedCourseFitTests {
    typealias Session = DemoHistories.Session

    /// Weekly sessions with a PHQ-9 each time, the last `endsDaysAgo` days ago.
    static func history(phq: [Int], endsDaysAgo: Double) -> [Session] {
        phq.indices.map { index in
            var session = Session(days: -endsDaysAgo - Double(phq.count - 1 - index) * 7, attendance: .attended)
            session.outcomes = ["phq-9": phq[index]]
            return session
        }
    }

    @Test func thePracticeCourseReplacesTheDefaultOnceThereAreEnoughEndedEpisodes() async throws {
        try await TestPractice.run(adjust: { $0.courseFitEpisodes = 10 }) { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let now = Date()
            // Nine ended episodes of clients who got much better much faster than the default expects.
            let quick = (0..<9).map { ("Quick \($0)", Self.history(phq: [20, 7, 5, 4], endsDaysAgo: 70)) }
            // Not ended: a last session a week ago, and one long ago with a session booked ahead.
            let recent = [("Recent", Self.history(phq: [20, 6, 4], endsDaysAgo: 7))]
            var booked = Self.history(phq: [20, 6, 4], endsDaysAgo: 90)
            booked.append(Session(days: 3, attendance: nil))
            // Today's client: slower than these, within the default's band (20 → 17.3 expected, band up to 21.2).
            let slow = [("Slow Today", Self.history(phq: [20, 18], endsDaysAgo: 1))]
            let everyone = slow + quick + recent + [("Booked", booked)]
            let ids = try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                try await DemoHistories.writeClients(everyone, therapist: therapist.actor, now: now, app: practice.app, on: db)
            }
            let slowID = ids[0].uuidString.lowercased()
            let browser = Browser(sessionToken: try await practice.signIn(therapist))

            try await practice.app.testing().test(.GET, "/clients/\(slowID)", headers: browser.headers) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("until this practice has 10 ended episodes of a measure to fit its own (so far PHQ-9 9)"))
                #expect(!html.contains("Not on track: PHQ-9"))
            }
            try await practice.app.testing().test(.GET, "/clients?need=not-on-track", headers: browser.headers) { response in
                #expect(!response.body.string.contains("Slow Today"))
            }

            // The tenth ended episode: the practice's own course, which expects far more by the second score.
            try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                _ = try await DemoHistories.writeClients([("Quick 9", Self.history(phq: [21, 8, 5], endsDaysAgo: 60))],
                                                         therapist: therapist.actor, now: now, app: practice.app, on: db)
            }
            // Kept for an hour: still the default until then.
            try await practice.app.testing().test(.GET, "/clients/\(slowID)", headers: browser.headers) { response in
                #expect(response.body.string.contains("(so far PHQ-9 9)"))
            }
            practice.app.rapport.courseModels.forget(practiceID: owner.actor.practiceID)
            try await practice.app.testing().test(.GET, "/clients/\(slowID)", headers: browser.headers) { response in
                let html = response.body.string
                #expect(html.contains("PHQ-9 fitted on this practice's own 10 ended episodes"))
                #expect(html.contains("Not on track: PHQ-9 above the expected course at the latest score."))
            }
            try await practice.app.testing().test(.GET, "/clients?need=not-on-track", headers: browser.headers) { response in
                let html = response.body.string
                #expect(html.contains("Slow Today") && html.contains("PHQ-9 above the expected course at the latest score"))
            }
        }
    }

    @Test func theFitReadsOnlyEndedEpisodesOfThisPractice() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice("A")
            let other = try await practice.newPractice("B")
            let therapist = try await practice.newTherapist(in: owner)
            let elsewhere = try await practice.newTherapist(in: other, name: "Elsewhere Therapist")
            let now = Date()
            try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                _ = try await DemoHistories.writeClients((0..<3).map { ("Ended \($0)", Self.history(phq: [18, 12, 9], endsDaysAgo: 60)) }
                                                         + [("Going", Self.history(phq: [18, 12], endsDaysAgo: 10))],
                                                         therapist: therapist.actor, now: now, app: practice.app, on: db)
                _ = try await DemoHistories.writeClients((0..<4).map { ("Other \($0)", Self.history(phq: [18, 12, 9], endsDaysAgo: 60)) },
                                                         therapist: elsewhere.actor, now: now, app: practice.app, on: db)
            }
            let fits = try await ExpectedCourseModels.fit(practiceID: owner.actor.practiceID, minimumEpisodes: 3, now: now, on: practice.app.db)
            #expect(fits.endedEpisodes["phq-9"] == 3)
            #expect(fits.endedEpisodes["gad-7"] == 0)
            let phq = try #require(fits.parameters["phq-9"])
            #expect(phq.model == "practice-fitted" && phq.episodes == 3)
            // GAD-7 has no ended episode: the default.
            #expect(fits.parameters["gad-7"]?.model == ExpectedCourses.default?.id)
            // The same three episodes fitted directly give the same parameters.
            let definition = try #require(InstrumentCatalogue.definition(id: "phq-9"))
            let defaults = try #require(ExpectedCourses.defaultParameters(for: definition))
            let direct = try #require(ExpectedCourses.fit(episodes: Array(repeating: [18, 12, 9], count: 3), definition: definition,
                                                          defaults: defaults, minimumEpisodes: 3))
            #expect(abs(direct.rate - phq.rate) < 1e-12 && abs(direct.spread - phq.spread) < 1e-12)
            let fewer = try await ExpectedCourseModels.fit(practiceID: other.actor.practiceID, minimumEpisodes: 5, now: now, on: practice.app.db)
            #expect(fewer.endedEpisodes["phq-9"] == 4 && fewer.parameters["phq-9"]?.model == ExpectedCourses.default?.id)
        }
    }

    @Test func theNumberOfEpisodesIsRangeChecked() throws {
        #expect(try RapportConfiguration.fromEnvironment([:]).courseFitEpisodes == 30)
        #expect(try RapportConfiguration.fromEnvironment(["RAPPORT_COURSE_FIT_EPISODES": "50"]).courseFitEpisodes == 50)
        for bad in ["9", "0", "-3", "lots", "1e12"] {
            #expect(throws: ConfigurationError.self) { try RapportConfiguration.fromEnvironment(["RAPPORT_COURSE_FIT_EPISODES": bad]) }
        }
    }
}
