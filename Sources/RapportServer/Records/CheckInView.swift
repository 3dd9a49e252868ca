import Fluent
import Foundation
import RapportCore

/// A check-in as pages and the API show it, answers and comment opened.
struct CheckInView: Sendable {
    let id: UUID
    let appointmentID: UUID
    let definition: InstrumentDefinition
    let answers: [Double?]
    let comment: String?
    let total: Double?
    let band: InstrumentDefinition.Band?
    let flags: [String]
    let inRoom: Bool
    let startedAt: Date
    let completedAt: Date?

    var isDone: Bool { completedAt != nil }
    var hasRisk: Bool { flags.contains(ScoreResult.riskFlag) }
    /// The first item not yet answered, or nil when all are.
    var nextUnanswered: Int? { answers.firstIndex { $0 == nil } }

    /// "Thoughts that you would be better off dead…: Several days", for each risk item answered above 0.
    var riskAnswers: [String] {
        zip(definition.item, answers).compactMap { item, answer in
            guard item.risk == true, let answer, answer > 0 else { return nil }
            let display = definition.options(for: item)?.first { $0.value == answer }?.display ?? Scoring.format(answer)
            return "\(item.text): \(display)"
        }
    }
}

extension CheckInView {
    /// What a stored row says, with its answers and comment already opened (or just written).
    init(_ row: CheckInRow, definition: InstrumentDefinition, answers: [Double?], comment: String?) throws {
        self.init(id: try row.requireID(), appointmentID: row.appointmentID, definition: definition, answers: answers, comment: comment,
                  total: row.total, band: row.band.flatMap { code in definition.band.first { $0.code == code } },
                  flags: CheckIns.ids(row.flags), inRoom: row.inRoom, startedAt: row.startedAt, completedAt: row.completedAt)
    }
}

/// A check-in opened once for a request: the row, to write back, and what it says.
struct OpenedCheckIn: Sendable {
    let row: CheckInRow
    let view: CheckInView
}

/// An open check-in on the client's portal: what is due, the measure, and the session it is for.
struct DueCheckIn: Sendable {
    let planned: PlannedCheckIn
    let definition: InstrumentDefinition
    let session: AppointmentSlot?
}
