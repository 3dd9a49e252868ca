import Fluent
import Foundation
import RapportCore
import RapportVault

/// Check-ins before sessions and feedback after them: what is due, saving answers one at a time, scoring at
/// submission, and raising risk alerts at once. Every call takes the `ClientRecord` that the policy opened: the care
/// team's through `withClientRecord`, the client's own through `Request.ownRecord`.
enum CheckIns {
    /// Measures a client is asked when their therapist has not chosen: the two enabled by default, and feedback.
    static let defaultMeasures = ["phq-9", "gad-7", "session-feedback"]
    static let maximumCommentLength = 2000

    // MARK: Which measures

    /// The client's measures, in catalogue order, leaving out any the practice no longer has enabled.
    static func measures(in record: ClientRecord) async throws -> [InstrumentDefinition] {
        try await measures(available: try await PracticeSettings.availableMeasures(practiceID: record.practiceID, on: record.db), in: record)
    }

    /// The same, when the caller already has the practice's measures.
    static func measures(available: [InstrumentDefinition], in record: ClientRecord) async throws -> [InstrumentDefinition] {
        let chosen = try await HotPaths.model(CheckInPlanRow.self, """
            SELECT * FROM "check_in_plans" WHERE "id" = \(bind: record.clientID)
            """, on: record.db).map { ids($0.instruments) } ?? defaultMeasures
        return available.filter { chosen.contains($0.id) }
    }

    static func setMeasures(_ chosen: [String], in record: ClientRecord) async throws {
        let available = try await PracticeSettings.availableMeasures(practiceID: record.practiceID, on: record.db).map(\.id)
        if let unknown = chosen.first(where: { !available.contains($0) }) {
            throw RecordError.invalid([FieldProblem(field: "measures", message: "\(unknown) is not a measure this practice offers.")])
        }
        let row = try await CheckInPlanRow.find(record.clientID, on: record.db) ?? CheckInPlanRow()
        let isNew = row.id == nil
        row.id = record.clientID
        row.instruments = available.filter { chosen.contains($0) }.joined(separator: ",")
        row.updatedBy = record.actor.userID
        row.updatedAt = record.now
        if isNew { try await row.create(on: record.db) } else { try await row.update(on: record.db) }
        try await record.noteChange()
    }

    // MARK: What is due

    /// The plan from sessions and check-in rows the caller has already read.
    static func plan(appointments: [AppointmentSlot], checkIns: [CheckInRow], measures: [InstrumentDefinition], now: Date) -> [PlannedCheckIn] {
        let done = checkIns.filter { $0.completedAt != nil }.map { CheckInKey(appointmentID: $0.appointmentID, instrumentID: $0.instrumentID) }
        return CheckInSchedule.plan(appointments: appointments, measures: measures, completed: Set(done), now: now)
    }

    /// The client's sessions as check-ins see them: times and attendance, nothing sealed.
    static func slots(in record: ClientRecord) async throws -> [AppointmentSlot] {
        try await AppointmentRow.all(clientID: record.clientID, on: record.db).map { row in
            AppointmentSlot(id: try row.requireID(), start: row.startsAt, minutes: row.durationMinutes, cancelled: row.cancelled,
                            attendance: row.attendance.flatMap(Attendance.init(rawValue:)))
        }
    }

    /// Every check-in of the client, finished or not.
    static func rows(in record: ClientRecord) async throws -> [CheckInRow] {
        try await CheckInRow.all(clientID: record.clientID, on: record.db)
    }

    /// The planned check-in for one session and measure, if the client's plan calls for it.
    static func planned(appointmentID: UUID, instrumentID: String, in record: ClientRecord) async throws -> (PlannedCheckIn, InstrumentDefinition)? {
        let measures = try await measures(in: record)
        guard let definition = measures.first(where: { $0.id == instrumentID }) else { return nil }
        let plan = plan(appointments: try await slots(in: record), checkIns: try await rows(in: record), measures: [definition], now: record.now)
        guard let entry = plan.first(where: { $0.appointmentID == appointmentID }) else { return nil }
        return (entry, definition)
    }

    /// Open check-ins for the client's portal, soonest first, with the session each belongs to.
    static func open(in record: ClientRecord) async throws -> [DueCheckIn] {
        let measures = try await measures(in: record)
        let sessions = try await slots(in: record)
        let plan = plan(appointments: sessions, checkIns: try await rows(in: record), measures: measures, now: record.now).filter(\.state.isOpen)
        return plan.compactMap { entry in
            guard let definition = measures.first(where: { $0.id == entry.instrumentID }) else { return nil }
            return DueCheckIn(planned: entry, definition: definition, session: sessions.first { $0.id == entry.appointmentID })
        }
    }

