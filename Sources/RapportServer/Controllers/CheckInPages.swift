import Fluent
import Foundation
import Plot
import RapportCore
import RapportVault
import Vapor

/// The client's check-in pages (one question per screen, one tap per answer, saved as they go) and the
/// therapist's entry of answers given in the room.
enum CheckInPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("me", "check-ins", ":appointmentID", ":instrumentID", action: .answerOwnCheckIn, use: question)
        routes.post("me", "check-ins", ":appointmentID", ":instrumentID", action: .answerOwnCheckIn, use: answer)
        routes.get("me", "check-ins", ":appointmentID", ":instrumentID", "done", action: .answerOwnCheckIn, use: done)
        routes.get("clients", ":clientID", "check-ins", ":appointmentID", ":instrumentID", action: .enterCheckIn, use: roomForm)
        routes.post("clients", ":clientID", "check-ins", ":appointmentID", ":instrumentID", action: .enterCheckIn, use: enterInRoom)
    }

    // MARK: The client's own check-in

    /// The signed-in client's record, and the check-in the path names, if their plan calls for it.
    struct OwnCheckIn: Sendable {
        let record: ClientRecord
        let planned: PlannedCheckIn
        let definition: InstrumentDefinition
        /// The check-in as stored, opened once for the request; nil before the first answer.
        let opened: OpenedCheckIn?

        var scope: ClientScope { record.scope }
        var view: CheckInView? { opened?.view }
        var path: String { "/me/check-ins/\(planned.appointmentID.uuidString.lowercased())/\(definition.id)" }
        var answers: [Double?] { view?.answers ?? Array(repeating: nil, count: definition.item.count) }
        /// Feedback ends with a free-text step; outcome measures end at their last question.
        var hasCommentStep: Bool { definition.purpose == .sessionFeedback }
        var stepCount: Int { definition.item.count + (hasCommentStep ? 1 : 0) }
    }

    /// Whose session the path names is the policy's decision (`AccessPolicy`, a client's own record): any other
    /// client's session, like one that doesn't exist, is "not found".
    static func ownCheckIn(_ req: Request, on db: any Database) async throws -> OwnCheckIn {
        guard let appointmentID = req.parameters.get("appointmentID").flatMap(UUID.init(uuidString:)),
              let instrumentID = req.parameters.get("instrumentID"),
              let session = try await AppointmentRow.find(appointmentID, on: db)
        else { throw RapportError.notFound }
        let record: ClientRecord
        do {
            record = try await req.ownRecord(.answerOwnCheckIn, clientID: session.clientID, on: db)
        } catch RapportError.denied(let reason) where reason.hidesExistence {
            throw RapportError.notFound
        }
        guard let (planned, definition) = try await CheckIns.planned(appointmentID: appointmentID, instrumentID: instrumentID, in: record)
        else { throw RapportError.notFound }
        let opened = try await CheckIns.opened(appointmentID: appointmentID, instrumentID: instrumentID, in: record)
        return OwnCheckIn(record: record, planned: planned, definition: definition, opened: opened)
    }

    @Sendable static func question(_ req: Request) async throws -> Response {
        let checkIn = try await ownCheckIn(req, on: req.db)
        if checkIn.view?.isDone == true { return req.redirect(to: checkIn.path + "/done") }
        // Before their first check-in, a client reads the practice's agreement and signs it (issue 12, point 1).
        if try await Consents.gatesCheckIn(clientID: checkIn.record.clientID, on: req.db) {
            return req.redirect(to: "/me/consent?next=\(checkIn.path)")
        }
        guard checkIn.planned.state.isOpen else { return try await closedPage(req, checkIn) }
        // `q` comes from the address bar: range-checked as text before it becomes a step, so no value can overflow.
        let raw = req.query[String.self, at: "q"]
        let requested = requestedStep(raw, checkIn)
        let next = checkIn.view?.nextUnanswered ?? (checkIn.view == nil ? 0 : checkIn.definition.item.count)
        // Going back to an answered question is fine; skipping ahead past an unanswered one is not.
        let step = min(requested ?? next, min(next, checkIn.stepCount - 1))
        guard raw == nil || requested != nil else {
            return try await questionPage(req, checkIn, step: step, problems: [noSuchQuestion(checkIn)], status: .badRequest)
        }
        return try await questionPage(req, checkIn, step: step, problems: [])
    }

    /// The step (0-based) a `q` parameter names, or nil when it is missing or names no step of this check-in.
    static func requestedStep(_ raw: String?, _ checkIn: OwnCheckIn) -> Int? {
        InputRules.integer(raw, in: 1...checkIn.stepCount).map { $0 - 1 }
    }

    static func noSuchQuestion(_ checkIn: OwnCheckIn) -> FieldProblem {
        FieldProblem(field: "q", message: "This check-in has questions 1 to \(checkIn.definition.item.count). Here is the next one for you.")
    }

    static func questionPage(_ req: Request, _ checkIn: OwnCheckIn, step: Int, problems: [FieldProblem], comment: String = "",
                             status: HTTPResponseStatus? = nil) async throws -> Response {
        let crisis = checkIn.view?.riskAnswers.isEmpty == false
            ? try await req.crisisResources() : nil
        let page = CheckInQuestionPage(definition: checkIn.definition, path: checkIn.path, step: step, answers: checkIn.answers,
                                       crisisResources: crisis, problems: problems, comment: comment, context: req.page,
                                       safetyPlan: crisis == nil ? nil : try await SafetyPlans.current(in: checkIn.record))
        return Layout.render(page, status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    struct AnswerForm: Content {
        /// Text, not `Int`: it is range-checked against the check-in's questions before any arithmetic.
        var q: String?
        var answer: String?
        var finish: String?
        var comment: String?
    }

    @Sendable static func answer(_ req: Request) async throws -> Response {
        let form = try req.content.decode(AnswerForm.self)
        do {
            let path = try await req.transaction { db -> String in
                let checkIn = try await ownCheckIn(req, on: db)
                let record = checkIn.record
                if checkIn.view?.isDone == true { return checkIn.path + "/done" }
                // No answer is kept before the agreement is signed: the form could have been opened before the gate.
                if try await Consents.gatesCheckIn(clientID: record.clientID, on: db) { return "/me/consent?next=\(checkIn.path)" }
                guard checkIn.planned.state.isOpen else {
                    throw RapportError.gone(checkIn.planned.state == .notYetOpen
                        ? "This check-in isn't open yet." : "This check-in has closed, so the answer wasn't saved.")
                }
                if form.finish != nil {
                    _ = try await CheckIns.finish(checkIn.opened, definition: checkIn.definition, comment: form.comment, in: record)
                    return checkIn.path + "/done"
                }
                guard let step = requestedStep(form.q, checkIn), step < checkIn.definition.item.count else {
                    throw RecordError.invalid([noSuchQuestion(checkIn)])
                }
                guard let value = InputRules.decimal(form.answer) else {
                    throw RecordError.invalid([FieldProblem(field: "answer", message: "Please choose one of the answers.")])
                }
                let saved = try await CheckIns.saveAnswer(value, item: step, definition: checkIn.definition,
                                                          appointmentID: checkIn.planned.appointmentID, to: checkIn.opened, in: record)
                guard let next = saved.view.nextUnanswered else {
                    // Outcome measures are done with their last tap; feedback goes on to its optional comment.
                    if checkIn.hasCommentStep { return checkIn.path + "?q=\(checkIn.stepCount)" }
                    _ = try await CheckIns.finish(saved, definition: checkIn.definition, comment: nil, in: record)
                    return checkIn.path + "/done"
                }
                return checkIn.path + "?q=\(next + 1)"
            }
            return req.redirect(to: path)
        } catch RecordError.invalid(let problems) {
            let checkIn = try await ownCheckIn(req, on: req.db)
            let step = form.finish != nil ? checkIn.stepCount - 1 : (requestedStep(form.q, checkIn) ?? 0)
            return try await questionPage(req, checkIn, step: step, problems: problems, comment: form.comment ?? "")
        }
    }

    @Sendable static func done(_ req: Request) async throws -> Response {
        let checkIn = try await ownCheckIn(req, on: req.db)
        guard let view = checkIn.view, view.isDone else { return req.redirect(to: checkIn.path) }
        let page = CheckInThanksPage(
            definition: checkIn.definition, therapistName: try await therapistFirstName(req, scope: checkIn.scope),
            crisisResources: view.hasRisk
                ? try await req.crisisResources() : nil,
            others: try await CheckIns.open(in: checkIn.record)
                .filter { $0.planned.appointmentID != checkIn.planned.appointmentID || $0.definition.id != checkIn.definition.id },
            zone: try await req.practiceZone(), context: req.page,
            safetyPlan: view.hasRisk ? try await SafetyPlans.current(in: checkIn.record) : nil)
        return Layout.render(page)
    }

    static func closedPage(_ req: Request, _ checkIn: OwnCheckIn) async throws -> Response {
        Layout.render(CheckInClosedPage(planned: checkIn.planned, definition: checkIn.definition, zone: try await req.practiceZone(),
                                        context: req.page))
    }

    static func therapistFirstName(_ req: Request, scope: ClientScope) async throws -> String {
        guard let therapistID = scope.careTeam.sorted(by: { $0.uuidString < $1.uuidString }).first,
              let therapist = try await UserRow.find(therapistID, on: req.db)
        else { return "Your therapist" }
        return InputRules.firstName(of: try await People(req).name(of: therapist, on: req.db))
    }

    // MARK: The therapist, in the room

    static func roomContext(_ req: Request, _ record: ClientRecord) async throws -> (PlannedCheckIn, InstrumentDefinition, CheckInView?) {
        guard let appointmentID = record.access.appointmentID, let instrumentID = req.parameters.get("instrumentID"),
              let (planned, definition) = try await CheckIns.planned(appointmentID: appointmentID, instrumentID: instrumentID, in: record)
        else { throw RapportError.notFound }
        // Feedback on a session that hasn't ended, or a check-in days ahead, would be answers about something else.
        guard planned.state != .notYetOpen else {
            throw RapportError.conflict("This check-in opens on \(Formats.when(planned.opens, in: try await req.practiceZone())); answers can be entered from then.")
        }
        let view = try await CheckIns.opened(appointmentID: appointmentID, instrumentID: instrumentID, in: record)?.view
        return (planned, definition, view)
    }

    @Sendable static func roomForm(_ req: Request) async throws -> Response {
        let (planned, definition, view) = try await req.withClientRecord { record in try await roomContext(req, record) }
        return try await roomPage(req, planned: planned, definition: definition, answers: view?.answers, comment: view?.comment ?? "",
                            done: view?.isDone == true, problems: [])
    }

    static func roomPage(_ req: Request, planned: PlannedCheckIn, definition: InstrumentDefinition, answers: [Double?]?, comment: String,
                         done: Bool, problems: [FieldProblem]) async throws -> Response {
        let page = RoomEntryPage(
            clientID: try req.clientAccess().scope.clientID, planned: planned, definition: definition,
            sessionStart: try await AppointmentRow.find(planned.appointmentID, on: req.db)?.startsAt ?? planned.dueBy,
            answers: answers, comment: comment, done: done, problems: problems, zone: try await req.practiceZone(), context: req.page)
        return Layout.render(page, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func enterInRoom(_ req: Request) async throws -> Response {
        let comment = try? req.content.get(String.self, at: "comment")
        let fields = req.formFields()
        do {
            try await req.withClientRecord { record in
                let (planned, definition, _) = try await roomContext(req, record)
                var answers: [Double] = []
                var problems: [FieldProblem] = []
                for (index, item) in definition.item.enumerated() {
                    if let value = InputRules.decimal(fields["item-\(item.linkId)"]) { answers.append(value) } else {
                        problems.append(FieldProblem(field: "item-\(item.linkId)", message: "Question \(index + 1) still needs an answer."))
                    }
                }
                guard problems.isEmpty else { throw RecordError.invalid(problems) }
                _ = try await CheckIns.enterInRoom(answers, comment: comment, definition: definition, appointmentID: planned.appointmentID,
                                                   in: record)
            }
            return req.redirect(to: "/clients/\(try req.clientAccess().scope.clientID.uuidString.lowercased())#check-ins")
        } catch RecordError.invalid(let problems) {
            let (planned, definition, _) = try await req.withClientRecord { record in try await roomContext(req, record) }
            let given: [Double?] = definition.item.map { InputRules.decimal(fields["item-\($0.linkId)"]) }
            return try await roomPage(req, planned: planned, definition: definition, answers: given, comment: comment ?? "", done: false, problems: problems)
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
