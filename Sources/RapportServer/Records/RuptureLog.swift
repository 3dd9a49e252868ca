import Fluent
import Foundation
import RapportCore

/// A possible rupture the rules raised on the client's record and nobody has reviewed yet.
struct PossibleRupture: Sendable, Codable {
    let appointmentID: UUID
    let sessionStart: Date
    let type: RuptureType
    let rule: String
    let evidence: String

    enum CodingKeys: String, CodingKey {
        case type, rule, evidence
        case appointmentID = "appointment_id"
        case sessionStart = "session_start"
    }
}

/// One attempt at repair, opened.
struct RepairView: Sendable, Codable {
    let id: UUID
    let actions: [RepairAction]
    let outcome: RepairOutcome
    let note: String?
    let sharedWithClient: Bool
    let recordedBy: UUID
    let recordedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, actions, outcome, note
        case sharedWithClient = "shared_with_client"
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
    }

    /// `note` is always present, `null` when none was written.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(actions, forKey: .actions)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(note, forKey: .note)
        try container.encode(sharedWithClient, forKey: .sharedWithClient)
        try container.encode(recordedBy, forKey: .recordedBy)
        try container.encode(recordedAt, forKey: .recordedAt)
    }
}

/// A rupture on the log, opened: what the therapist said about it, its repairs, and whether feedback came back.
struct LoggedRupture: Sendable, Codable {
    enum Status: String, Sendable, Codable {
        case confirmed
        case dismissed
    }

    enum Origin: String, Sendable, Codable {
        /// Raised by a rule, then reviewed.
        case signal
        /// Recorded by the therapist from what they saw in the room.
        case noticed
    }

    let id: UUID
    let appointmentID: UUID?
    let sessionStart: Date?
    let origin: Origin
    let rule: String?
    let type: RuptureType
    let status: Status
    let markers: [RuptureMarker]
    /// The note on a confirmed rupture, or the reason a possible one was dismissed.
    let note: String?
    let recordedBy: UUID
    let recordedAt: Date
    let repairs: [RepairView]
    /// Feedback before, at and since the rupture's session; nil without a session.
    let feedback: FeedbackRecovery?

    /// The latest repair's outcome, or nil before any.
    var latestOutcome: RepairOutcome? { repairs.last?.outcome }

    enum CodingKeys: String, CodingKey {
        case id, origin, rule, type, status, markers, note, repairs, feedback
        case appointmentID = "appointment_id"
        case sessionStart = "session_start"
        case recordedBy = "recorded_by"
        case recordedAt = "recorded_at"
    }

    /// Every key always present, `null` where there is nothing.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(appointmentID, forKey: .appointmentID)
        try container.encode(sessionStart, forKey: .sessionStart)
        try container.encode(origin, forKey: .origin)
        try container.encode(rule, forKey: .rule)
        try container.encode(type, forKey: .type)
        try container.encode(status, forKey: .status)
        try container.encode(markers, forKey: .markers)
        try container.encode(note, forKey: .note)
        try container.encode(recordedBy, forKey: .recordedBy)
        try container.encode(recordedAt, forKey: .recordedAt)
        try container.encode(repairs, forKey: .repairs)
        try container.encode(feedback, forKey: .feedback)
    }
}

/// The relationship part of a record: possible ruptures still to review, and the log.
struct RuptureSummary: Sendable, Codable {
    let possible: [PossibleRupture]
    /// Oldest first, as they happened.
    let log: [LoggedRupture]

    var confirmed: [LoggedRupture] { log.filter { $0.status == .confirmed } }
}

/// What a therapist says about a rupture: confirm or dismiss a possible one, or record one noticed in the room.
struct RuptureEntry: Sendable {
    enum Decision: String, Sendable, CaseIterable {
        case confirm
        case dismiss
        case noticed
    }

    var decision: String?
    var appointmentID: String?
    var rule: String?
    var type: String?
    var markers: [String] = []
    var note: String?
}

