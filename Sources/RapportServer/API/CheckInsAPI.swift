import Foundation
import RapportCore
import Vapor

/// A client's check-ins for the therapist: what is due, scores, feedback, open risk alerts and change; and answers
/// given in the room. Same rules and audit as the record page.
enum CheckInsAPI {
    static func register(_ api: any RoutesBuilder) {
        api.get("clients", ":clientID", "check-ins", action: .listCheckIns, use: list)
        api.post("clients", ":clientID", "check-ins", action: .enterCheckIn, use: enter)
    }

    struct Planned: Encodable {
        var appointment_id: UUID
        var instrument: String
        var purpose: String
        var state: String
        var opens_at: Date
        var due_by: Date
    }

    struct Result: Encodable {
        var id: UUID
        var appointment_id: UUID
        var instrument: String
        var total: JSONNumber?
        var band: String?
        var flags: [String]
        var answers: [JSONNumber?]
        var comment: String?
        var in_room: Bool
        var completed_at: Date?
    }

    struct Alert: Encodable {
        var id: UUID
        var check_in_id: UUID
        var instrument: String
        var raised_at: Date
        /// "Item text: answer" for each risk item answered above 0.
        var answers: [String]
    }

    struct Change: Encodable {
        var instrument: String
        var scores: Int
        var first: JSONNumber
        var latest: JSONNumber
        var rci: JSONNumber?
        var reliable_change: String?
        var caseness_before: Bool?
        var caseness_after: Bool?
        var recovery: Bool?
        var reliable_recovery: Bool?
        var summary: String
    }

    struct Listing: Encodable {
        var measures: [String]
        var check_ins: [Planned]
        var results: [Result]
        var risk_alerts: [Alert]
        var change: [Change]
    }

    static func result(_ view: CheckInView) -> Result {
        Result(id: view.id, appointment_id: view.appointmentID, instrument: view.definition.id, total: view.total.map(JSONNumber.init),
               band: view.band?.code, flags: view.flags, answers: view.answers.map { $0.map(JSONNumber.init) }, comment: view.comment,
               in_room: view.inRoom, completed_at: view.completedAt)
    }

    static func listing(_ summary: CheckInSummary) -> Listing {
        Listing(
            measures: summary.measures.map(\.id),
            check_ins: summary.plan.map {
                Planned(appointment_id: $0.appointmentID, instrument: $0.instrumentID, purpose: $0.purpose.rawValue, state: $0.state.rawValue,
                        opens_at: $0.opens, due_by: $0.dueBy)
            },
            results: summary.results.map(result),
            risk_alerts: summary.openAlerts.map {
                Alert(id: $0.id, check_in_id: $0.checkIn.id, instrument: $0.checkIn.definition.id, raised_at: $0.raisedAt, answers: $0.evidence)
            },
            change: summary.outcomeSeries.map { definition, series in
                let scores = series.compactMap(\.total)
                let change = scores.count > 1 ? try? ChangeStatistics.change(definition, before: scores[0], after: scores[scores.count - 1]) : nil
                return Change(instrument: definition.id, scores: scores.count, first: JSONNumber(scores[0]), latest: JSONNumber(scores[scores.count - 1]),
                              rci: change?.rci.map { JSONNumber(($0 * 10_000).rounded() / 10_000) }, reliable_change: change?.reliableChange.rawValue,
                              caseness_before: change?.casenessBefore, caseness_after: change?.casenessAfter,
                              recovery: change?.recovery, reliable_recovery: change?.reliableRecovery,
                              summary: ChangeWords.summary(definition, scores: scores))
            })
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        let summary = try await req.withClientRecord { record in try await CheckInSummary.load(in: record) }
        return try APIController.json(listing(summary))
    }

    struct EntryBody: Decodable {
        var appointment_id: UUID
        var instrument: String
        var answers: [Double]
        var comment: String?
    }

    @Sendable static func enter(_ req: Request) async throws -> Response {
        let input = try APIController.body(req, EntryBody.self,
                                           expected: #"{"appointment_id":"…","instrument":"phq-9","answers":[0,1,…],"comment":"optional"}"#)
        let view = try await req.withClientRecord { record in
            guard let (planned, definition) = try await CheckIns.planned(appointmentID: input.appointment_id, instrumentID: input.instrument,
                                                                         in: record)
            else {
                throw RapportError.notFoundWithDetail("This client has no \(input.instrument.prefix(40)) check-in for that session. GET …/check-ins lists the ones they do.")
            }
            guard planned.state != .notYetOpen else {
                throw RapportError.conflict("This check-in opens at \(ISO8601DateFormatter().string(from: planned.opens)); answers can be entered from then.")
            }
            return try await CheckIns.enterInRoom(input.answers, comment: input.comment, definition: definition, appointmentID: input.appointment_id,
                                                  in: record)
        }
        return try APIController.json(result(view), status: .created)
    }
}
