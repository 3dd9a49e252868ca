import Foundation
import Plot
import RapportCore

/// One step of a client's check-in: a question with its answers as buttons (one tap saves it), or the last step
/// (feedback's optional comment). Rendered without a request.
struct CheckInQuestionPage: PageView {
    let definition: InstrumentDefinition
    /// The check-in's address, `/me/check-ins/{appointment}/{measure}`.
    let path: String
    /// 0-based; the item count is the comment step.
    let step: Int
    /// One per item, nil until answered.
    let answers: [Double?]
    /// The practice's crisis resources, shown once a risk item has been answered above 0; nil otherwise.
    let crisisResources: String?
    var problems: [FieldProblem] = []
    var comment = ""
    let context: PageContext
    /// The client's safety plan, shown open before the crisis resources when they are shown.
    var safetyPlan: SafetyPlanView? = nil

    var title: String { definition.purpose == .outcome ? "Before your session" : "After your session" }
    /// Feedback ends with a free-text step; outcome measures end at their last question.
    var hasCommentStep: Bool { definition.purpose == .sessionFeedback }
    var isCommentStep: Bool { step >= definition.item.count }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1(.plain(title)),
            .unwrap(crisisResources) {
                .group(SafetyPlanCard.node(safetyPlan, open: true),
                       CrisisCard.node($0, opening: "Thank you for answering honestly. If you need someone now, you don't have to wait for your session."))
            },
            .p(.class("progress-label"), .id("progress-label"),
               .plain(isCommentStep ? "Last step" : "Question \(step + 1) of \(definition.item.count)")),
            .element(named: "progress", nodes: [.attribute(named: "value", value: String(min(step, definition.item.count))),
                                                .attribute(named: "max", value: String(definition.item.count)),
                                                .attribute(named: "aria-labelledby", value: "progress-label")]),
            .unwrap(problems.first) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain($0.message))) },
            isCommentStep ? commentStep : itemStep,
            .nav(.class("check-in-nav"),
                 .if(step > 0, .a(.href("\(path)?q=\(step)"), "← Previous question")),
                 .a(.href("/me"), "Finish later")),
            .p(.class("muted"), "Your answers are saved as you go, so you can stop and come back.")
        )
    }

    var itemStep: Node<HTML.BodyContext> {
        let item = definition.item[step]
        let chosen = answers[step]
        func button(_ value: Double, _ label: String, _ extraClass: String) -> Node<HTML.FormContext> {
            .button(.type(.submit), .name("answer"), .value(Scoring.format(value)),
                    .class("answer \(extraClass)\(chosen == value ? " chosen" : "")"),
                    .attribute(named: "aria-pressed", value: chosen == value ? "true" : "false"),
                    .plain(label))
        }
        return .form(.method(.post), .action(path), .class("check-in"), .id("check-in-form"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .input(.type(.hidden), .name("q"), .value(String(step + 1))),
            .unwrap(definition.prompt) { .p(.class("prompt"), .plain($0)) },
            .fieldset(
                .element(named: "legend", nodes: [Node<HTML.FormContext>.attribute(named: "class", value: "question"), .plain(item.text)]),
                .unwrap(definition.options(for: item)) { options in
                    .div(.class("answers"), .forEach(options) { button($0.value, $0.display, "option") })
                },
                .unwrap(item.range) { range in
                    // Whole-number scales are a row of buttons; fine ones (ORS and SRS mark to 0.1) are a slider.
                    range.step >= 1
                        ? .div(.class("scale-block"),
                               .div(.class("scale"), .forEach(RoomEntryPage.scaleValues(range)) { button($0, Scoring.format($0), "point") }),
                               .div(.class("scale-labels"), .span(.plain(range.minLabel ?? "")), .span(.plain(range.maxLabel ?? ""))))
                        : .div(.class("scale-block"),
                               .input(.type(.range), .name("answer"), .id("answer"), .class("slider"),
                                      .attribute(named: "min", value: Scoring.format(range.min)), .attribute(named: "max", value: Scoring.format(range.max)),
                                      .attribute(named: "step", value: Scoring.format(range.step)),
                                      .value(Scoring.format(chosen ?? (range.min + range.max) / 2)),
                                      .attribute(named: "aria-label", value: Markup.attribute(item.text))),
                               .div(.class("scale-labels"), .span(.plain(range.minLabel ?? "")), .span(.plain(range.maxLabel ?? ""))),
                               .button(.type(.submit), .class("primary"), .plain("Next")))
                }
            )
        )
    }

    var commentStep: Node<HTML.BodyContext> {
        .form(.method(.post), .action(path), .class("check-in stack"), .id("check-in-form"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .input(.type(.hidden), .name("finish"), .value("1")),
            .if(hasCommentStep, .div(.class("field"),
                .label(.for("comment"), "Anything that didn't feel right?"),
                .p(.class("hint"), "Optional. Your therapist reads this before your next session. Honest answers help, and nothing you say here will be held against you."),
                .textarea(.name("comment"), .id("comment"), .rows(5), .plain(comment)))),
            .if(!hasCommentStep, .p("That's every question.")),
            .button(.type(.submit), .class("primary"), .plain(hasCommentStep ? "Send feedback" : "Send answers"))
        )
    }
}

/// After a check-in: thanks, and what else is waiting. After an answer that raised a risk alert it is the crisis
/// resources instead, and nothing more to fill in: other check-ins wait for the client's home page.
struct CheckInThanksPage: PageView {
    let definition: InstrumentDefinition
    /// "Dr Ana", or "Your therapist".
    let therapistName: String
    /// The practice's crisis resources when the answers raised a risk alert; nil otherwise.
    let crisisResources: String?
    let others: [DueCheckIn]
    let zone: TimeZone
    let context: PageContext
    /// The client's safety plan, offered first (open) when the answers raised a risk alert.
    var safetyPlan: SafetyPlanView? = nil

    var title: String { "Thank you" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Thank you"),
            .p(.class("lead"), .plain(definition.purpose == .outcome
                ? "\(therapistName) will see your answers before your session."
                : "\(therapistName) will read this before your next session. It helps to know how sessions feel to you.")),
            .unwrap(crisisResources) { resources in
                .group(SafetyPlanCard.node(safetyPlan, open: true),
                       CrisisCard.node(resources, opening: "Thank you for telling us how things really are. Some of what you shared sounds very hard, and you don't have to carry it alone. If you need someone before your session, help is there now:"))
            },
            .if(crisisResources == nil && !others.isEmpty, .div(.class("card"),
                .h2("Also waiting"),
                CheckInList.node(others, zone: zone))),
            .p(.a(.href("/me"), "Back to your space"))
        )
    }
}