/// A repair as sent by a form or the API, before it is checked.
struct RepairEntry: Sendable {
    var actions: [String] = []
    var outcome: String?
    var note: String?
    var shareWithClient: Bool = false
}

/// The rupture → repair log (issue 10, point 2). The possible ruptures come from `RuptureRules` run on the client's
/// own timeline (sessions, feedback, check-ins), every time it is read, so they always agree with the record; the
/// therapist's word on each is stored once, sealed under the client's key.
enum RuptureLog {
    static let maximumNoteLength = 5_000

    /// The client's sessions as the rules read them, oldest first, with the id and start of each. A session counts
    /// once it has happened and its check-ins have had their time (feedback still due or a check-in not yet open
    /// would otherwise look withheld); a session cancelled in good time was never going to be held.
    static func timeline(appointments: [AppointmentView], checkIns: CheckInSummary, practice: PracticeHistory, now: Date)
        -> [(appointmentID: UUID, startsAt: Date, session: TimelineSession)] {
        var feedback: [UUID: TimelineSession.Feedback] = [:]
        for view in checkIns.results where view.definition.purpose == .sessionFeedback && feedback[view.appointmentID] == nil {
            let items = view.answers.compactMap { $0 }
            guard view.isDone, items.count == RuptureRules.itemNames.count else { continue }
            feedback[view.appointmentID] = TimelineSession.Feedback(items: items, comment: !(view.comment ?? "").isEmpty)
        }
        return timeline(appointments: appointments, plan: checkIns.plan, feedback: feedback, practice: practice, now: now)
    }

    /// The same from plain parts: the plan's check-in states, the feedback given by session, and when practice ran
    /// and was logged (the caseload reads these for many clients at once).
    static func timeline(appointments: [AppointmentView], plan entries: [PlannedCheckIn], feedback: [UUID: TimelineSession.Feedback],
                         practice: PracticeHistory, now: Date) -> [(appointmentID: UUID, startsAt: Date, session: TimelineSession)] {
        let plan = Dictionary(grouping: entries, by: \.appointmentID)
        var sessions: [(appointmentID: UUID, startsAt: Date, session: TimelineSession)] = []
        for appointment in appointments where appointment.startsAt <= now {
            if appointment.cancelled && appointment.attendance != .cancelledLate { continue }
            let entries = plan[appointment.id] ?? []
            // A check-in that can still be answered (not yet open, due, or overdue) is not yet missed: the session
            // waits until every one is done or closed, so a signal never rests on something the client may still do.
            if entries.contains(where: { $0.state == .notYetOpen || $0.state == .due || $0.state == .overdue }) { continue }
            let given = feedback[appointment.id]
            // Attendance not recorded yet: a session with feedback was held; otherwise it waits for the therapist.
            guard let attendance = appointment.attendance ?? (given == nil ? nil : .attended) else { continue }
            let outcomes = entries.filter { $0.purpose == .outcome }
            let outcome: TimelineSession.OutcomeCheckIn? = outcomes.isEmpty ? nil
                : (outcomes.contains { $0.state == .done } ? .done : .missed)
            sessions.append((appointment.id, appointment.startsAt,
                             TimelineSession(attendance: attendance, lateMinutes: appointment.lateMinutes, feedback: given,
                                             outcomeCheckIn: outcome,
                                             feedbackAsked: entries.contains { $0.purpose == .sessionFeedback },
                                             practiceNotLogged: practice.notLogged(before: appointment.startsAt))))
        }
        return sessions
    }

    /// The same, reading the client's sessions and check-ins itself (the API and a rupture's own page).
    static func load(in record: ClientRecord) async throws -> RuptureSummary {
        let appointments = try await Appointments.all(in: record)
        return try await load(appointments: appointments,
                              checkIns: try await CheckInSummary.load(sessions: appointments.map(\.slot), in: record), in: record)
    }

