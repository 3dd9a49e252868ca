import Fluent
import Foundation
import RapportCore
import RapportVault
import SQLKit
import Vapor

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

/// Check-ins before sessions and feedback after them: what is due, saving answers one at a time, scoring at
/// submission, and raising risk alerts at once. Therapist-side calls run inside `withClientRecord`; the client's own
/// pages call these with their own client id, checked against the session.
enum CheckIns {
    /// Measures a client is asked when their therapist has not chosen: the two enabled by default, and feedback.
    static let defaultMeasures = ["phq-9", "gad-7", "session-feedback"]
    static let maximumCommentLength = 2000
    static let riskAlertKind = "risk-alert"

    // MARK: Which measures

    /// The client's measures, in catalogue order, leaving out any the practice no longer has enabled.
    static func measures(clientID: UUID, practiceID: UUID, on db: any Database) async throws -> [InstrumentDefinition] {
        try await measures(clientID: clientID, available: try await PracticeSettings.availableMeasures(practiceID: practiceID, on: db), on: db)
    }

    /// The same, when the caller already has the practice's measures.
    static func measures(clientID: UUID, available: [InstrumentDefinition], on db: any Database) async throws -> [InstrumentDefinition] {
        let chosen = try await CheckInPlanRow.find(clientID, on: db).map { ids($0.instruments) } ?? defaultMeasures
        return available.filter { chosen.contains($0.id) }
    }

    static func setMeasures(_ chosen: [String], access: ClientAccess, now: Date, on db: any Database) async throws {
        let available = try await PracticeSettings.availableMeasures(practiceID: access.scope.practiceID, on: db).map(\.id)
        if let unknown = chosen.first(where: { !available.contains($0) }) {
            throw RapportError.invalid([FieldProblem(field: "measures", message: "\(unknown) is not a measure this practice offers.")])
        }
        let row = try await CheckInPlanRow.find(access.scope.clientID, on: db) ?? CheckInPlanRow()
        let isNew = row.id == nil
        row.id = access.scope.clientID
        row.instruments = available.filter { chosen.contains($0) }.joined(separator: ",")
        row.updatedBy = access.actor.userID
        row.updatedAt = now
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }

    // MARK: What is due

    /// Every check-in the client's sessions call for, with its state now.
    static func plan(clientID: UUID, measures: [InstrumentDefinition], now: Date, on db: any Database) async throws -> [PlannedCheckIn] {
        plan(sessions: try await sessions(clientID: clientID, on: db), checkIns: try await rows(clientID: clientID, on: db),
             measures: measures, now: now)
    }

    /// The plan from sessions and check-in rows the caller has already read.
    static func plan(sessions: [SessionSlot], checkIns: [CheckInRow], measures: [InstrumentDefinition], now: Date) -> [PlannedCheckIn] {
        let done = checkIns.filter { $0.completedAt != nil }.map { CheckInKey(sessionID: $0.appointmentID, instrumentID: $0.instrumentID) }
        return CheckInSchedule.plan(sessions: sessions, measures: measures, completed: Set(done), now: now)
    }

    static func sessions(clientID: UUID, on db: any Database) async throws -> [SessionSlot] {
        try await AppointmentRow.query(on: db).filter(\.$clientID == clientID).all().map { row in
            SessionSlot(id: try row.requireID(), start: row.startsAt, minutes: row.durationMinutes, cancelled: row.cancelled,
                        attendance: row.attendance.flatMap(Attendance.init(rawValue:)))
        }
    }

    /// Every check-in of the client, finished or not.
    static func rows(clientID: UUID, on db: any Database) async throws -> [CheckInRow] {
        try await CheckInRow.query(on: db).filter(\.$clientID == clientID).all()
    }

