import Foundation
import RapportCore

/// What the therapist sees of a client's check-ins, loaded once for the record page and the API.
struct CheckInSummary: Sendable {
    /// Measures the client is asked, and all the practice offers (for the choice).
    let measures: [InstrumentDefinition]
    let available: [InstrumentDefinition]
    let plan: [PlannedCheckIn]
    /// Finished check-ins, oldest first.
    let results: [CheckInView]
    let openAlerts: [RiskAlerts.OpenAlert]

    /// `sessions` and `available` are the client's sessions and the practice's measures when the caller has them
    /// (the record page lists the sessions, and has read the practice's settings for its time zone); each table is
    /// read once, and each check-in opened once.
    static func load(sessions: [AppointmentSlot]? = nil, available: [InstrumentDefinition]? = nil,
                     in record: ClientRecord) async throws -> CheckInSummary {
        let offered: [InstrumentDefinition]
        if let available { offered = available } else {
            offered = try await PracticeSettings.availableMeasures(practiceID: record.practiceID, on: record.db)
        }
        let measures = try await CheckIns.measures(available: offered, in: record)
        let slots: [AppointmentSlot]
        if let sessions { slots = sessions } else { slots = try await CheckIns.slots(in: record) }
        let rows = try await CheckIns.rows(in: record)
        let results = try CheckIns.results(rows, sessions: slots, in: record)
        return CheckInSummary(
            measures: measures,
            available: offered,
            plan: CheckIns.plan(appointments: slots, checkIns: rows, measures: measures, now: record.now),
            results: results,
            openAlerts: try await RiskAlerts.open(checkIns: rows, opened: results, in: record))
    }

    /// Outcome measures with at least one score: the scores in order, for the latest score and the change.
    var outcomeSeries: [(InstrumentDefinition, [CheckInView])] {
        InstrumentCatalogue.shipped.filter { $0.purpose == .outcome }.compactMap { definition in
            let series = results.filter { $0.definition.id == definition.id && $0.total != nil }
            return series.isEmpty ? nil : (definition, series)
        }
    }

    var feedback: [CheckInView] { results.filter { $0.definition.purpose == .sessionFeedback }.reversed() }

    /// The check-ins worth showing before a session: anything open, what fell due in the last week (so "done" and
    /// "missed" show for the last session), and what opens in the next few days.
    func recentPlan(now: Date) -> [PlannedCheckIn] {
        plan.filter { entry in
            entry.state == .due || entry.state == .overdue
                || (entry.dueBy > now.addingTimeInterval(-8 * 86400) && entry.opens < now.addingTimeInterval(4 * 86400))
        }
    }
}
