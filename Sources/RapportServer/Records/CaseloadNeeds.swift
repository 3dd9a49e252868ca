import Fluent
import Foundation
import RapportCore
import RapportVault
import NIOConcurrencyHelpers
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

/// What the caseload shows for each client beyond their name, worked out for the whole caseload in four statements
/// however many clients and sessions (beside the keys and settings the names need): the list page must not run a
/// query per row. It reads only what is stored in clear for this (times, attendance, totals and flags such as
/// `low-item`) and opens no envelope: opening a client's answers is a read of their record, audited on the record page.
enum CaseloadNeeds {
    struct Result: Sendable {
        var needs: [CaseloadNeed]
        var nextSession: Date?
    }

    /// `clients` are the caseload's clients with their record versions; `available` each practice's measures.
    /// What was worked out for a client is kept (`cache`) until their record changes or it is a minute or so old,
    /// whichever is first: the time-driven states (a check-in falling overdue, a session passing) are never more than
    /// that late, and the risk alert, which must be at once, is read fresh every time and never kept.
    /// `courses` are each practice's expected-course models (`ExpectedCourseModels`).
    static func load(therapistID: UUID, alerted: Set<UUID>, clients versions: [UUID: Int64], available: [UUID: [InstrumentDefinition]],
                     courses: [UUID: ExpectedCourseModels.Fits], practiceOf: [UUID: UUID], now: Date, cache: CaseloadNeedsCache? = nil,
                     on db: any Database) async throws -> [UUID: Result] {
        // What each practice offers and which courses it draws, as the cache compares them: spelled once per practice,
        // not once per client. A refitted model is a new key, so nobody's "not on track" outlives the model it came from.
        let offeredByPractice = Dictionary(uniqueKeysWithValues: available.map { practiceID, measures in
            (practiceID, measures.map(\.id).joined(separator: ",") + "|" + String(courses[practiceID]?.madeAt.timeIntervalSince1970 ?? 0))
        })
        func offeredKey(_ clientID: UUID) -> String { practiceOf[clientID].flatMap { offeredByPractice[$0] } ?? "" }
        var results: [UUID: Result] = [:]
        var stale: [UUID] = []
        for (clientID, version) in versions {
            if let kept = cache?.entry(clientID, version: version, offered: offeredKey(clientID), now: now) {
                results[clientID] = kept
            } else {
                stale.append(clientID)
            }
        }
        if !stale.isEmpty {
            let computed = try await compute(therapistID: therapistID, clients: stale, available: available, courses: courses,
                                             practiceOf: practiceOf, now: now, on: db)
            for clientID in stale {
                let result = computed[clientID] ?? Result(needs: [], nextSession: nil)
                results[clientID] = result
                cache?.keep(clientID, version: versions[clientID] ?? 0, offered: offeredKey(clientID), result: result, now: now)
            }
        }
        for clientID in alerted where results[clientID] != nil {
            results[clientID]?.needs.insert(CaseloadNeed(kind: .riskAlert, words: "risk alert open"), at: 0)
        }
        return results
    }