    /// The planned check-in for one session and measure, if the client's plan calls for it.
    static func planned(clientID: UUID, practiceID: UUID, appointmentID: UUID, instrumentID: String, now: Date,
                        on db: any Database) async throws -> (PlannedCheckIn, InstrumentDefinition)? {
        let measures = try await measures(clientID: clientID, practiceID: practiceID, on: db)
        guard let definition = measures.first(where: { $0.id == instrumentID }) else { return nil }
        let plan = try await plan(clientID: clientID, measures: [definition], now: now, on: db)
        guard let entry = plan.first(where: { $0.sessionID == appointmentID }) else { return nil }
        return (entry, definition)
    }

    // MARK: Answers

    static func find(appointmentID: UUID, instrumentID: String, clientID: UUID, on db: any Database) async throws -> CheckInRow? {
        try await CheckInRow.query(on: db).filter(\.$appointmentID == appointmentID).filter(\.$instrumentID == instrumentID)
            .filter(\.$clientID == clientID).first()
    }

    static func view(_ row: CheckInRow, key: ClientDataKey, keys: KeyStore) throws -> CheckInView {
        let id = try row.requireID()
        guard let definition = InstrumentCatalogue.definition(id: row.instrumentID) else { throw RecordError.unknownInstrument }
        let json = try keys.open(row.answersEnvelope, key: key, CheckInRow.schema, "answers", row: id)
        let answers = try JSONDecoder().decode([Double?].self, from: Data(json.utf8))
        return CheckInView(
            id: id, appointmentID: row.appointmentID, definition: definition, answers: answers,
            comment: try row.commentEnvelope.map { try keys.open($0, key: key, CheckInRow.schema, "comment", row: id) },
            total: row.total, band: row.band.flatMap { code in definition.band.first { $0.code == code } },
            flags: ids(row.flags), inRoom: row.inRoom, startedAt: row.startedAt, completedAt: row.completedAt)
    }

    /// Saves one answer, creating the check-in on the first. A risk item answered above 0 raises the alert in the
    /// same transaction, before the rest is answered: someone may close the page right after that question.
    static func saveAnswer(_ value: Double, item index: Int, definition: InstrumentDefinition, appointmentID: UUID,
                           scope: ClientScope, by userID: UUID, key: ClientDataKey, keys: KeyStore, now: Date,
                           on db: any Database) async throws -> CheckInView {
        guard definition.item.indices.contains(index) else {
            throw RapportError.invalid([FieldProblem(field: "item", message: "That question isn't part of this check-in.")])
        }
        do {
            try Scoring.check(value, for: definition.item[index], at: index, in: definition)
        } catch let error as ScoringError {
            throw RapportError.invalid([FieldProblem(field: "answer", message: error.description)])
        }
        let row = try await find(appointmentID: appointmentID, instrumentID: definition.id, clientID: scope.clientID, on: db)
            ?? newRow(definition: definition, appointmentID: appointmentID, scope: scope, by: userID, inRoom: false, now: now)
        var answers: [Double?] = row.id == nil ? Array(repeating: nil, count: definition.item.count)
            : try view(row, key: key, keys: keys).answers
        guard row.completedAt == nil else { throw RapportError.conflict("This check-in is already finished.") }
        answers[index] = value
        try await store(row, answers: answers, key: key, keys: keys, on: db)
        let saved = try view(row, key: key, keys: keys)
        if definition.item[index].risk == true, value > 0 {
            try await raiseRiskAlert(for: saved, scope: scope, key: key, keys: keys, now: now, on: db)
        }
        return saved
    }

    /// Scores a check-in whose items are all answered and closes it. The comment is optional, and sealed.
    static func finish(appointmentID: UUID, definition: InstrumentDefinition, comment: String?, scope: ClientScope,
                       key: ClientDataKey, keys: KeyStore, now: Date, on db: any Database) async throws -> CheckInView {
        guard let row = try await find(appointmentID: appointmentID, instrumentID: definition.id, clientID: scope.clientID, on: db) else {
            throw RapportError.invalid([FieldProblem(field: "form", message: "Please answer the questions first.")])
        }
        let answers = try view(row, key: key, keys: keys).answers
        return try await complete(row, answers: answers, definition: definition, comment: comment, scope: scope, key: key, keys: keys,
                                  now: now, on: db)
    }