    // MARK: Answers

    /// The check-in for one session and measure, without opening it.
    static func find(appointmentID: UUID, instrumentID: String, in record: ClientRecord) async throws -> CheckInRow? {
        try await CheckInRow.query(on: record.db).filter(\.$appointmentID == appointmentID).filter(\.$instrumentID == instrumentID)
            .filter(\.$clientID == record.clientID).first()
    }

    /// The check-in for one session and measure, opened once: the row to write back, and what it says.
    static func opened(appointmentID: UUID, instrumentID: String, in record: ClientRecord) async throws -> OpenedCheckIn? {
        try await find(appointmentID: appointmentID, instrumentID: instrumentID, in: record).map { try opened($0, in: record) }
    }

    static func opened(_ row: CheckInRow, in record: ClientRecord) throws -> OpenedCheckIn {
        let id = try row.requireID()
        guard let definition = InstrumentCatalogue.definition(id: row.instrumentID) else { throw RecordError.unknownInstrument }
        let json = try record.open(row.answersEnvelope, CheckInRow.schema, "answers", row: id)
        let answers = try Self.answers(json)
        let comment = try row.commentEnvelope.map { try record.open($0, CheckInRow.schema, "comment", row: id) }
        return OpenedCheckIn(row: row, view: try CheckInView(row, definition: definition, answers: answers, comment: comment))
    }

    /// Saves one answer to the check-in the caller has already opened (nil: the first answer creates it). A risk item
    /// answered above 0 raises the alert in the same transaction, before the client sees the next question. The
    /// check-in is opened once per answer: what is saved is built from what was opened, not read back.
    static func saveAnswer(_ value: Double, item index: Int, definition: InstrumentDefinition, appointmentID: UUID,
                           to existing: OpenedCheckIn?, in record: ClientRecord) async throws -> OpenedCheckIn {
        guard definition.item.indices.contains(index) else {
            throw RecordError.invalid([FieldProblem(field: "item", message: "That question isn't part of this check-in.")])
        }
        do {
            try Scoring.check(value, for: definition.item[index], at: index, in: definition)
        } catch let error as ScoringError {
            throw RecordError.invalid([FieldProblem(field: "answer", message: error.description)])
        }
        guard existing?.view.isDone != true else { throw RecordError.conflict("This check-in is already finished.") }
        let row = existing?.row ?? newRow(definition: definition, appointmentID: appointmentID, inRoom: false, in: record)
        var answers = existing?.view.answers ?? Array(repeating: nil, count: definition.item.count)
        answers[index] = value
        try await store(row, answers: answers, in: record)
        let saved = try CheckInView(row, definition: definition, answers: answers, comment: existing?.view.comment)
        if definition.item[index].risk == true, value > 0 {
            try await RiskAlerts.raise(for: saved, in: record)
        }
        return OpenedCheckIn(row: row, view: saved)
    }

    /// Scores the opened check-in, whose items must all be answered, and closes it. The comment is optional, and sealed.
    static func finish(_ existing: OpenedCheckIn?, definition: InstrumentDefinition, comment: String?,
                       in record: ClientRecord) async throws -> CheckInView {
        guard let existing else {
            throw RecordError.invalid([FieldProblem(field: "form", message: "Please answer the questions first.")])
        }
        return try await complete(existing.row, answers: existing.view.answers, definition: definition, comment: comment, in: record)
    }

    /// Answers given in the room, typed in by the therapist in one go. Any answers the client had already given
    /// are replaced by these.
    static func enterInRoom(_ answers: [Double], comment: String?, definition: InstrumentDefinition, appointmentID: UUID,
                            in record: ClientRecord) async throws -> CheckInView {
        let row = try await find(appointmentID: appointmentID, instrumentID: definition.id, in: record)
            ?? newRow(definition: definition, appointmentID: appointmentID, inRoom: true, in: record)
        guard row.completedAt == nil else { throw RecordError.conflict("This check-in is already finished.") }
        row.enteredBy = record.actor.userID
        row.inRoom = true
        return try await complete(row, answers: answers, definition: definition, comment: comment, in: record)
    }

