import Fluent
import Foundation
import NIOConcurrencyHelpers
import RapportCore
import SQLKit

/// Which expected course each outcome measure is drawn with in a practice (issue 10, point 3): fitted on the
/// practice's own ended episodes once it has enough of them, Rapport's default model until then.
///
/// Until Rapport records the end of therapy (issue 11), an episode counts as *ended* when the client has had no
/// session for `quietDays` and has none booked: the whole of their scores on the measure, first first. The fit reads
/// only totals stored in clear, never an envelope, and is kept for `lifetime` per practice (a practice's ended
/// episodes change over weeks, not minutes), worked out by one request at a time.
final class ExpectedCourseModels: Sendable {
    /// What a practice's courses are drawn with, per measure id, and how many ended episodes each measure has.
    struct Fits: Sendable {
        let parameters: [String: CourseParameters]
        let endedEpisodes: [String: Int]
        /// The fewest ended episodes a measure is fitted on, as configured.
        let minimumEpisodes: Int
        let madeAt: Date

        /// Every measure on the default model, as for a practice with no ended episode yet.
        static func defaults(minimumEpisodes: Int = ExpectedCourses.defaultMinimumEpisodes, now: Date) -> Fits {
            Fits(parameters: Dictionary(uniqueKeysWithValues: ExpectedCourseModels.measures.map { ($0.0.id, $0.1) }),
                 endedEpisodes: [:], minimumEpisodes: minimumEpisodes, madeAt: now)
        }
    }

    static let lifetime: TimeInterval = 3600
    /// No session for eight weeks and none booked: longer than any ordinary break (a holiday, a fortnightly rhythm
    /// with a missed week), short enough that a practice's first episodes count within its first year.
    static let quietDays = 56

    /// The fewest ended episodes a measure is fitted on (`RAPPORT_COURSE_FIT_EPISODES`, default 30).
    let minimumEpisodes: Int
    private let kept = NIOLockedValueBox<[UUID: Fits]>([:])
    private let working = NIOLockedValueBox<[UUID: Task<Fits, any Error>]>([:])

    init(minimumEpisodes: Int = ExpectedCourses.defaultMinimumEpisodes) {
        self.minimumEpisodes = minimumEpisodes
    }

    /// The parameters for this practice's measures (only those with a course), fitted or default.
    func fits(practiceID: UUID, now: Date, on db: any Database) async throws -> Fits {
        if let fits = kept.withLockedValue({ $0[practiceID] }), now >= fits.madeAt, now.timeIntervalSince(fits.madeAt) < Self.lifetime {
            return fits
        }
        // One request works it out; others arriving meanwhile wait for the same answer rather than repeat the reading.
        let task = working.withLockedValue { working in
            if let running = working[practiceID] { return running }
            let task = Task {
                defer { self.working.withLockedValue { $0[practiceID] = nil } }
                let fits = try await Self.fit(practiceID: practiceID, minimumEpisodes: self.minimumEpisodes, now: now, on: db)
                self.kept.withLockedValue { $0[practiceID] = fits }
                return fits
            }
            working[practiceID] = task
            return task
        }
        return try await task.value
    }

    /// Forgets what was worked out, so the next page fits again (tests, and after a demo writes a practice).
    func forget(practiceID: UUID) {
        kept.withLockedValue { $0[practiceID] = nil }
    }

    /// The measures that have a default course: an outcome measure with a clinical cutoff and an entry in the model.
    static var measures: [(InstrumentDefinition, CourseParameters)] {
        InstrumentCatalogue.shipped.compactMap { definition in ExpectedCourses.defaultParameters(for: definition).map { (definition, $0) } }
    }

    /// Each measure's scores in the practice's ended episodes, in one statement, then the fit per measure.
    static func fit(practiceID: UUID, minimumEpisodes: Int, now: Date, on db: any Database) async throws -> Fits {
        let measures = Self.measures
        guard !measures.isEmpty else { return Fits(parameters: [:], endedEpisodes: [:], minimumEpisodes: minimumEpisodes, madeAt: now) }
        let quietSince = now.addingTimeInterval(-Double(quietDays) * 86400)
        // Through the outcome key (migration 0021): its index holds everything read here, the session's time first and
        // the total in its low part, so no table row is read.
        let rows = try await HotPaths.sql(db).raw("""
            SELECT "client_id", "instrument_id", "outcome_key" FROM "check_ins"
            WHERE "practice_id" = \(bind: practiceID) AND "instrument_id" IN (\(binds: measures.map(\.0.id)))
              AND "outcome_key" IS NOT NULL
              AND "client_id" NOT IN (SELECT "client_id" FROM "appointments" WHERE "practice_id" = \(bind: practiceID)
                                      AND "cancelled" = \(bind: false) AND "starts_at" >= \(bind: quietSince))
            ORDER BY "instrument_id", "client_id", "outcome_key"
            """).all()
        var episodes: [String: [[Double]]] = [:]
        var current: (instrument: String, client: UUID)?
        for row in rows {
            let instrument = try row.decode(column: "instrument_id", as: String.self)
            let client = try HotPaths.uuid(row, "client_id")
            let total = PracticeOutcomesData.total(try row.decode(column: "outcome_key", as: Int64.self))
            if current?.instrument == instrument && current?.client == client {
                episodes[instrument, default: []][episodes[instrument, default: []].count - 1].append(total)
            } else {
                episodes[instrument, default: []].append([total])
                current = (instrument, client)
            }
        }
        var parameters: [String: CourseParameters] = [:]
        var ended: [String: Int] = [:]
        for (definition, defaults) in measures {
            let measured = episodes[definition.id] ?? []
            ended[definition.id] = measured.filter { $0.count >= 2 }.count
            parameters[definition.id] = ExpectedCourses.fit(episodes: measured, definition: definition, defaults: defaults,
                                                            minimumEpisodes: minimumEpisodes) ?? defaults
        }
        return Fits(parameters: parameters, endedEpisodes: ended, minimumEpisodes: minimumEpisodes, madeAt: now)
    }
}
