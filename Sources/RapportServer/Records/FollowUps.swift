import Fluent
import Foundation
import RapportCore

/// A follow-up as pages show it.
struct FollowUpView: Sendable, Equatable {
    let id: UUID
    let months: Int
    let dueAt: Date
    let measures: [InstrumentDefinition]
    /// Each measure's total once answered, in the measures' order.
    let totals: [(id: String, total: Double)]
    let risk: Bool
    let completedAt: Date?

    static func == (lhs: FollowUpView, rhs: FollowUpView) -> Bool {
        lhs.id == rhs.id && lhs.completedAt == rhs.completedAt && lhs.totals.map(\.total) == rhs.totals.map(\.total)
    }

    /// "PHQ-9 6, GAD-7 4"
    var totalsWords: String {
        totals.map { entry in "\(InstrumentCatalogue.definition(id: entry.id)?.name ?? entry.id) \(Scoring.format(entry.total))" }
            .joined(separator: ", ")
    }
}

/// Follow-up check-ins after an ending (issue 11, point 7): scheduled when therapy ends (1, 3 and 6 months on unless
/// planned otherwise), each open to the client from its day for `openDays`, answered in one short form, and shown on
/// the record beside the ending. A risk answer tells the care team at once, as in therapy. Resuming therapy drops
/// the ones not answered.
enum FollowUps {
    static let openDays = 30.0
    static let reminderKind = "follow-up"

    /// The outcome measures the client was asked in therapy (PHQ-9 and GAD-7 when none were chosen).
    static func measures(in record: ClientRecord) async throws -> [InstrumentDefinition] {
        let chosen = try await CheckInPlanRow.find(record.clientID, on: record.db).map { CheckIns.ids($0.instruments) } ?? CheckIns.defaultMeasures
        let outcome = InstrumentCatalogue.shipped.filter { $0.purpose == .outcome && chosen.contains($0.id) }
        return outcome.isEmpty ? InstrumentCatalogue.shipped.filter { ["phq-9", "gad-7"].contains($0.id) } : outcome
    }

    static func schedule(endingID: UUID, dates: [(months: Int, due: Date)], in record: ClientRecord) async throws {
        let measures = try await measures(in: record).map(\.id).joined(separator: ",")
        for (months, due) in dates {
            let row = FollowUpRow()
            row.id = UUID()
            row.practiceID = record.practiceID
            row.clientID = record.clientID
            row.endingID = endingID
            row.months = months
            row.dueAt = due
            row.measures = measures
            row.risk = false
            try await row.create(on: record.db)
        }
    }

    /// Therapy resumed: the follow-ups not answered are no longer asked.
    static func dropPending(in record: ClientRecord) async throws {
        try await FollowUpRow.query(on: record.db).filter(\.$clientID == record.clientID).filter(\.$completedAt == nil).delete()
    }

    /// "phq-9=6,gad-7=4" as pairs, anything unreadable left out.
    static func totalPairs(_ stored: String?) -> [(id: String, total: Double)] {
        (stored ?? "").split(separator: ",").compactMap { part in
            let pieces = part.split(separator: "=")
            guard pieces.count == 2, let value = Double(pieces[1]), value.isFinite else { return nil }
            return (String(pieces[0]), value)
        }
    }

    static func totals(_ stored: String?) -> [String: Double] {
        Dictionary(totalPairs(stored).map { ($0.id, $0.total) }, uniquingKeysWith: { _, last in last })
    }

    static func view(_ row: FollowUpRow) throws -> FollowUpView {
        let totals = totalPairs(row.totals)
        return FollowUpView(id: try row.requireID(), months: row.months, dueAt: row.dueAt,
                            measures: CheckIns.ids(row.measures).compactMap(InstrumentCatalogue.definition(id:)), totals: totals,
                            risk: row.risk, completedAt: row.completedAt)
    }

    static func all(in record: ClientRecord) async throws -> [FollowUpView] {
        try await HotPaths.models(FollowUpRow.self, """
            SELECT * FROM "follow_ups" WHERE "client_id" = \(bind: record.clientID) ORDER BY "due_at"
            """, on: record.db).map(view)
    }

