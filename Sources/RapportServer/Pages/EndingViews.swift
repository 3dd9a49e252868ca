import Foundation
import Plot
import RapportCore

extension RecordPage {
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
                .p(.text("Therapy ended \(when(ended)). \(first) keeps the closing letter and plan, words to carry and the safety plan, read-only, and can reach out again in one tap.")),
                .if(!dates.isEmpty, .p(.class("muted"), .text("Follow-up check-ins: " + dates.map { Charts.day($0, zone) }.joined(separator: ", ") + "."))),
                .unwrap(ending.letter) { letter in
                    .element(named: "details", nodes: [
                        .element(named: "summary", nodes: [.text("The closing letter and plan")]),
                        .forEach(ClosingLetter.parts) { part in
                            .group(.h3(.text(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.text($0)) })
                        },
                    ])
                },
                .form(.method(.post), .action("\(base)/ending/resume"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      .button(.type(.submit), .class("link-button"), .text("\(first) is back: resume therapy"))))
        }
        return .section(.id("ending"),
            .h2("Ending"),
            .unwrap(ending, { ending in
                .p(.text("Ending planned" + (ending.lastSessionOn.map { " for the session on \(Charts.day($0, zone))" } ?? "")
                         + ", with follow-up check-ins " + ending.followUpMonths.map(String.init).joined(separator: ", ") + " months after."))
            }, else: .p(.class("muted"), .text("Plan the ending with \(first) before it comes: when, and the check-ins after."))),
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
                    .p(.class("hint"), .text("In your words, for \(first) to keep. From then on their record is read-only to them.")),
                    .forEach(ClosingLetter.parts) { part in
                        FormParts.textArea(part.field, id: "ending-\(part.field)", label: part.heading, value: drafts["letter-\(part.field)"] ?? "",
                                           problems: letterProblems, rows: 4)
                    })))
    }
}

/// After the ending, at the top of the client's home page: the letter and plan, and the way back.
enum EndedCard {
    static func node(_ ending: EndingView, practiceName: String, context: PageContext, zone: TimeZone, sent: Bool) -> Node<HTML.BodyContext> {
        .div(.class("card words"), .id("therapy-ended"),
            .h2("After therapy"),
            .p(.text("Your therapy with \(practiceName) ended on \(Formats.dateLong(ending.endedAt ?? Date(), in: zone)). What is yours stays here: your letter and plan, your words to carry, your safety plan.")),
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
            .p(.class("lead"), .text(therapistWords)),
            .unwrap(ending.letter, { letter in
                .group(
                    .div(.class("card words"), .id("letter"),
                         .forEach(ClosingLetter.parts.prefix(2)) { part in
                             .group(.h2(.text(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.class("carry"), .text($0)) })
                         }),
                    .div(.class("card"), .id("relapse-prevention-plan"),
                         .h2("If things get hard again"),
                         .forEach(ClosingLetter.parts.dropFirst(2)) { part in
                             .group(.h3(.text(part.heading)), .forEach(Formats.lines(letter.text(part.field))) { .p(.text($0)) })
                         }))
            }, else: .p(.class("card muted"), "Your therapist hasn't written your letter yet."))
        )
    }
}