/// A check-in that isn't open: not yet, or no longer.
struct CheckInClosedPage: PageView {
    let planned: PlannedCheckIn
    let definition: InstrumentDefinition
    let zone: TimeZone
    let context: PageContext

    var title: String { "Check-in" }

    var message: String {
        planned.state == .notYetOpen
            ? "This check-in opens on \(Formats.when(planned.opens, in: zone))."
            : (definition.purpose == .outcome
                ? "This check-in has closed. Your therapist will ask how you are at your session."
                : "This has closed. If something about that session is still on your mind, you can bring it up next time.")
    }

    var content: Node<HTML.BodyContext> {
        .group(.p(.a(.href("/me"), "← Your space")), .h1("Check-in"), .p(.plain(message)))
    }
}

/// The therapist typing in answers given in the room, one group of choices per question.
struct RoomEntryPage: PageView {
    let clientID: UUID
    let planned: PlannedCheckIn
    let definition: InstrumentDefinition
    let sessionStart: Date
    /// What is filled in already: the client's saved answers, or what the therapist sent back with a problem.
    let answers: [Double?]?
    let comment: String
    let done: Bool
    var problems: [FieldProblem] = []
    let zone: TimeZone
    let context: PageContext

    var title: String { "\(definition.name): answers given in the room" }
    var base: String { "/clients/\(clientID.uuidString.lowercased())" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("\(base)#check-ins"), "← Back to the record")),
            .h1(.plain(title)),
            .if(done, .p(.class("notice"), "This check-in is already finished.")),
            .if(!done, .group(
                .p(.class("muted"), .plain("\(definition.purpose == .outcome ? "Before" : "After") the session on \(Formats.when(sessionStart, in: zone)). Read each question aloud and record the client's own answer.")),
                .form(.id("room-form"), .method(.post), .action("\(base)/check-ins/\(planned.appointmentID.uuidString.lowercased())/\(definition.id)"),
                      .class("stack"),
                    .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                    .if(!problems.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                                .forEach(problems) { .p(.plain($0.message)) })),
                    .unwrap(definition.prompt) { .p(.class("prompt"), .plain($0)) },
                    .forEach(Array(definition.item.enumerated())) { index, item in
                        Self.roomItem(definition, index: index, item: item, current: answers?[safe: index] ?? nil)
                    },
                    .if(definition.purpose == .sessionFeedback, .div(.class("field"),
                        .label(.for("comment"), "Anything that didn't feel right? (the client's words, optional)"),
                        .textarea(.name("comment"), .id("comment"), .rows(4), .plain(comment)))),
                    .button(.type(.submit), .class("primary"), .plain("Save and score"))
                )
            ))
        )
    }

    /// One question as a group of radio buttons, with the value beside each answer for the therapist.
    static func roomItem(_ definition: InstrumentDefinition, index: Int, item: InstrumentDefinition.Item, current: Double?) -> Node<HTML.FormContext> {
        var choices: [(value: Double, label: String)] = []
        if let options = definition.options(for: item) {
            choices = options.map { ($0.value, "\(Scoring.format($0.value)) · \($0.display)") }
        } else if let range = item.range, range.step < 1 {
            // A mark to one decimal is typed as a number, the way it is read off a paper form.
            return .fieldset(.class("room-item"),
                             .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("\(index + 1). \(item.text)")]),
                             .input(.type(.number), .name("item-\(item.linkId)"), .attribute(named: "min", value: Scoring.format(range.min)),
                                    .attribute(named: "max", value: Scoring.format(range.max)), .attribute(named: "step", value: Scoring.format(range.step)),
                                    .value(current.map(Scoring.format) ?? ""), .attribute(named: "aria-label", value: Markup.attribute(item.text))))
        } else if let range = item.range {
            choices = scaleValues(range).map { ($0, Scoring.format($0)) }
        }
        let radios: [Node<HTML.FormContext>] = choices.map { choice in
            .label(.class("room-option"),
                   .input(.type(.radio), .name("item-\(item.linkId)"), .value(Scoring.format(choice.value)), .checked(current == choice.value)),
                   .plain(" \(choice.label)"))
        }
        return .fieldset(.class("room-item"),
                         .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("\(index + 1). \(item.text)")]),
                         .div(.class("room-options"), .group(radios)))
    }

    /// Every value of a scale, computed from the step count so 0.1 steps don't drift (0.30000000000000004).
    static func scaleValues(_ range: InstrumentDefinition.Range) -> [Double] {
        let count = Int(((range.max - range.min) / range.step).rounded())
        return (0...max(count, 0)).map { Scoring.roundToStep(range.min + Double($0) * range.step) }
    }
}