    /// The ones the client can answer now: from their day, for `openDays`, not yet answered.
    static func open(in record: ClientRecord) async throws -> [FollowUpView] {
        try await FollowUpRow.query(on: record.db).filter(\.$clientID == record.clientID).filter(\.$completedAt == nil)
            .filter(\.$dueAt <= record.now).filter(\.$dueAt > record.now.addingTimeInterval(-openDays * 86_400))
            .sort(\.$dueAt).all().map(view)
    }

    /// One of the client's own that is open now; `RecordError.notFound` otherwise (someone else's, not yet due, past,
    /// or answered).
    static func openOne(_ id: UUID, in record: ClientRecord) async throws -> (FollowUpRow, FollowUpView) {
        guard let row = try await FollowUpRow.query(on: record.db).filter(\.$id == id).filter(\.$clientID == record.clientID).first(),
              row.completedAt == nil, row.dueAt <= record.now, row.dueAt > record.now.addingTimeInterval(-openDays * 86_400)
        else { throw RecordError.notFound }
        return (row, try view(row))
    }

    /// Scores every measure from the form's `item-<measure>-<linkId>` fields; every item must be answered with one of
    /// its choices. Returns whether a risk answer was given.
    @discardableResult
    static func answer(_ id: UUID, fields: [String: String], in record: ClientRecord) async throws -> Bool {
        let (row, view) = try await openOne(id, in: record)
        var answers: [String: [Double]] = [:]
        var totals: [String] = []
        var risk = false
        var problems: [FieldProblem] = []
        for definition in view.measures {
            var values: [Double] = []
            for item in definition.item {
                let field = "item-\(definition.id)-\(item.linkId)"
                guard let raw = fields[field], raw.utf8.count <= 8, let value = Double(raw), value.isFinite,
                      (try? Scoring.check(value, for: item, at: values.count, in: definition)) != nil else {
                    problems.append(FieldProblem(field: field, message: "Please answer: \(item.text)"))
                    continue
                }
                values.append(value)
            }
            guard values.count == definition.item.count else { continue }
            let score = try Scoring.score(definition, answers: values)
            answers[definition.id] = values
            totals.append("\(definition.id)=\(Scoring.format(score.total))")
            risk = risk || score.hasRisk
        }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        row.answersEnvelope = try record.seal(String(decoding: try JSONEncoder().encode(answers), as: UTF8.self), FollowUpRow.schema,
                                              "answers", row: try row.requireID())
        row.totals = totals.joined(separator: ",")
        row.risk = risk
        row.completedAt = record.now
        try await row.update(on: record.db)
        if risk {
            // Therapy has ended, but a risk answer is never left unseen: the care team hears at once.
            try await Notifications.enqueue(RiskAlerts.notificationKind, to: record.scope.careTeam.sorted { $0.uuidString < $1.uuidString },
                                            about: try row.requireID(), practiceID: record.practiceID, clientID: record.clientID,
                                            now: record.now, on: record.db)
        }
        return risk
    }

    /// Tells each client whose follow-up has come due, once (through the outbox: the email says only that something
    /// waits). Returns how many were told.
    @discardableResult
    static func remindDue(now: Date, on db: any Database) async throws -> Int {
        let due = try await FollowUpRow.query(on: db).filter(\.$completedAt == nil).filter(\.$remindedAt == nil)
            .filter(\.$dueAt <= now).filter(\.$dueAt > now.addingTimeInterval(-openDays * 86_400)).all()
        for row in due {
            let recipients = try await UserRow.query(on: db).filter(\.$clientID == row.clientID).all().map { try $0.requireID() }
            try await Notifications.enqueue(reminderKind, to: recipients, about: try row.requireID(), practiceID: row.practiceID,
                                            clientID: row.clientID, now: now, on: db)
            row.remindedAt = now
            try await row.update(on: db)
        }
        return due.count
    }
}