    private static func complete(_ row: CheckInRow, answers: [Double?], definition: InstrumentDefinition, comment: String?,
                                 in record: ClientRecord) async throws -> CheckInView {
        guard row.completedAt == nil else { throw RecordError.conflict("This check-in is already finished.") }
        guard answers.count == definition.item.count else {
            throw RecordError.invalid([FieldProblem(field: "answers", message: ScoringError.wrongNumberOfAnswers(
                expected: definition.item.count, got: answers.count).description)])
        }
        if let missing = answers.firstIndex(where: { $0 == nil }) {
            throw RecordError.invalid([FieldProblem(field: "answers", message: "Question \(missing + 1) still needs an answer.")])
        }
        let given = answers.compactMap { $0 }
        let result: ScoreResult
        do {
            result = try Scoring.score(definition, answers: given)
        } catch let error as ScoringError {
            throw RecordError.invalid([FieldProblem(field: "answers", message: error.description)])
        }
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if InputRules.isTooLong(comment ?? "", maximum: maximumCommentLength) {
            throw RecordError.invalid([FieldProblem(field: "comment", message: "Please keep this under \(maximumCommentLength) characters.")])
        }
        row.total = result.total
        row.band = result.band?.code
        row.flags = result.flags.joined(separator: ",")
        row.completedAt = record.now
        // The id is the comment's envelope context, so a new row (entered in the room) gets it before sealing.
        if row.id == nil { row.id = UUID() }
        if !text.isEmpty {
            row.commentEnvelope = try record.seal(text, CheckInRow.schema, "comment", row: try row.requireID())
        }
        try await store(row, answers: answers, in: record)
        let finished = try CheckInView(row, definition: definition, answers: answers, comment: text.isEmpty ? nil : text)
        if result.hasRisk { try await RiskAlerts.raise(for: finished, in: record) }
        return finished
    }

    private static func newRow(definition: InstrumentDefinition, appointmentID: UUID, inRoom: Bool, in record: ClientRecord) -> CheckInRow {
        let row = CheckInRow()
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.appointmentID = appointmentID
        row.instrumentID = definition.id
        row.flags = ""
        row.enteredBy = record.actor.userID
        row.inRoom = inRoom
        row.startedAt = record.now
        return row
    }

    /// Seals the answers under the row's own id, creating the row when it is new.
    private static func store(_ row: CheckInRow, answers: [Double?], in record: ClientRecord) async throws {
        let isNew = !row.$id.exists
        if row.id == nil { row.id = UUID() }
        let json = String(decoding: try JSONEncoder().encode(answers), as: UTF8.self)
        row.answersEnvelope = try record.seal(json, CheckInRow.schema, "answers", row: try row.requireID())
        if isNew {
            // The session's time and therapist go with the check-in, for practice outcomes (migration 0019).
            guard let session = try await AppointmentRow.query(on: record.db).filter(\.$id == row.appointmentID)
                .filter(\.$clientID == record.clientID).field(\.$startsAt).field(\.$therapistID).first()
            else { throw RecordError.notFound }
            row.sessionStartsAt = session.startsAt
            row.sessionTherapistID = session.therapistID
            row.refreshOutcomeKey()
            try await row.create(on: record.db)
        } else {
            row.refreshOutcomeKey()
            try await row.update(on: record.db)
        }
        try await record.noteChange()
    }

    // MARK: Results

    /// Finished check-ins in the order of their sessions (not of entry: answers typed in later for an earlier
    /// session still count as earlier), so "first" and "latest" mean what they say.
    static func results(_ checkIns: [CheckInRow], sessions: [AppointmentSlot], in record: ClientRecord) throws -> [CheckInView] {
        let starts = Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, $0.start) })
        func order(_ row: CheckInRow) -> (Date, Date) { (starts[row.appointmentID] ?? .distantPast, row.completedAt ?? .distantPast) }
        return try checkIns.filter { $0.completedAt != nil }.sorted { order($0) < order($1) }.map { try opened($0, in: record).view }
    }

    /// The answers as sealed: a JSON array of numbers and nulls (`[2,1,null,3]`), read directly; anything else
    /// through `JSONDecoder`. A record page opens every check-in the client has answered, and the decoder was most of
    /// that (perf record under `scripts/bench --at-size`).
    static func answers(_ json: String) throws -> [Double?] {
        let bytes = json.utf8
        if bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") {
            let inside = json.dropFirst().dropLast()
            if inside.isEmpty { return [] }
            var answers: [Double?] = []
            var readable = true
            for part in inside.split(separator: ",", omittingEmptySubsequences: false) {
                if part == "null" {
                    answers.append(nil)
                } else if let value = Double(part), value.isFinite {
                    answers.append(value)
                } else {
                    readable = false
                    break
                }
            }
            if readable { return answers }
        }
        return try JSONDecoder().decode([Double?].self, from: Data(json.utf8))
    }

    static func ids(_ list: String) -> [String] {
        list.split(separator: ",").map(String.init)
    }
}