    /// Answers given in the room, typed in by the therapist in one go. Any answers the client had already given
    /// are replaced by these.
    static func enterInRoom(_ answers: [Double], comment: String?, definition: InstrumentDefinition, appointmentID: UUID,
                            access: ClientAccess, key: ClientDataKey, keys: KeyStore, now: Date, on db: any Database) async throws -> CheckInView {
        let row = try await find(appointmentID: appointmentID, instrumentID: definition.id, clientID: access.scope.clientID, on: db)
            ?? newRow(definition: definition, appointmentID: appointmentID, scope: access.scope, by: access.actor.userID, inRoom: true, now: now)
        guard row.completedAt == nil else { throw RapportError.conflict("This check-in is already finished.") }
        row.enteredBy = access.actor.userID
        row.inRoom = true
        return try await complete(row, answers: answers, definition: definition, comment: comment, scope: access.scope, key: key, keys: keys,
                                  now: now, on: db)
    }

    private static func complete(_ row: CheckInRow, answers: [Double?], definition: InstrumentDefinition, comment: String?,
                                 scope: ClientScope, key: ClientDataKey, keys: KeyStore, now: Date, on db: any Database) async throws -> CheckInView {
        guard row.completedAt == nil else { throw RapportError.conflict("This check-in is already finished.") }
        guard answers.count == definition.item.count else {
            throw RapportError.invalid([FieldProblem(field: "answers", message: ScoringError.wrongNumberOfAnswers(
                expected: definition.item.count, got: answers.count).description)])
        }
        if let missing = answers.firstIndex(where: { $0 == nil }) {
            throw RapportError.invalid([FieldProblem(field: "answers", message: "Question \(missing + 1) still needs an answer.")])
        }
        let given = answers.compactMap { $0 }
        let result: ScoreResult
        do {
            result = try Scoring.score(definition, answers: given)
        } catch let error as ScoringError {
            throw RapportError.invalid([FieldProblem(field: "answers", message: error.description)])
        }
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if InputRules.isTooLong(comment ?? "", maximum: maximumCommentLength) {
            throw RapportError.invalid([FieldProblem(field: "comment", message: "Please keep this under \(maximumCommentLength) characters.")])
        }
        row.total = result.total
        row.band = result.band?.code
        row.flags = result.flags.joined(separator: ",")
        row.completedAt = now
        // The id is the comment's envelope context, so a new row (entered in the room) gets it before sealing.
        if row.id == nil { row.id = UUID() }
        if !text.isEmpty {
            row.commentEnvelope = try keys.seal(text, key: key, CheckInRow.schema, "comment", row: try row.requireID())
        }
        try await store(row, answers: answers, key: key, keys: keys, on: db)
        let finished = try view(row, key: key, keys: keys)
        if result.hasRisk { try await raiseRiskAlert(for: finished, scope: scope, key: key, keys: keys, now: now, on: db) }
        return finished
    }

    private static func newRow(definition: InstrumentDefinition, appointmentID: UUID, scope: ClientScope, by userID: UUID,
                               inRoom: Bool, now: Date) -> CheckInRow {
        let row = CheckInRow()
        row.practiceID = scope.practiceID
        row.clientID = scope.clientID
        row.appointmentID = appointmentID
        row.instrumentID = definition.id
        row.flags = ""
        row.enteredBy = userID
        row.inRoom = inRoom
        row.startedAt = now
        return row
    }

