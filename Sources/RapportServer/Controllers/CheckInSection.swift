import Fluent
import Foundation
import Plot
import RapportCore
import RapportVault
import Vapor

extension String {
    /// "Total below 36" → "total below 36", for joining sentences.
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}

extension ClientPages {
    static func checkInSection(_ req: Request, base: String, summary: CheckInSummary, appointments: [AppointmentView],
                               problems: [String: [FieldProblem]]) -> Node<HTML.BodyContext> {
        let now = req.rapport.now
        let sessionStart = Dictionary(uniqueKeysWithValues: appointments.map { ($0.id, $0.startsAt) })
        let measureProblems = problems["measures-form"] ?? []
        return .section(.id("check-ins"),
            .if(!summary.openAlerts.isEmpty, .div(.class("card alert"), .id("risk-alerts"), .attribute(named: "role", value: "alert"),
                .h2("Risk alert"),
                .forEach(summary.openAlerts) { alert in
                    .div(.class("alert-entry"),
                         .p(.strong(.text("\(alert.checkIn.definition.name), \(when(alert.raisedAt, req))")),
                            .text(alert.checkIn.isDone ? "" : " (check-in not finished)")),
                         .ul(.forEach(alert.evidence) { .li(.text($0)) }),
                         .p(.class("muted"), .text(alert.checkIn.inRoom
                             ? "Entered by a therapist from answers given in the room."
                             : "Raised the moment the client gave the answer; they were shown the practice's crisis resources.")))
                },
                .p("Please follow your practice's risk procedure."),
                .form(.method(.post), .action("\(base)/risk-alerts/acknowledge"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(req.page.csrfToken)),
                      // Only the alerts on this page: one raised after it was loaded stays open.
                      .forEach(summary.openAlerts) { .input(.type(.hidden), .name("alert-\($0.id.uuidString.lowercased())"), .value("seen")) },
                      .button(.type(.submit), .class("primary"), .text("Mark as seen"))))),
            .h2("Scores"),
            .if(summary.outcomeSeries.isEmpty, .p(.class("muted"), "No check-ins answered yet.")),
            // Scrolls sideways on a phone: focusable and named, so that it can be scrolled from the keyboard
            // (axe-core: scrollable-region-focusable).
            .if(!summary.outcomeSeries.isEmpty, .div(.class("table-scroll"), .attribute(named: "tabindex", value: "0"),
                                                     .attribute(named: "role", value: "region"),
                                                     .attribute(named: "aria-label", value: "Scores"),
                                                     .table(.class("scores"),
                .thead(.tr(.th("Measure"), .th("Latest"), .th("Band"), .th("When"))),
                .tbody(.forEach(summary.outcomeSeries) { definition, series in
                    let latest = series[series.count - 1]
                    return .tr(.td(.text(definition.name)),
                               .td(.class("score"), .text(latest.total.map(Scoring.format) ?? "")),
                               .td(.text(latest.band?.display ?? "")),
                               .td(.text(latest.completedAt.map { when($0, req) } ?? "")))
                })))),
            .forEach(summary.outcomeSeries) { definition, series in
                .p(.class("change"), .text(ChangeWords.summary(definition, scores: series.compactMap(\.total))))
            },
            .h2("Check-ins"),
            .if(summary.measures.isEmpty, .p(.class("muted"), "This client isn't asked any measures. Choose some below.")),
            .if(summary.recentPlan(now: now).isEmpty && !summary.measures.isEmpty,
                .p(.class("muted"), "Check-ins appear here once sessions are booked: measures before each session, feedback after it.")),
            .ul(.class("plain card check-in-plan"), .forEach(summary.recentPlan(now: now)) { entry in
                let definition = summary.measures.first { $0.id == entry.instrumentID }
                let session = sessionStart[entry.appointmentID].map { when($0, req) } ?? ""
                let path = "\(base)/check-ins/\(entry.appointmentID.uuidString.lowercased())/\(entry.instrumentID)"
                return .li(.class("check-in-entry state-\(entry.state.rawValue)"),
                    .span(.text("\(definition?.name ?? entry.instrumentID) · \(entry.purpose == .outcome ? "before" : "after") \(session)")),
                    .span(.class("state"), .text(" · \(stateWords(entry, req))")),
                    .if(entry.state == .due || entry.state == .overdue,
                        .a(.class("room-link"), .href(path), "Enter answers given in the room")))
            }),
            .h2("Session feedback"),
            .forEach(summary.measures.filter { $0.purpose == .sessionFeedback }) { definition in
                .p(.class("muted"), .text("\(definition.name)\(definition.validated ? "" : ", Rapport's own questions, is not a validated measure: read it as the client's voice, not a score"). Marked as worth talking about when: "
                    + (definition.flag ?? []).map { $0.explanation.trimmingCharacters(in: CharacterSet(charactersIn: ".")).lowercasedFirst }.joined(separator: "; or ") + "."))
            },
            .if(summary.feedback.isEmpty, .p(.class("muted"), "No feedback yet.")),
            .forEach(summary.feedback) { feedback in
                .div(.class("card feedback\(feedback.flags.contains("alliance-concern") ? " concern" : "")"),
                     .p(.strong(.text(sessionStart[feedback.appointmentID].map { "Session of \(when($0, req))" } ?? "Session")),
                        .text(" · \(feedback.definition.name) \(feedback.total.map(Scoring.format) ?? "?") of \(Scoring.format(feedback.definition.totalRange.upperBound))"),
                        .if(feedback.flags.contains("alliance-concern"), .span(.class("flag"), " · worth talking about"))),
                     .p(.class("muted"), .text(zip(feedback.definition.item, feedback.answers).map { item, answer in
                         "\(item.linkId) \(answer.map(Scoring.format) ?? "–")"
                     }.joined(separator: " · "))),
                     .unwrap(feedback.comment) { .blockquote(.class("comment"), .text($0)) })
            },
            .h2("Measures for this client"),
            FormParts.form(id: "measures-form", action: "\(base)/measures", req.page, problems: measureProblems, submit: "Save measures",
                .fieldset(.class("measures"),
                    .element(named: "legend", nodes: [Node<HTML.FormContext>.text("Asked before each session (outcome) or after it (feedback)")]),
                    .forEach(measureProblems) { .p(.class("error"), .attribute(named: "role", value: "alert"), .text($0.message)) },
                    .forEach(summary.available) { definition in
                        .label(.class("room-option"),
                               .input(.type(.checkbox), .name("measure-\(definition.id)"), .value("on"),
                                      .checked(summary.measures.contains(definition))),
                               .text(" \(definition.name): \(definition.title)\(definition.purpose == .outcome ? "" : " (after sessions)")"))
                    }))
        )
    }

    static func stateWords(_ entry: PlannedCheckIn, _ req: Request) -> String {
        switch entry.state {
        case .notYetOpen: return "opens \(when(entry.opens, req))"
        case .due: return "due by \(when(entry.dueBy, req))"
        case .overdue: return "overdue"
        case .done: return "done"
        case .missed: return "missed"
        }
    }
}