    /// Possible ruptures not yet reviewed, and the log with each rupture's repairs and feedback since.
    static func load(appointments: [AppointmentView], checkIns: CheckInSummary, in record: ClientRecord) async throws -> RuptureSummary {
        let practice = try await PracticeAgreements.history(clientID: record.clientID, on: record.db)
        let sessions = timeline(appointments: appointments, checkIns: checkIns, practice: practice, now: record.now)
        let signals = RuptureRules.signals(sessions.map(\.session))
        let rows = try await HotPaths.models(RuptureRow.self, """
            SELECT * FROM "ruptures" WHERE "client_id" = \(bind: record.clientID) ORDER BY "recorded_at"
            """, on: record.db)
        let repairs = Dictionary(grouping: try await HotPaths.models(RuptureRepairRow.self, """
            SELECT * FROM "rupture_repairs" WHERE "client_id" = \(bind: record.clientID) ORDER BY "recorded_at"
            """, on: record.db), by: \.ruptureID)
        let reviewed = Set(rows.compactMap { row in row.rule.map { "\(row.appointmentID?.uuidString ?? "")/\($0)" } })
        let possible = signals.compactMap { signal -> PossibleRupture? in
            let session = sessions[signal.session]
            guard !reviewed.contains("\(session.appointmentID.uuidString)/\(signal.rule)") else { return nil }
            return PossibleRupture(appointmentID: session.appointmentID, sessionStart: session.startsAt, type: signal.type,
                                   rule: signal.rule, evidence: signal.evidence)
        }
        let totals = sessions.map { $0.session.feedback?.total }
        let position = Dictionary(sessions.enumerated().map { ($0.element.appointmentID, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let starts = appointments.startsByID
        let log = try rows.map { row in
            let id = try row.requireID()
            return LoggedRupture(
                id: id, appointmentID: row.appointmentID, sessionStart: row.appointmentID.flatMap { starts[$0] },
                origin: try known(LoggedRupture.Origin(rawValue: row.origin)), rule: row.rule,
                type: try known(RuptureType(rawValue: row.type)), status: try known(LoggedRupture.Status(rawValue: row.status)),
                markers: try row.markersEnvelope.map { try codes(record.open($0, RuptureRow.schema, "markers", row: id)) }?
                    .compactMap(RuptureMarker.init(rawValue:)) ?? [],
                note: try row.noteEnvelope.map { try record.open($0, RuptureRow.schema, "note", row: id) },
                recordedBy: row.recordedBy, recordedAt: row.recordedAt,
                repairs: try (repairs[id] ?? []).map { try view($0, in: record) },
                feedback: row.appointmentID.flatMap { position[$0] }.map { FeedbackRecovery.around($0, totals: totals) })
        }
        return RuptureSummary(possible: possible, log: log)
    }

    static func view(_ row: RuptureRepairRow, in record: ClientRecord) throws -> RepairView {
        let id = try row.requireID()
        return RepairView(id: id,
                          actions: codes(try record.open(row.actionsEnvelope, RuptureRepairRow.schema, "actions", row: id)).compactMap(RepairAction.init(rawValue:)),
                          outcome: try known(RepairOutcome(rawValue: row.outcome)),
                          note: try row.noteEnvelope.map { try record.open($0, RuptureRepairRow.schema, "note", row: id) },
                          sharedWithClient: row.sharedWithClient, recordedBy: row.recordedBy, recordedAt: row.recordedAt)
    }

    static func codes(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }

    /// A stored value this build doesn't know means the database is from a newer or altered Rapport: refuse rather
    /// than guess (a dismissed rupture read as confirmed would invite a repair of nothing).
    static func known<T>(_ value: T?) throws -> T {
        guard let value else { throw RecordError.unknownInstrument }
        return value
    }

    /// A note is optional, but never longer than a short page.
    static func noteProblem(_ raw: String?, field: String) -> FieldProblem? {
        guard let raw, InputRules.isTooLong(raw, maximum: maximumNoteLength) else { return nil }
        return FieldProblem(field: field, message: "Please keep this to \(maximumNoteLength) characters; a progress note can hold more.")
    }

    static func trimmed(_ raw: String?) -> String? {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Confirms or dismisses a possible rupture, or records one noticed in the room. Everything is checked first;
    /// nothing is written unless all of it is right. Returns the rupture's id.
    @discardableResult
    static func record(_ entry: RuptureEntry, in record: ClientRecord) async throws -> UUID {
        guard let decision = entry.decision.flatMap(RuptureEntry.Decision.init(rawValue:)) else {
            throw RecordError.invalid([FieldProblem(field: "decision", message: "Choose confirm, dismiss or noticed.")])
        }
        var problems: [FieldProblem] = []
        // Every value sent is one Rapport knows, whatever the decision reads of it.
        if let rule = entry.rule, !RuptureRules.all.contains(where: { $0.id == rule }) {
            problems.append(FieldProblem(field: "rule", message: "\"\(rule.prefix(40))\" is not one of the rules: "
                + RuptureRules.all.map(\.id).joined(separator: ", ") + "."))
        }
        if let type = entry.type, RuptureType(rawValue: type) == nil {
            problems.append(FieldProblem(field: "type", message: "Choose withdrawal or confrontation."))
        }
        let markers = entry.markers.map { (raw: $0, marker: RuptureMarker(rawValue: $0)) }
        if let unknown = markers.first(where: { $0.marker == nil }) {
            problems.append(FieldProblem(field: "markers", message: "\"\(unknown.raw.prefix(40))\" is not one of the markers: "
                + RuptureMarker.allCases.map(\.rawValue).joined(separator: ", ") + "."))
        }
        // In the catalogue's order (withdrawal first, as 3RS lists them), each once.
        let chosen = RuptureMarker.allCases.filter { marker in markers.contains { $0.marker == marker } }
        if let problem = noteProblem(entry.note, field: "note") { problems.append(problem) }
        let note = trimmed(entry.note)
        let appointmentID = entry.appointmentID.flatMap { UUID(uuidString: $0.trimmingCharacters(in: .whitespaces)) }
        if let raw = entry.appointmentID, !raw.trimmingCharacters(in: .whitespaces).isEmpty, appointmentID == nil {
            problems.append(FieldProblem(field: "appointment_id", message: "Choose one of the client's sessions."))
        }
        var type: RuptureType
        var rule: String?
        switch decision {
        case .confirm, .dismiss:
            // The signal must be one the rules raise on this record now, and not reviewed yet.
            let summary = try await load(appointments: try await Appointments.all(in: record),
                                         checkIns: try await CheckInSummary.load(in: record), in: record)
            guard let appointmentID, let ruleName = entry.rule,
                  let signal = summary.possible.first(where: { $0.appointmentID == appointmentID && $0.rule == ruleName })
            else {
                if let appointmentID, let ruleName = entry.rule,
                   summary.log.contains(where: { $0.appointmentID == appointmentID && $0.rule == ruleName }) {
                    throw RecordError.conflict("This possible rupture has already been reviewed.")
                }
                throw RecordError.invalid(problems + [FieldProblem(field: "rule", message: "There is no possible rupture to review for that session and rule. Reload the record to see the current ones.")])
            }
            type = signal.type
            rule = ruleName
            if decision == .dismiss && note == nil {
                problems.append(FieldProblem(field: "note", message: "Say in a few words why this is not a rupture, so that the reason is on the record."))
            }
        case .noticed:
            guard let given = entry.type.flatMap(RuptureType.init(rawValue:)) else {
                let missing = problems.contains { $0.field == "type" } ? [] : [FieldProblem(field: "type", message: "Choose withdrawal or confrontation.")]
                throw RecordError.invalid(problems + missing)
            }
            type = given
            if chosen.isEmpty && note == nil {
                problems.append(FieldProblem(field: "markers", message: "Choose at least one marker, or describe what you noticed in the note."))
            }
            if let appointmentID, try await Appointments.one(appointmentID, in: record) == nil {
                problems.append(FieldProblem(field: "appointment_id", message: "Choose one of the client's sessions."))
            }
        }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let row = RuptureRow()
        let id = UUID()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.appointmentID = appointmentID
        row.origin = decision == .noticed ? LoggedRupture.Origin.noticed.rawValue : LoggedRupture.Origin.signal.rawValue
        row.rule = rule
        row.type = type.rawValue
        row.status = decision == .dismiss ? LoggedRupture.Status.dismissed.rawValue : LoggedRupture.Status.confirmed.rawValue
        row.markersEnvelope = chosen.isEmpty ? nil : try record.seal(chosen.map(\.rawValue).joined(separator: ","), RuptureRow.schema, "markers", row: id)
        row.noteEnvelope = try note.map { try record.seal($0, RuptureRow.schema, "note", row: id) }
        row.recordedBy = record.actor.userID
        row.recordedAt = record.now
        do {
            try await row.create(on: record.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Most likely two therapists reviewed the same signal at once: the first word stands.
            throw RecordError.conflict("This possible rupture has already been reviewed, or the record changed meanwhile. Reload the record to see it as it is now.")
        }
        try await record.noteChange()
        return id
    }

    /// A repair on a confirmed rupture of this client's.
    static func repair(_ ruptureID: UUID, _ entry: RepairEntry, in record: ClientRecord) async throws -> RepairView {
        guard let rupture = try await RuptureRow.query(on: record.db).filter(\.$id == ruptureID)
            .filter(\.$clientID == record.clientID).first() else { throw RecordError.notFound }
        guard rupture.status == LoggedRupture.Status.confirmed.rawValue else {
            throw RecordError.conflict("This possible rupture was dismissed, so there is nothing to repair. Record it as noticed if it was one after all.")
        }
        var problems: [FieldProblem] = []
        let actions = entry.actions.map { (raw: $0, action: RepairAction(rawValue: $0)) }
        if let unknown = actions.first(where: { $0.action == nil }) {
            problems.append(FieldProblem(field: "actions", message: "\"\(unknown.raw.prefix(40))\" is not one of: "
                + RepairAction.allCases.map(\.rawValue).joined(separator: ", ") + "."))
        } else if actions.isEmpty {
            problems.append(FieldProblem(field: "actions", message: "Choose at least one thing you did."))
        }
        let outcome = entry.outcome.flatMap(RepairOutcome.init(rawValue:))
        if outcome == nil { problems.append(FieldProblem(field: "outcome", message: "Choose resolved, partly or not yet.")) }
        if let problem = noteProblem(entry.note, field: "note") { problems.append(problem) }
        guard problems.isEmpty, let outcome else { throw RecordError.invalid(problems) }
        let chosen = RepairAction.allCases.filter { action in actions.contains { $0.action == action } }
        let note = trimmed(entry.note)
        let row = RuptureRepairRow()
        let id = UUID()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.ruptureID = ruptureID
        row.actionsEnvelope = try record.seal(chosen.map(\.rawValue).joined(separator: ","), RuptureRepairRow.schema, "actions", row: id)
        row.outcome = outcome.rawValue
        row.noteEnvelope = try note.map { try record.seal($0, RuptureRepairRow.schema, "note", row: id) }
        row.sharedWithClient = entry.shareWithClient
        row.recordedBy = record.actor.userID
        row.recordedAt = record.now
        try await row.create(on: record.db)
        try await record.noteChange()
        return RepairView(id: id, actions: chosen, outcome: outcome, note: note, sharedWithClient: entry.shareWithClient,
                          recordedBy: row.recordedBy, recordedAt: row.recordedAt)
    }
}