    /// Seals the answers under the row's own id, creating the row when it is new.
    private static func store(_ row: CheckInRow, answers: [Double?], key: ClientDataKey, keys: KeyStore, on db: any Database) async throws {
        let isNew = !row.$id.exists
        if row.id == nil { row.id = UUID() }
        let json = String(decoding: try JSONEncoder().encode(answers), as: UTF8.self)
        row.answersEnvelope = try keys.seal(json, key: key, CheckInRow.schema, "answers", row: try row.requireID())
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }

    // MARK: Risk

    /// One alert per check-in, and one outbox notification per therapist on the care team.
    private static func raiseRiskAlert(for checkIn: CheckInView, scope: ClientScope, key: ClientDataKey, keys: KeyStore, now: Date,
                                       on db: any Database) async throws {
        let checkInID = checkIn.id
        guard try await RiskAlertRow.query(on: db).filter(\.$checkInID == checkInID).count() == 0 else { return }
        let alert = RiskAlertRow()
        let alertID = UUID()
        alert.id = alertID
        alert.practiceID = scope.practiceID
        alert.clientID = scope.clientID
        alert.checkInID = checkInID
        alert.instrumentID = checkIn.definition.id
        alert.raisedAt = now
        alert.evidenceEnvelope = try keys.seal(checkIn.riskAnswers.joined(separator: "\n"), key: key, RiskAlertRow.schema, "evidence", row: alertID)
        try await alert.create(on: db)
        for therapistID in scope.careTeam.sorted(by: { $0.uuidString < $1.uuidString }) {
            let notification = NotificationRow()
            notification.practiceID = scope.practiceID
            notification.recipientID = therapistID
            notification.kind = riskAlertKind
            notification.clientID = scope.clientID
            notification.subjectID = alertID
            notification.createdAt = now
            try await notification.create(on: db)
        }
    }

    /// An open alert as the therapist sees it: the evidence as it was when raised.
    struct OpenAlert: Sendable {
        let id: UUID
        let raisedAt: Date
        let checkIn: CheckInView
        let evidence: [String]
    }

    /// Open alerts with the check-in that raised each, newest first.
    /// `checkIns` are the client's check-in rows, already read by the caller.
    static func openAlerts(clientID: UUID, checkIns: [CheckInRow], key: ClientDataKey, keys: KeyStore, on db: any Database) async throws -> [OpenAlert] {
        let alerts = try await RiskAlertRow.query(on: db).filter(\.$clientID == clientID).filter(\.$acknowledgedAt == nil)
            .sort(\.$raisedAt, .descending).all()
        return try alerts.compactMap { alert in
            guard let row = checkIns.first(where: { $0.id == alert.checkInID }) else { return nil }
            let alertID = try alert.requireID()
            let evidence = try keys.open(alert.evidenceEnvelope, key: key, RiskAlertRow.schema, "evidence", row: alertID)
            return OpenAlert(id: alertID, raisedAt: alert.raisedAt, checkIn: try view(row, key: key, keys: keys),
                             evidence: evidence.split(separator: "\n").map(String.init))
        }
    }

    /// Marks as seen the alerts the therapist was shown (their ids come from the page), never one raised since.
    static func acknowledgeAlerts(_ alertIDs: [UUID], access: ClientAccess, now: Date, on db: any Database) async throws -> Int {
        guard !alertIDs.isEmpty else { return 0 }
        let open = try await RiskAlertRow.query(on: db).filter(\.$clientID == access.scope.clientID).filter(\.$acknowledgedAt == nil)
            .filter(\.$id ~~ alertIDs).all()
        for alert in open {
            alert.acknowledgedAt = now
            alert.acknowledgedBy = access.actor.userID
            try await alert.update(on: db)
        }
        return open.count
    }

    /// Which of these clients have an open risk alert: for the caseload, in one query.
    static func clientsWithOpenAlerts(_ clientIDs: [UUID], on db: any Database) async throws -> Set<UUID> {
        guard !clientIDs.isEmpty else { return [] }
        return Set(try await RiskAlertRow.query(on: db).filter(\.$clientID ~~ clientIDs).filter(\.$acknowledgedAt == nil).all().map(\.clientID))
    }

