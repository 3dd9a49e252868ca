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
        guard checkIn.planned.state.isOpen else { return try closedPage(req, checkIn) }
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
        let definition = checkIn.definition
        let title = definition.purpose == .outcome ? "Before your session" : "After your session"
        let crisis = checkIn.view?.riskAnswers.isEmpty == false
            ? CrisisCard.node(try await PracticeSettings.crisisResources(practiceID: checkIn.scope.practiceID, keys: req.rapport.keys, on: req.db),
                              opening: "Thank you for answering honestly. If you need someone now, you don't have to wait for your session.")
            : nil
        let isCommentStep = step >= definition.item.count
        return Layout.render(title, req.page, status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity),
            .p(.a(.href("/me"), "← Your space")),
            .h1(.text(title)),
            .unwrap(crisis) { $0 },
            .p(.class("progress-label"), .id("progress-label"),
               .text(isCommentStep ? "Last step" : "Question \(step + 1) of \(definition.item.count)")),
            .element(named: "progress", nodes: [.attribute(named: "value", value: String(min(step, definition.item.count))),
                                                .attribute(named: "max", value: String(definition.item.count)),
                                                .attribute(named: "aria-labelledby", value: "progress-label")]),
            .unwrap(problems.first) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.text($0.message))) },
            isCommentStep ? commentStep(req, checkIn, comment: comment) : itemStep(req, checkIn, step: step),
            .nav(.class("check-in-nav"),
                 .if(step > 0, .a(.href("\(checkIn.path)?q=\(step)"), "← Previous question")),
                 .a(.href("/me"), "Finish later")),
            .p(.class("muted"), "Your answers are saved as you go, so you can stop and come back.")
        )
    }

    static func itemStep(_ req: Request, _ checkIn: OwnCheckIn, step: Int) -> Node<HTML.BodyContext> {
        let definition = checkIn.definition
        let item = definition.item[step]
        let chosen = checkIn.answers[step]
        func button(_ value: Double, _ label: String, _ extraClass: String) -> Node<HTML.FormContext> {
            .button(.type(.submit), .name("answer"), .value(Scoring.format(value)),
                    .class("answer \(extraClass)\(chosen == value ? " chosen" : "")"),
                    .attribute(named: "aria-pressed", value: chosen == value ? "true" : "false"),
                    .text(label))
        }
        return .form(.method(.post), .action(checkIn.path), .class("check-in"), .id("check-in-form"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
            .input(.type(.hidden), .name("q"), .value(String(step + 1))),
            .unwrap(definition.prompt) { .p(.class("prompt"), .text($0)) },
            .fieldset(
                .element(named: "legend", nodes: [Node<HTML.FormContext>.attribute(named: "class", value: "question"), .text(item.text)]),
                .unwrap(definition.options(for: item)) { options in
                    .div(.class("answers"), .forEach(options) { button($0.value, $0.display, "option") })
                },
                .unwrap(item.range) { range in
                    // Whole-number scales are a row of buttons; fine ones (ORS and SRS mark to 0.1) are a slider.
                    range.step >= 1
                        ? .div(.class("scale-block"),
                               .div(.class("scale"), .forEach(scaleValues(range)) { button($0, Scoring.format($0), "point") }),
                               .div(.class("scale-labels"), .span(.text(range.minLabel ?? "")), .span(.text(range.maxLabel ?? ""))))
                        : .div(.class("scale-block"),
                               .input(.type(.range), .name("answer"), .id("answer"), .class("slider"),
                                      .attribute(named: "min", value: Scoring.format(range.min)), .attribute(named: "max", value: Scoring.format(range.max)),
                                      .attribute(named: "step", value: Scoring.format(range.step)),
                                      .value(Scoring.format(chosen ?? (range.min + range.max) / 2)),
                                      .attribute(named: "aria-label", value: item.text)),
                               .div(.class("scale-labels"), .span(.text(range.minLabel ?? "")), .span(.text(range.maxLabel ?? ""))),
                               .button(.type(.submit), .class("primary"), .text("Next")))
                }
            )
        )
    }

    static func commentStep(_ req: Request, _ checkIn: OwnCheckIn, comment: String) -> Node<HTML.BodyContext> {
        .form(.method(.post), .action(checkIn.path), .class("check-in stack"), .id("check-in-form"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
            .input(.type(.hidden), .name("finish"), .value("1")),
            .if(checkIn.hasCommentStep, .div(.class("field"),
                .label(.for("comment"), "Anything that didn't feel right?"),
                .p(.class("hint"), "Optional. Your therapist reads this before your next session. Honest answers help, and nothing you say here will be held against you."),
                .textarea(.name("comment"), .id("comment"), .rows(5), .text(comment)))),
            .if(!checkIn.hasCommentStep, .p("That's every question.")),
            .button(.type(.submit), .class("primary"), .text(checkIn.hasCommentStep ? "Send feedback" : "Send answers"))
        )
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
        let therapist = try await therapistFirstName(req, scope: checkIn.scope)
        let crisis = view.hasRisk
            ? CrisisCard.node(try await PracticeSettings.crisisResources(practiceID: checkIn.scope.practiceID, keys: req.rapport.keys, on: req.db),
                              opening: "Thank you for telling us how things really are. Some of what you shared sounds very hard, and you don't have to carry it alone. \(therapist) will see your answers. If you need someone before then, help is there now:")
            : nil
        let others = try await CheckIns.open(in: checkIn.record)
            .filter { $0.planned.appointmentID != checkIn.planned.appointmentID || $0.definition.id != checkIn.definition.id }
        return Layout.render("Thank you", req.page,
            .h1("Thank you"),
            .unwrap(crisis) { $0 },
            .p(.class("lead"), .text(checkIn.definition.purpose == .outcome
                ? "\(therapist) will see your answers before your session."
                : "\(therapist) will read this before your next session. It helps to know how sessions feel to you.")),
            .if(!others.isEmpty, .div(.class("card"),
                .h2("Also waiting"),
                CheckInList.node(others, zone: req.rapport.configuration.timeZone))),
            .p(.a(.href("/me"), "Back to your space"))
        )
    }

    static func closedPage(_ req: Request, _ checkIn: OwnCheckIn) throws -> Response {
        let message = checkIn.planned.state == .notYetOpen
            ? "This check-in opens on \(Formats.when(checkIn.planned.opens, in: req.rapport.configuration.timeZone))."
            : (checkIn.definition.purpose == .outcome
                ? "This check-in has closed. Your therapist will ask how you are at your session."
                : "This has closed. If something about that session is still on your mind, you can bring it up next time.")
        return Layout.render("Check-in", req.page, .p(.a(.href("/me"), "← Your space")), .h1("Check-in"), .p(.text(message)))
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
            throw RapportError.conflict("This check-in opens on \(Formats.when(planned.opens, in: req.rapport.configuration.timeZone)); answers can be entered from then.")
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
        let access = try req.clientAccess()
        let sessionStart = try await AppointmentRow.find(planned.appointmentID, on: req.db)?.startsAt ?? planned.dueBy
        let base = "/clients/\(access.scope.clientID.uuidString.lowercased())"
        let title = "\(definition.name): answers given in the room"
        return Layout.render(title, req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .p(.a(.href("\(base)#check-ins"), "← Back to the record")),
            .h1(.text(title)),
            .if(done, .p(.class("notice"), "This check-in is already finished.")),
            .if(!done, .group(
                .p(.class("muted"), .text("\(definition.purpose == .outcome ? "Before" : "After") the session on \(Formats.when(sessionStart, in: req.rapport.configuration.timeZone)). Read each question aloud and record the client's own answer.")),
                .form(.id("room-form"), .method(.post), .action("\(base)/check-ins/\(planned.appointmentID.uuidString.lowercased())/\(definition.id)"),
                      .class("stack"),
                    .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
                    .if(!problems.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                                .forEach(problems) { .p(.text($0.message)) })),
                    .unwrap(definition.prompt) { .p(.class("prompt"), .text($0)) },
                    .forEach(Array(definition.item.enumerated())) { index, item in
                        roomItem(definition, index: index, item: item, current: answers?[safe: index] ?? nil)
                    },
                    .if(definition.purpose == .sessionFeedback, .div(.class("field"),
                        .label(.for("comment"), "Anything that didn't feel right? (the client's words, optional)"),
                        .textarea(.name("comment"), .id("comment"), .rows(4), .text(comment)))),
                    .button(.type(.submit), .class("primary"), .text("Save and score"))
                )
            ))
        )
    }

    /// Every value of a scale, computed from the step count so 0.1 steps don't drift (0.30000000000000004).
    static func scaleValues(_ range: InstrumentDefinition.Range) -> [Double] {
        let count = Int(((range.max - range.min) / range.step).rounded())
        return (0...max(count, 0)).map { Scoring.roundToStep(range.min + Double($0) * range.step) }
    }

    /// One question as a group of radio buttons, with the value beside each answer for the therapist.
    static func roomItem(_ definition: InstrumentDefinition, index: Int, item: InstrumentDefinition.Item, current: Double?) -> Node<HTML.FormContext> {
        var choices: [(value: Double, label: String)] = []
        if let options = definition.options(for: item) {
            choices = options.map { ($0.value, "\(Scoring.format($0.value)) · \($0.display)") }
        } else if let range = item.range, range.step < 1 {
            // A mark to one decimal is typed as a number, the way it is read off a paper form.
            return .fieldset(.class("room-item"),
                             .element(named: "legend", nodes: [Node<HTML.FormContext>.text("\(index + 1). \(item.text)")]),
                             .input(.type(.number), .name("item-\(item.linkId)"), .attribute(named: "min", value: Scoring.format(range.min)),
                                    .attribute(named: "max", value: Scoring.format(range.max)), .attribute(named: "step", value: Scoring.format(range.step)),
                                    .value(current.map(Scoring.format) ?? ""), .attribute(named: "aria-label", value: item.text)))
        } else if let range = item.range {
            choices = scaleValues(range).map { ($0, Scoring.format($0)) }
        }
        let radios: [Node<HTML.FormContext>] = choices.map { choice in
            .label(.class("room-option"),
                   .input(.type(.radio), .name("item-\(item.linkId)"), .value(Scoring.format(choice.value)), .checked(current == choice.value)),
                   .text(" \(choice.label)"))
        }
        return .fieldset(.class("room-item"),
                         .element(named: "legend", nodes: [Node<HTML.FormContext>.text("\(index + 1). \(item.text)")]),
                         .div(.class("room-options"), .group(radios)))
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
