import Foundation
import Plot
import RapportCore

extension RecordPage {
    /// Each outcome measure's first and final score over therapy: "PHQ-9 18 → 6, GAD-7 14 → 5".
    var finalMeasures: String {
        let starts = contents.appointments.startsByID
        return InstrumentCatalogue.shipped.filter { $0.purpose == .outcome }.compactMap { definition -> String? in
            let scored = contents.checkIns.results.filter { $0.definition.id == definition.id && $0.isDone && $0.total != nil }
                .sorted { (starts[$0.appointmentID] ?? .distantPast) < (starts[$1.appointmentID] ?? .distantPast) }
            guard let firstScore = scored.first?.total, let last = scored.last?.total else { return nil }
            return "\(definition.name) \(Scoring.format(firstScore)) → \(Scoring.format(last))"
        }.joined(separator: ", ")
    }

    /// The ending: planned with the client (the last session, the follow-ups), then carried out with the closing letter
    /// and relapse-prevention plan; once ended, what the client keeps and when the follow-ups fall.
    var endingPart: Node<HTML.BodyContext> {
        let first = InputRules.firstName(of: contents.name)
        let ending = contents.ending
        let planID = "ending-plan-form", letterID = "ending-form"
        let planProblems = problems[planID] ?? [], letterProblems = problems[letterID] ?? []
        if let ending, let ended = ending.endedAt {
            let dates = ending.followUpDates(in: zone)
            return .section(.id("ending"), .class("card"),
                .h2("Ending"),
                .p(.plain("Therapy ended \(when(ended)). \(first) keeps the closing letter and plan, words to carry and the safety plan, read-only, and can reach out again in one tap.")),
                .unwrap(finalMeasures.isEmpty ? nil : finalMeasures) { .p(.id("final-measures"), .plain("Final measures: \($0).")) },
                .if(contents.followUps.isEmpty && !dates.isEmpty,
                    .p(.class("muted"), .plain("Follow-up check-ins: " + dates.map { Charts.day($0, zone) }.joined(separator: ", ") + "."))),
                .if(!contents.followUps.isEmpty, .group(
                    .h3("Follow-up check-ins"),
                    .ul(.class("plain follow-ups"), .forEach(contents.followUps) { followUp in
                        .li(.strong(.plain("\(followUp.months) \(followUp.months == 1 ? "month" : "months")")),
                            .plain(" · " + Charts.day(followUp.dueAt, zone) + " · "),
                            .plain(followUp.completedAt == nil ? (followUp.dueAt > now ? "not due yet" : "waiting for \(first)")
                                                               : followUp.totalsWords),
                            .if(followUp.risk, .span(.class("flag"), " · a risk answer")))
                    }))),
                .unwrap(ending.letter) { letter in
                    .element(named: "details", nodes: [
                        .element(named: "summary", nodes: [.plain("The closing letter and plan")]),
                        .forEach(ClosingLetter.parts) { part in
                            .group(.h3(.plain(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.plain($0)) })
                        },
                    ])
                },
                .form(.method(.post), .action("\(base)/ending/resume"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      .button(.type(.submit), .class("link-button"), .plain("\(first) is back: resume therapy"))))
        }
        return .section(.id("ending"),
            .h2("Ending"),
            .unwrap(ending, { ending in
                .p(.plain("Ending planned" + (ending.lastSessionOn.map { " for the session on \(Charts.day($0, zone))" } ?? "")
                         + ", with follow-up check-ins " + ending.followUpMonths.map(String.init).joined(separator: ", ") + " months after."))
            }, else: .p(.class("muted"), .plain("Plan the ending with \(first) before it comes: when, and the check-ins after."))),
            opener(ending == nil ? "Plan the ending" : "Change the plan", id: planID, open: problems[planID] != nil,
                FormParts.form(id: planID, action: "\(base)/ending/plan", context, problems: planProblems, submit: "Save the plan",
                    FormParts.field("last_session", label: "The last session (optional)", type: .date,
                                    value: drafts["last_session"] ?? ending?.lastSessionOn.map { Formats.dateField($0, in: zone) } ?? "",
                                    problems: planProblems, required: false, id: "ending-last-session"),
                    FormParts.field("follow_ups", label: "Follow-up check-ins, in months after the end",
                                    value: drafts["follow_ups"] ?? (ending?.followUpMonths ?? EndingRules.defaultFollowUpMonths).map(String.init).joined(separator: ", "),
                                    hint: "Up to six, from 1 to 24, e.g. 1, 3, 6.", problems: planProblems, id: "ending-follow-ups"))),
            opener("End therapy: the closing letter and plan", id: letterID, open: problems[letterID] != nil,
                FormParts.form(id: letterID, action: "\(base)/ending", context, problems: letterProblems, submit: "End therapy and give \(first) the letter",
                    .p(.class("hint"), .plain("In your words, for \(first) to keep. From then on their record is read-only to them.")),
                    .forEach(ClosingLetter.parts) { part in
                        FormParts.textArea(part.field, id: "ending-\(part.field)", label: part.heading, value: drafts["letter-\(part.field)"] ?? "",
                                           problems: letterProblems, rows: 4)
                    })))
    }
}

/// After the ending, at the top of the client's home page: the letter and plan, and the way back.
enum EndedCard {
    static func node(_ ending: EndingView, practiceName: String, context: PageContext, zone: TimeZone, sent: Bool,
                     followUps: [FollowUpView] = [], followedUp: Bool = false) -> Node<HTML.BodyContext> {
        .div(.class("card words"), .id("therapy-ended"),
            .h2("After therapy"),
            .if(followedUp, .p(.class("notice"), .attribute(named: "role", value: "status"), "Thank you. Your therapist will see how things are.")),
            .forEach(followUps) { followUp in
                .p(.id("follow-up-waiting"), .a(.class("button primary"), .href("/me/follow-ups/\(followUp.id.uuidString.lowercased())"),
                      .plain("A short check-in, \(followUp.months) \(followUp.months == 1 ? "month" : "months") on")))
            },
            .p(.plain("Your therapy with \(practiceName) ended on \(Formats.dateLong(ending.endedAt ?? Date(), in: zone)). What is yours stays here: your letter and plan, your words to carry, your safety plan.")),
            .p(.a(.href("/me/letter"), "Your closing letter and plan")),
            .if(sent, .p(.class("notice"), .attribute(named: "role", value: "status"), "Sent. Your therapist will be in touch."),
                else: .form(.method(.post), .action("/me/reach-out-again"),
                            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                            .button(.type(.submit), .class("primary"), "Reach out again"))))
    }
}

/// The closing letter and relapse-prevention plan, as the client keeps it.
struct ClosingLetterPage: PageView {
    let ending: EndingView
    let therapistWords: String
    let context: PageContext
    let zone: TimeZone