    // MARK: Results

    /// Finished check-ins in the order of their sessions (not of entry: answers typed in later for an earlier
    /// session still count as earlier), so "first" and "latest" mean what they say.
    static func results(_ checkIns: [CheckInRow], sessions: [SessionSlot], key: ClientDataKey, keys: KeyStore) throws -> [CheckInView] {
        let starts = Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, $0.start) })
        func order(_ row: CheckInRow) -> (Date, Date) { (starts[row.appointmentID] ?? .distantPast, row.completedAt ?? .distantPast) }
        return try checkIns.filter { $0.completedAt != nil }.sorted { order($0) < order($1) }.map { try view($0, key: key, keys: keys) }
    }

    static func ids(_ list: String) -> [String] {
        list.split(separator: ",").map(String.init)
    }
}

/// The owner's settings for the practice.
enum PracticeSettings {
    /// Shown until the owner writes their own: where to turn now, in calm words, without assuming a country.
    static let defaultCrisisResources = """
        If you are in danger now, or feel you might act on thoughts of harming yourself, please call your local emergency number or go to the nearest emergency department.
        You can also talk to someone at any hour: in the UK and Ireland, Samaritans on 116 123; in the US, call or text 988.
        """
    static let maximumCrisisLength = 2000

    static func row(practiceID: UUID, on db: any Database) async throws -> PracticeSettingsRow? {
        try await PracticeSettingsRow.find(practiceID, on: db)
    }

    /// The measures this practice can use: those enabled by default, and the licensed ones the owner enabled.
    static func availableMeasures(practiceID: UUID, on db: any Database) async throws -> [InstrumentDefinition] {
        let enabled = try await row(practiceID: practiceID, on: db).map { CheckIns.ids($0.enabledInstruments) } ?? []
        return InstrumentCatalogue.shipped.filter { $0.enabledByDefault || enabled.contains($0.id) }
    }

    static func crisisResources(practiceID: UUID, keys: KeyStore, on db: any Database) async throws -> String {
        guard let envelope = try await row(practiceID: practiceID, on: db)?.crisisEnvelope else { return defaultCrisisResources }
        let key = try await keys.practiceKey(practiceID: practiceID, on: db)
        return try keys.open(envelope, key: key, PracticeSettingsRow.schema, "crisis_resources", row: practiceID)
    }

    static func save(enabled: [String], crisisResources: String, by owner: Principal, keys: KeyStore, now: Date, on db: any Database) async throws {
        let licensed = InstrumentCatalogue.shipped.filter { !$0.enabledByDefault }.map(\.id)
        var problems: [FieldProblem] = []
        if let unknown = enabled.first(where: { !licensed.contains($0) }) {
            problems.append(FieldProblem(field: "instruments", message: "\(unknown) is not a measure that needs enabling."))
        }
        let text = crisisResources.trimmingCharacters(in: .whitespacesAndNewlines)
        if InputRules.isTooLong(crisisResources, maximum: maximumCrisisLength) {
            problems.append(FieldProblem(field: "crisis_resources", message: "Please keep this under \(maximumCrisisLength) characters."))
        }
        guard problems.isEmpty else { throw RapportError.invalid(problems) }
        let row = try await self.row(practiceID: owner.practiceID, on: db) ?? PracticeSettingsRow()
        let isNew = row.id == nil
        row.id = owner.practiceID
        row.enabledInstruments = licensed.filter { enabled.contains($0) }.joined(separator: ",")
        // Empty means "use Rapport's wording": clients are never shown a blank where help should be.
        row.crisisEnvelope = text.isEmpty ? nil : try keys.seal(text, key: try await keys.practiceKey(practiceID: owner.practiceID, on: db),
                                                                 PracticeSettingsRow.schema, "crisis_resources", row: owner.practiceID)
        row.updatedBy = owner.userID
        row.updatedAt = now
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }
}
