import Foundation
import RapportCore
import Vapor

/// The possible-rupture rules on any timeline, like the scoring API: no sign-in, nothing stored, nothing logged but
/// the request line. A practice can check the rules against its own cases, and any tool can use them.
enum RupturesAPI {
    static let maximumSessions = 200

    static func register(_ api: any RoutesBuilder) {
        api.post("rupture-signals", action: .usePublicPage, use: signals)
        api.get("clients", ":clientID", "ruptures", action: .listRuptures, use: list)
        api.post("clients", ":clientID", "ruptures", action: .recordRupture, use: record)
        api.post("clients", ":clientID", "ruptures", ":ruptureID", "repairs", action: .recordRupture, use: repair)
    }

    struct TimelineBody: Decodable {
        var sessions: [SessionBody]
    }

    struct SessionBody: Decodable {
        var attendance: String
        var late_minutes: Int?
        var feedback: FeedbackBody?
        var outcome_check_in: String?
        /// Practice agreed between sessions unlogged for the two weeks before this session (absent: no).
        var practice_not_logged: Bool?
    }

    struct FeedbackBody: Decodable {
        var items: [Double]
        var comment: Bool?
    }

    struct SignalsOut: Content {
        var signals: [RuptureSignal]
    }

    @Sendable static func signals(_ req: Request) async throws -> SignalsOut {
        let body = try APIController.body(req, TimelineBody.self, expected: #"{"sessions":[{"attendance":"attended","late_minutes":null,"feedback":{"items":[9,9,8,9],"comment":false},"outcome_check_in":"done"}]}"#)
        return SignalsOut(signals: RuptureRules.signals(try timeline(body)))
    }

    /// Every value range-checked before the rules see it; every problem named by its place in the timeline.
    static func timeline(_ body: TimelineBody) throws -> [TimelineSession] {
        guard body.sessions.count <= maximumSessions else {
            throw RapportError.invalid([FieldProblem(field: "sessions", message: "Send at most \(maximumSessions) sessions, oldest first.")])
        }
        var problems: [FieldProblem] = []
        var timeline: [TimelineSession] = []
        for (index, session) in body.sessions.enumerated() {
            let place = "sessions[\(index)]"
            let attendance = Attendance(rawValue: session.attendance)
            if attendance == nil {
                problems.append(FieldProblem(field: "\(place).attendance", message: "attendance must be one of "
                    + Attendance.allCases.map(\.rawValue).joined(separator: ", ") + "."))
            }
            if let minutes = session.late_minutes, !(0...AppointmentRules.maximumLateMinutes).contains(minutes) {
                problems.append(FieldProblem(field: "\(place).late_minutes", message: "late_minutes must be from 0 to \(AppointmentRules.maximumLateMinutes)."))
            }
            var feedback: TimelineSession.Feedback?
            if let given = session.feedback {
                if given.items.count != RuptureRules.itemNames.count || !given.items.allSatisfy({ $0.isFinite && (0...10).contains($0) }) {
                    problems.append(FieldProblem(field: "\(place).feedback.items", message: "feedback.items must be the 4 session-feedback answers, each from 0 to 10."))
                } else {
                    feedback = TimelineSession.Feedback(items: given.items, comment: given.comment ?? false)
                }
            }
            var checkIn: TimelineSession.OutcomeCheckIn?
            if let text = session.outcome_check_in {
                checkIn = TimelineSession.OutcomeCheckIn(rawValue: text)
                if checkIn == nil {
                    problems.append(FieldProblem(field: "\(place).outcome_check_in", message: "outcome_check_in must be done, missed or null."))
                }
            }
            if let attendance {
                timeline.append(TimelineSession(attendance: attendance, lateMinutes: session.late_minutes, feedback: feedback, outcomeCheckIn: checkIn,
                                                practiceNotLogged: session.practice_not_logged ?? false))
            }
        }
        guard problems.isEmpty else { throw RapportError.invalid(Array(problems.prefix(20))) }
        return timeline
    }
}

// MARK: The rupture → repair log of one client

extension RupturesAPI {
    @Sendable static func list(_ req: Request) async throws -> Response {
        try APIController.json(try await req.withClientRecord { record in try await RuptureLog.load(in: record) })
    }

    struct RuptureBody: Decodable {
        var decision: String
        var appointment_id: String?
        var rule: String?
        var type: String?
        var markers: [String]?
        var note: String?
    }

    @Sendable static func record(_ req: Request) async throws -> Response {
        let body = try APIController.body(req, RuptureBody.self, expected: #"{"decision":"confirm"|"dismiss"|"noticed","appointment_id":"…","rule":"…","type":"withdrawal"|"confrontation","markers":["…"],"note":"…"}"#)
        // The page's form sends an empty choice for "not in a recorded session"; the API says so with null.
        if let raw = body.appointment_id, UUID(uuidString: raw) == nil {
            throw RapportError.invalid([FieldProblem(field: "appointment_id", message: "appointment_id must be the id of one of the client's sessions, or null.")])
        }
        guard (body.markers ?? []).count <= RuptureMarker.allCases.count else {
            throw RapportError.invalid([FieldProblem(field: "markers", message: "Send each marker at most once.")])
        }
        let entry = RuptureEntry(decision: body.decision, appointmentID: body.appointment_id, rule: body.rule, type: body.type,
                                 markers: body.markers ?? [], note: body.note)
        let rupture = try await req.withClientRecord { record in
            let id = try await RuptureLog.record(entry, in: record)
            guard let logged = try await RuptureLog.load(in: record).log.first(where: { $0.id == id }) else { throw RecordError.notFound }
            return logged
        }
        return try APIController.json(rupture, status: .created)
    }

    struct RepairBody: Decodable {
        var actions: [String]
        var outcome: String
        var note: String?
        var share_with_client: Bool?
    }

    @Sendable static func repair(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("ruptureID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        let body = try APIController.body(req, RepairBody.self, expected: #"{"actions":["named-it",…],"outcome":"resolved"|"partly"|"not-yet","note":"…","share_with_client":false}"#)
        guard body.actions.count <= RepairAction.allCases.count else {
            throw RapportError.invalid([FieldProblem(field: "actions", message: "Send each action at most once.")])
        }
        let entry = RepairEntry(actions: body.actions, outcome: body.outcome, note: body.note, shareWithClient: body.share_with_client ?? false)
        let repair = try await req.withClientRecord { record in try await RuptureLog.repair(id, entry, in: record) }
        return try APIController.json(repair, status: .created)
    }
}
