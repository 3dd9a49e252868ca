import Fluent
import Foundation
import Plot
import RapportCore
import RapportVault
import Vapor

/// What the therapist sees of a client's check-ins, loaded once for the record page and the API.
struct CheckInSummary: Sendable {
    /// Measures the client is asked, and all the practice offers (for the choice).
    let measures: [InstrumentDefinition]
    let available: [InstrumentDefinition]
    let plan: [PlannedCheckIn]
    /// Finished check-ins, oldest first.
    let results: [CheckInView]
    let openAlerts: [CheckIns.OpenAlert]

    /// `sessions` are the client's sessions when the caller has them (the record page lists them anyway); each
    /// table is read once.
    static func load(scope: ClientScope, sessions: [SessionSlot]? = nil, key: ClientDataKey, keys: KeyStore, now: Date,
                     on db: any Database) async throws -> CheckInSummary {
        let available = try await PracticeSettings.availableMeasures(practiceID: scope.practiceID, on: db)
        let measures = try await CheckIns.measures(clientID: scope.clientID, available: available, on: db)
        let slots: [SessionSlot]
        if let sessions { slots = sessions } else { slots = try await CheckIns.sessions(clientID: scope.clientID, on: db) }
        let rows = try await CheckIns.rows(clientID: scope.clientID, on: db)
        return CheckInSummary(
            measures: measures,
            available: available,
            plan: CheckIns.plan(sessions: slots, checkIns: rows, measures: measures, now: now),
            results: try CheckIns.results(rows, sessions: slots, key: key, keys: keys),
            openAlerts: try await CheckIns.openAlerts(clientID: scope.clientID, checkIns: rows, key: key, keys: keys, on: db))
    }

    /// Outcome measures with at least one score: the scores in order, for the latest score and the change.
    var outcomeSeries: [(InstrumentDefinition, [CheckInView])] {
        InstrumentCatalogue.shipped.filter { $0.purpose == .outcome }.compactMap { definition in
            let series = results.filter { $0.definition.id == definition.id && $0.total != nil }
            return series.isEmpty ? nil : (definition, series)
        }
    }

    var feedback: [CheckInView] { results.filter { $0.definition.purpose == .sessionFeedback }.reversed() }

    /// The check-ins worth showing before a session: anything open, what fell due in the last week (so "done" and
    /// "missed" show for the last session), and what opens in the next few days.
    func recentPlan(now: Date) -> [PlannedCheckIn] {
        plan.filter { entry in
            entry.state == .due || entry.state == .overdue
                || (entry.dueBy > now.addingTimeInterval(-8 * 86400) && entry.opens < now.addingTimeInterval(4 * 86400))
        }
    }
}

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
                let session = sessionStart[entry.sessionID].map { when($0, req) } ?? ""
                let path = "\(base)/check-ins/\(entry.sessionID.uuidString.lowercased())/\(entry.instrumentID)"
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
