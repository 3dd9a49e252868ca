import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit

/// Why a client needs attention, most urgent first (issue 10, point 4): an open risk alert, then not on track, then
/// possible ruptures nobody has reviewed, then overdue check-ins.
enum NeedKind: Int, Sendable, CaseIterable, Comparable {
    case riskAlert
    case notOnTrack
    case possibleRupture
    case overdueCheckIn

    static func < (lhs: NeedKind, rhs: NeedKind) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The filter's value in `/clients?need=…`.
    var slug: String {
        switch self {
        case .riskAlert: return "risk"
        case .notOnTrack: return "not-on-track"
        case .possibleRupture: return "rupture"
        case .overdueCheckIn: return "overdue"
        }
    }

    var label: String {
        switch self {
        case .riskAlert: return "Risk alert"
        case .notOnTrack: return "Not on track"
        case .possibleRupture: return "Possible rupture"
        case .overdueCheckIn: return "Check-in overdue"
        }
    }
}

struct CaseloadNeed: Sendable, Equatable {
    let kind: NeedKind
    /// A few words: "feedback fell 30 → 24", "PHQ-9 above the expected course for 3 sessions".
    let words: String
}

/// What the caseload shows for each client beyond their name, worked out for the whole caseload in five statements
/// however many clients and sessions: the list page must not run a query per row. Totals, flags, attendance and
/// times are stored in clear for this; the only envelopes opened are the answers of feedback that a rule needs item by
/// item (feedback already marked as a concern, or a measure that marks only low totals).
enum CaseloadNeeds {
    struct Result: Sendable {
        var needs: [CaseloadNeed]
        var nextSession: Date?
    }