    /// The needs of these clients, from their sessions, check-ins, plans and reviews: four statements for all of them.
    private static func compute(therapistID: UUID, clients: [UUID], available: [UUID: [InstrumentDefinition]],
                                courses: [UUID: ExpectedCourseModels.Fits], practiceOf: [UUID: UUID], now: Date,
                                on db: any Database) async throws -> [UUID: Result] {
        let sql = try HotPaths.sql(db)
        // The clients by id while they fit in one statement's bound values; a caseload past that, through the care team.
        let caseload = clients.count <= 5_000 ? SQLQueryString("\(binds: clients)")
            : SQLQueryString("SELECT \"client_id\" FROM \"care_team_members\" WHERE \"therapist_id\" = \(bind: therapistID)")
        let appointmentRows = try await sql.raw("""
            SELECT "id", "client_id", "starts_at", "duration_minutes", "cancelled", "attendance", "late_minutes" FROM "appointments"
            WHERE "client_id" IN (\(caseload)) ORDER BY "starts_at"
            """).all()
        let checkInRows = try await sql.raw("""
            SELECT "id", "client_id", "appointment_id", "instrument_id", "total", "flags", "completed_at"
            FROM "check_ins" WHERE "client_id" IN (\(caseload)) AND "completed_at" IS NOT NULL
            """).all()
        let planRows = try await sql.raw("""
            SELECT "id", "instruments" FROM "check_in_plans" WHERE "id" IN (\(caseload))
            """).all()
        // When practice ran and was logged (clear columns, nothing opened), for the withdrawal marker.
        let agreementRows = try await sql.raw("""
            SELECT "client_id", "agreed_at", "ended_at" FROM "practice_agreements" WHERE "client_id" IN (\(caseload))
            """).all()
        let attemptRows = agreementRows.isEmpty ? [] : try await sql.raw("""
            SELECT "client_id", "logged_at" FROM "practice_attempts" WHERE "client_id" IN (\(caseload))
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
        struct Done { let id: UUID; let appointmentID: UUID; let instrument: String; let total: Double?; let flags: String; let completedAt: Date? }
        var done: [UUID: [Done]] = [:]
        for row in checkInRows {
            done[try HotPaths.uuid(row, "client_id"), default: []].append(Done(
                id: try HotPaths.uuid(row, "id"), appointmentID: try HotPaths.uuid(row, "appointment_id"),
                instrument: try row.decode(column: "instrument_id", as: String.self), total: try row.decode(column: "total", as: Double?.self),
                flags: try row.decode(column: "flags", as: String.self), completedAt: try row.decode(column: "completed_at", as: Date?.self)))
        }
        var chosen: [UUID: [String]] = [:]
        for row in planRows { chosen[try HotPaths.uuid(row, "id")] = CheckIns.ids(try row.decode(column: "instruments", as: String.self)) }
        var reviewed: [UUID: Set<String>] = [:]
        for row in reviewRows {
            let appointment = try? HotPaths.uuid(row, "appointment_id")
            reviewed[try HotPaths.uuid(row, "client_id"), default: []]
                .insert("\(appointment?.uuidString ?? "")/\(try row.decode(column: "rule", as: String.self))")
        }

        var practiceSpans: [UUID: [PracticeHistory.Span]] = [:]
        for row in agreementRows {
            practiceSpans[try HotPaths.uuid(row, "client_id"), default: []].append(.init(
                from: try row.decode(column: "agreed_at", as: Date.self), until: try row.decode(column: "ended_at", as: Date?.self)))
        }
        var practiceLogged: [UUID: [Date]] = [:]
        for row in attemptRows {
            practiceLogged[try HotPaths.uuid(row, "client_id"), default: []].append(try row.decode(column: "logged_at", as: Date.self))
        }

        var results: [UUID: Result] = [:]
        for clientID in clients {
            let sessions = appointments[clientID] ?? []
            let completed = done[clientID] ?? []
            let offered = available[practiceOf[clientID] ?? UUID()] ?? []
            let measures = offered.filter { (chosen[clientID] ?? CheckIns.defaultMeasures).contains($0.id) }
            let plan = CheckInSchedule.plan(appointments: sessions.map(\.slot), measures: measures,
                                            completed: Set(completed.map { CheckInKey(appointmentID: $0.appointmentID, instrumentID: $0.instrument) }),
                                            now: now)
            let start = sessions.startsByID
            var needs: [CaseloadNeed] = []

            // Not on track: each outcome measure's scores in session order, against the expected course.
            for definition in InstrumentCatalogue.shipped where definition.purpose == .outcome {
                guard let parameters = practiceOf[clientID].flatMap({ courses[$0]?.parameters[definition.id] })
                        ?? ExpectedCourses.defaultParameters(for: definition) else { continue }
                let scores = completed.filter { $0.instrument == definition.id && $0.total != nil }
                    .sorted { (start[$0.appointmentID] ?? .distantPast) < (start[$1.appointmentID] ?? .distantPast) }.compactMap(\.total)
                guard scores.count >= 2,
                      let course = try? ExpectedCourses.course(scores, definition: definition, parameters: parameters, limit: .max),
                      course.latestRunNotOnTrack > 0 else { continue }
                let run = course.latestRunNotOnTrack
                needs.append(CaseloadNeed(kind: .notOnTrack, words: "\(definition.name) \(definition.direction == .lowerIsBetter ? "above" : "below") the expected course "
                    + (run == 1 ? "at the latest score" : "for \(run) scores")))
            }

            // Possible ruptures nobody has reviewed, from feedback known by its total and its plain `low-item` flag:
            // the caseload opens nobody's answers (that is a read of the record, for the record page and its audit).
            var feedback: [UUID: TimelineSession.Feedback] = [:]
            for check in completed.sorted(by: { ($0.completedAt ?? .distantPast) < ($1.completedAt ?? .distantPast) }) {
                guard let definition = InstrumentCatalogue.definition(id: check.instrument), definition.purpose == .sessionFeedback,
                      let total = check.total, feedback[check.appointmentID] == nil else { continue }
                feedback[check.appointmentID] = .summarised(total: total, lowItem: CheckIns.ids(check.flags).contains("low-item"))
            }
            let practice = PracticeHistory(agreed: practiceSpans[clientID] ?? [], attempts: practiceLogged[clientID] ?? [])
            let timeline = RuptureLog.timeline(appointments: sessions, plan: plan, feedback: feedback, practice: practice, now: now)
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

/// Each client's needs as last worked out, with the record version and the practice's measures they were worked out
/// from, kept in memory for one server process. An entry is used only while both are unchanged and for about a
/// minute after it was made (a minute plus up to half a minute, different for each client so that a caseload's
/// entries don't all run out at once).
final class CaseloadNeedsCache: Sendable {
    private struct Entry {
        let version: Int64
        let offered: String
        let madeAt: Date
        let result: CaseloadNeeds.Result
    }

    static let lifetime: TimeInterval = 60
    /// A bound on memory: past it the cache starts again (a practice with more clients than this pays one full
    /// computation per caseload view, as it would without a cache).
    static let capacity = 250_000

    private let entries = NIOLockedValueBox<[UUID: Entry]>([:])

    func entry(_ clientID: UUID, version: Int64, offered: String, now: Date) -> CaseloadNeeds.Result? {
        guard let entry = entries.withLockedValue({ $0[clientID] }), entry.version == version, entry.offered == offered,
              now >= entry.madeAt, now.timeIntervalSince(entry.madeAt) < Self.lifetime + Self.stagger(clientID) else { return nil }
        return entry.result
    }

    func keep(_ clientID: UUID, version: Int64, offered: String, result: CaseloadNeeds.Result, now: Date) {
        entries.withLockedValue { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[clientID] = Entry(version: version, offered: offered, madeAt: now, result: result)
        }
    }

    /// 0 to 30 seconds, fixed for a client.
    private static func stagger(_ clientID: UUID) -> TimeInterval {
        let bytes = clientID.uuid
        return Double((Int(bytes.14) << 8 | Int(bytes.15)) % 3001) / 100
    }
}