    var title: String { "Your closing letter" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1("Your closing letter"),
            .p(.class("lead"), .plain(therapistWords)),
            .unwrap(ending.letter, { letter in
                .group(
                    .div(.class("card words"), .id("letter"),
                         .forEach(ClosingLetter.parts.prefix(2)) { part in
                             .group(.h2(.plain(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.class("carry"), .plain($0)) })
                         }),
                    .div(.class("card"), .id("relapse-prevention-plan"),
                         .h2("If things get hard again"),
                         .forEach(ClosingLetter.parts.dropFirst(2)) { part in
                             .group(.h3(.plain(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.plain($0)) })
                         }))
            }, else: .p(.class("card muted"), "Your therapist hasn't written your letter yet.")),
            .p(.a(.href("/me/progress"), "How your answers changed, from your first session to your last"))
        )
    }
}

/// A follow-up check-in, on one page: each measure's questions in the client's words, every answer needed.
struct FollowUpPage: PageView {
    let followUp: FollowUpView
    let context: PageContext
    var answers: [String: String] = [:]
    var problems: [FieldProblem] = []

    var title: String { "How things are now" }
    var isRefusal: Bool { !problems.isEmpty }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1("How things are now"),
            .p(.class("lead"), .plain("\(followUp.months) \(followUp.months == 1 ? "month" : "months") after your last session: a few questions, the same as before, to see how things are holding. Your therapist will see your answers.")),
            .if(!problems.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                        .p(.plain("Please answer every question: \(problems.count) \(problems.count == 1 ? "is" : "are") still open.")))),
            .form(.id("follow-up-form"), .method(.post), .action("/me/follow-ups/\(followUp.id.uuidString.lowercased())"), .class("stack"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .forEach(followUp.measures) { definition in measure(definition) },
                  .button(.type(.submit), .class("primary"), "Send"))
        )
    }

    func measure(_ definition: InstrumentDefinition) -> Node<HTML.FormContext> {
        .div(.class("measure"),
             .element(named: "h2", nodes: [Node<HTML.FormContext>.plain(definition.clientTitle)]),
             .group(definition.item.enumerated().map { index, item in question(definition, index: index, item: item) }))
    }

    func question(_ definition: InstrumentDefinition, index: Int, item: InstrumentDefinition.Item) -> Node<HTML.FormContext> {
        let name = "item-\(definition.id)-\(item.linkId)"
        let missing = problems.contains { $0.field == name }
        let options = definition.options(for: item) ?? []
        return .fieldset(.class(missing ? "room-item has-error" : "room-item"), .id("question-\(definition.id)-\(item.linkId)"),
                         .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("\(index + 1). \(item.text)")]),
                         .if(missing, .p(.class("error"), "Please answer this one.")),
                         .div(.class("room-options"), .forEach(options) { option in
                             .label(.class("room-option"),
                                    .input(.type(.radio), .name(name), .value(Scoring.format(option.value)),
                                           .checked(answers[name] == Scoring.format(option.value)), .required(true)),
                                    .plain(" \(option.display)"))
                         }))
    }
}

/// After a follow-up with a risk answer: thanks, and where to turn now.
struct FollowUpThanksPage: PageView {
    let crisisResources: String
    let risk: Bool
    let context: PageContext

    var title: String { "Thank you" }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Thank you for telling us"),
            .p(.class("lead"), "Your therapist has been told, and will be in touch. If you need help before then, you don't have to wait:"),
            CrisisCard.node(crisisResources, opening: "Where to turn now:"),
            .p(.a(.href("/me"), "Back to your space")))
    }
}