    /// `clients` are the caseload's clients with their keys already unwrapped (the names were opened with them).
    static func load(therapistID: UUID, alerted: Set<UUID>, keys clientKeys: [UUID: ClientDataKey], available: [UUID: [InstrumentDefinition]],
                     practiceOf: [UUID: UUID], keyStore: KeyStore, now: Date, on db: any Database) async throws -> [UUID: Result] {
        let sql = try HotPaths.sql(db)
        let caseload = SQLQueryString("SELECT \"client_id\" FROM \"care_team_members\" WHERE \"therapist_id\" = \(bind: therapistID)")
        let appointmentRows = try await sql.raw("""
            SELECT "id", "client_id", "starts_at", "duration_minutes", "cancelled", "attendance", "late_minutes" FROM "appointments"
            WHERE "client_id" IN (\(caseload)) ORDER BY "starts_at"
            """).all()
        let feedbackIDs = InstrumentCatalogue.shipped.filter { $0.purpose == .sessionFeedback }.map(\.id)
        let checkInRows = try await sql.raw("""
            SELECT "id", "client_id", "appointment_id", "instrument_id", "total", "flags",
                   CASE WHEN "instrument_id" IN (\(binds: feedbackIDs)) THEN "answers_envelope" ELSE NULL END AS "answers"
            FROM "check_ins" WHERE "client_id" IN (\(caseload)) AND "completed_at" IS NOT NULL
            """).all()
        let planRows = try await sql.raw("""
            SELECT "id", "instruments" FROM "check_in_plans" WHERE "id" IN (\(caseload))
            """).all()
        let reviewRows = try await sql.raw("""
            SELECT "client_id", "appointment_id", "rule" FROM "ruptures" WHERE "client_id" IN (\(caseload)) AND "rule" IS NOT NULL
            """).all()

        var appointments: [UUID: [AppointmentView]] = [:]
        for row in appointmentRows {
            let clientID = try HotPaths.uuid(row, "client_id")
            appointments[clientID, default: []].append(AppointmentView(
                id: try HotPaths.uuid(row, "id"), clientID: clientID, therapistID: therapistID,
                startsAt: try row.decode(column: "starts_at", as: Date.self),
                durationMinutes: try row.decode(column: "duration_minutes", as: Int.self), location: nil,
                cancelled: try row.decode(column: "cancelled", as: Bool.self),
                attendance: try row.decode(column: "attendance", as: String?.self).flatMap(Attendance.init(rawValue:)),
                lateMinutes: try row.decode(column: "late_minutes", as: Int?.self)))
        }
        struct Done { let id: UUID; let appointmentID: UUID; let instrument: String; let total: Double?; let flags: String; let answers: Data? }
        var done: [UUID: [Done]] = [:]
        for row in checkInRows {
            done[try HotPaths.uuid(row, "client_id"), default: []].append(Done(
                id: try HotPaths.uuid(row, "id"), appointmentID: try HotPaths.uuid(row, "appointment_id"),
                instrument: try row.decode(column: "instrument_id", as: String.self), total: try row.decode(column: "total", as: Double?.self),
                flags: try row.decode(column: "flags", as: String.self), answers: try row.decode(column: "answers", as: Data?.self)))
        }
        var chosen: [UUID: [String]] = [:]
        for row in planRows { chosen[try HotPaths.uuid(row, "id")] = CheckIns.ids(try row.decode(column: "instruments", as: String.self)) }
        var reviewed: [UUID: Set<String>] = [:]
        for row in reviewRows {
            let appointment = try? HotPaths.uuid(row, "appointment_id")
            reviewed[try HotPaths.uuid(row, "client_id"), default: []]
                .insert("\(appointment?.uuidString ?? "")/\(try row.decode(column: "rule", as: String.self))")
        }

        var results: [UUID: Result] = [:]
        for (clientID, key) in clientKeys {
            let sessions = appointments[clientID] ?? []
            let completed = done[clientID] ?? []
            let offered = available[practiceOf[clientID] ?? UUID()] ?? []
            let measures = offered.filter { (chosen[clientID] ?? CheckIns.defaultMeasures).contains($0.id) }
            let plan = CheckInSchedule.plan(appointments: sessions.map(\.slot), measures: measures,
                                            completed: Set(completed.map { CheckInKey(appointmentID: $0.appointmentID, instrumentID: $0.instrument) }),
                                            now: now)
            let start = Dictionary(sessions.map { ($0.id, $0.startsAt) }, uniquingKeysWith: { first, _ in first })
            var needs: [CaseloadNeed] = []
            if alerted.contains(clientID) { needs.append(CaseloadNeed(kind: .riskAlert, words: "risk alert open")) }

            // Not on track: each outcome measure's scores in session order, against the expected course.
            for definition in InstrumentCatalogue.shipped where definition.purpose == .outcome {
                guard let parameters = ExpectedCourses.defaultParameters(for: definition) else { continue }
                let scores = completed.filter { $0.instrument == definition.id && $0.total != nil }
                    .sorted { (start[$0.appointmentID] ?? .distantPast) < (start[$1.appointmentID] ?? .distantPast) }.compactMap(\.total)
                guard scores.count >= 2,
                      let course = try? ExpectedCourses.course(scores, definition: definition, parameters: parameters, limit: .max),
                      course.latestRunNotOnTrack > 0 else { continue }
                let run = course.latestRunNotOnTrack
                needs.append(CaseloadNeed(kind: .notOnTrack, words: "\(definition.name) \(definition.direction == .lowerIsBetter ? "above" : "below") the expected course "
                    + (run == 1 ? "at the latest score" : "for \(run) scores")))
            }

            // Possible ruptures nobody has reviewed.
            var feedback: [UUID: TimelineSession.Feedback] = [:]
            for check in completed {
                guard let definition = InstrumentCatalogue.definition(id: check.instrument), definition.purpose == .sessionFeedback,
                      let total = check.total, feedback[check.appointmentID] == nil else { continue }
                let rules = definition.flag ?? []
                let marksLowItems = rules.contains { $0.when == .anyItemBelow && $0.value >= RuptureRules.lowItem }
                    && rules.contains { $0.when == .totalBelow && $0.value >= RuptureRules.lowTotal }
                if marksLowItems && check.flags.isEmpty {
                    // Unmarked, every item is 6 or more and the total 36 or more: the total decides every rule.
                    feedback[check.appointmentID] = TimelineSession.Feedback(items: Array(repeating: total / 4, count: 4), comment: false)
                } else if let envelope = check.answers {
                    let json = try keyStore.open(envelope, key: key, CheckInRow.schema, "answers", row: check.id)
                    let items = try JSONDecoder().decode([Double?].self, from: Data(json.utf8)).compactMap { $0 }
                    if items.count == RuptureRules.itemNames.count {
                        feedback[check.appointmentID] = TimelineSession.Feedback(items: items, comment: false)
                    }
                }
            }
            let timeline = RuptureLog.timeline(appointments: sessions, plan: plan, feedback: feedback, now: now)
            let seen = reviewed[clientID] ?? []
            let open = RuptureRules.signals(timeline.map(\.session)).filter {
                !seen.contains("\(timeline[$0.session].appointmentID.uuidString)/\($0.rule)")
            }
            // The latest session's first signal, in the rules' order (a drop before the line it crossed).
            if let last = open.last, let latest = open.first(where: { $0.session == last.session }) {
                let brief = RuptureRules.brief(latest, in: timeline.map(\.session))
                needs.append(CaseloadNeed(kind: .possibleRupture, words: open.count == 1 ? brief : "\(brief) (+\(open.count - 1) more)"))
            }

            let overdue = plan.filter { $0.state == .overdue }
            if !overdue.isEmpty {
                let names = Set(overdue.map(\.instrumentID)).compactMap { id in measures.first { $0.id == id }?.name }.sorted()
                needs.append(CaseloadNeed(kind: .overdueCheckIn, words: overdue.count == 1 ? "\(names.first ?? "check-in") overdue"
                                                                     : "\(overdue.count) check-ins overdue (\(names.joined(separator: ", ")))"))
            }
            let next = sessions.first { $0.startsAt > now && !$0.cancelled }?.startsAt
            results[clientID] = Result(needs: needs, nextSession: next)
        }
        return results
    }
}
