import Foundation
import Plot
import RapportCore

/// The relationship on a client's record: possible ruptures to review (confirm, or dismiss with a reason), the
/// rupture → repair log, and a form for one noticed in the room. Shared by the record page and shown again with
/// its messages when a form on it is refused.
struct RelationshipPart: Sendable {
    let summary: RuptureSummary
    let sessions: [AppointmentView]
    let base: String
    let context: PageContext
    let zone: TimeZone
    let now: Date
    var drafts: [String: String] = [:]
    var problems: [String: [FieldProblem]] = [:]
    /// Marker and repair checkboxes ticked on a refused form, by form id.
    var ticked: [String: Set<String>] = [:]

    func when(_ date: Date) -> String { Formats.when(date, in: zone) }

    static func formID(_ possible: PossibleRupture) -> String {
        "review-\(possible.appointmentID.lowercasedText)-\(possible.rule)"
    }

    static let noticedFormID = "noticed-rupture-form"
    /// Problems that belong to no form still on the page (a possible rupture reviewed meanwhile by someone else).
    static let sectionProblems = "relationship"

    var node: Node<HTML.BodyContext> {
        let confirmed = summary.confirmed.reversed()
        let dismissed = summary.log.filter { $0.status == .dismissed }
        return .section(.id("relationship"),
            .h2("The relationship"),
            .forEach(problems[Self.sectionProblems] ?? []) { .p(.class("form-error"), .attribute(named: "role", value: "alert"), .text($0.message)) },
            .if(summary.possible.isEmpty && summary.log.isEmpty,
                .p(.class("muted"), "No possible ruptures. Rapport looks at feedback, attendance and check-ins after every session, and lists here what might be a rupture for you to look at.")),
            .if(!summary.possible.isEmpty, .group(
                .h3(.text(summary.possible.count == 1 ? "1 possible rupture to look at" : "\(summary.possible.count) possible ruptures to look at")),
                .forEach(summary.possible.reversed()) { possibleCard($0) })),
            .if(!confirmed.isEmpty, .group(
                .h3("Ruptures and repairs"),
                .forEach(confirmed) { loggedCard($0) })),
            noticedForm,
            .if(!dismissed.isEmpty, .details(.class("dismissed"),
                .summary(.text(dismissed.count == 1 ? "1 dismissed" : "\(dismissed.count) dismissed")),
                .ul(.class("plain"), .forEach(dismissed.reversed()) { rupture in
                    .li(.text("\(rupture.sessionStart.map { "Session of \(when($0))" } ?? "No session") · \(Self.ruleName(rupture.rule)): "),
                        .text(rupture.note ?? ""))
                })))
        )
    }

    static func ruleName(_ rule: String?) -> String {
        guard let rule else { return "noticed in the room" }
        return RuptureRules.all.first { $0.id == rule }?.summary.trimmingCharacters(in: CharacterSet(charactersIn: ".")) ?? rule
    }

    static func typeBadge(_ type: RuptureType) -> Node<HTML.BodyContext> {
        .span(.class("badge \(type.rawValue)"), .text(type == .withdrawal ? "Withdrawal" : "Confrontation"))
    }

    func possibleCard(_ possible: PossibleRupture) -> Node<HTML.BodyContext> {
        let id = Self.formID(possible)
        let formProblems = problems[id] ?? []
        return .div(.class("card rupture possible"),
            .p(Self.typeBadge(possible.type), .text(" Session of \(when(possible.sessionStart))")),
            .p(.text(possible.evidence)),
            .p(.class("muted"), .text("Rule: \(Self.ruleName(possible.rule)).")),
            .form(.id(id), .method(.post), .action("\(base)/ruptures"), .class("stack"),
                .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                .input(.type(.hidden), .name("appointment_id"), .value(possible.appointmentID.lowercasedText)),
                .input(.type(.hidden), .name("rule"), .value(possible.rule)),
                errors(formProblems),
                markerChoices(formID: id, types: [possible.type], problems: formProblems, open: false),
                FormParts.textArea("note", id: "\(id)-note", label: "Note (to dismiss, say why it is not a rupture)",
                                   value: drafts[id] ?? "", problems: formProblems, required: false, rows: 2),
                .div(.class("actions"),
                     .button(.type(.submit), .class("primary"), .attribute(named: "name", value: "decision"), .attribute(named: "value", value: "confirm"),
                             .text("Confirm: it is a rupture")),
                     .button(.type(.submit), .class("secondary-button"), .attribute(named: "name", value: "decision"), .attribute(named: "value", value: "dismiss"),
                             .text("Dismiss"))))
        )
    }

    func errors(_ problems: [FieldProblem]) -> Node<HTML.FormContext> {
        let general = problems.filter { ["form", "rule", "decision", "appointment_id", "type"].contains($0.field) }
        return .if(!general.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                         .forEach(general) { .p(.text($0.message)) }))
    }

    /// The 3RS markers of the given types as checkboxes, in a disclosure unless one was ticked or refused.
    func markerChoices(formID: String, types: [RuptureType], problems: [FieldProblem], open: Bool) -> Node<HTML.FormContext> {
        let chosen = ticked[formID] ?? []
        let problem = problems.first { $0.field == "markers" }
        return .element(named: "details", nodes: [
            .attribute(named: "class", value: "markers"),
            .if(open || problem != nil || !chosen.isEmpty, .attribute(named: "open", value: "open")),
            .element(named: "summary", nodes: [.text("Markers you saw (3RS)")]),
            .unwrap(problem) { .p(.class("error"), .text($0.message)) },
            .forEach(types) { type in
                .fieldset(.class("measures"),
                    .element(named: "legend", nodes: [Node<HTML.FormContext>.text(type == .withdrawal ? "Withdrawal: moving away" : "Confrontation: moving against")]),
                    .forEach(RuptureMarker.allCases.filter { $0.type == type }) { marker in
                        .label(.class("room-option"),
                               .input(.type(.checkbox), .name("marker-\(marker.rawValue)"), .value("on"), .checked(chosen.contains(marker.rawValue))),
                               .text(" \(marker.display)"))
                    })
            },
        ])
    }

    func loggedCard(_ rupture: LoggedRupture) -> Node<HTML.BodyContext> {
        let href = "\(base)/ruptures/\(rupture.id.lowercasedText)"
        return .div(.class("card rupture \(rupture.latestOutcome == .resolved ? "repaired" : "open")"), .id("rupture-\(rupture.id.lowercasedText)"),
            .p(Self.typeBadge(rupture.type),
               .text(" \(rupture.sessionStart.map { "Session of \(when($0))" } ?? "Noticed \(when(rupture.recordedAt))")"),
               .text(rupture.origin == .signal ? " · confirmed from: \(Self.ruleName(rupture.rule).lowercasedFirst)" : " · noticed in the room")),
            .if(!rupture.markers.isEmpty, .p(.text("Markers: " + rupture.markers.map(\.display).joined(separator: "; ") + "."))),
            .unwrap(rupture.note) { .blockquote(.class("comment"), .text($0)) },
            .p(.strong(.text(rupture.latestOutcome.map { "Repair: \($0.display.lowercasedFirst)" } ?? "No repair recorded yet")),
               .text(rupture.repairs.isEmpty ? "" : " (\(rupture.repairs.count == 1 ? "1 attempt" : "\(rupture.repairs.count) attempts"))")),
            .unwrap(rupture.feedback) { .p(.class("muted"), .text($0.words)) },
            .p(.a(.href(href), .attribute(named: "aria-label", value: "Record a repair for the rupture \(rupture.sessionStart.map { "of \(when($0))" } ?? "noticed \(when(rupture.recordedAt))")"),
                  .text(rupture.repairs.isEmpty ? "Record a repair" : "Repairs and another attempt")))
        )
    }

    var noticedForm: Node<HTML.BodyContext> {
        let id = Self.noticedFormID
        let formProblems = problems[id] ?? []
        let past = sessions.filter { $0.startsAt <= now && !$0.cancelled }.reversed()
        let chosenSession = drafts["\(id)-session"] ?? past.first?.id.lowercasedText ?? ""
        let chosenType = drafts["\(id)-type"] ?? ""
        return .element(named: "details", nodes: [
            .attribute(named: "class", value: "card noticed"),
            .if(!formProblems.isEmpty, .attribute(named: "open", value: "open")),
            .element(named: "summary", nodes: [.text("Record a rupture you noticed in the room")]),
            .form(.id(id), .method(.post), .action("\(base)/ruptures"), .class("stack"),
                .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                .input(.type(.hidden), .name("decision"), .value("noticed")),
                errors(formProblems),
                .div(.class("field"),
                     .label(.for("\(id)-type"), "Kind of rupture"),
                     .select(.attribute(named: "name", value: "type"), .attribute(named: "id", value: "\(id)-type"),
                             .option(.value("withdrawal"), .label("Withdrawal: moving away from me or the work"), .isSelected(chosenType == "withdrawal")),
                             .option(.value("confrontation"), .label("Confrontation: moving against me or the work"), .isSelected(chosenType == "confrontation")))),
                .div(.class("field"),
                     .label(.for("\(id)-session"), "Session"),
                     .select(.attribute(named: "name", value: "appointment_id"), .attribute(named: "id", value: "\(id)-session"),
                             .forEach(past) { session in
                                 .option(.value(session.id.lowercasedText), .label(when(session.startsAt)), .isSelected(chosenSession == session.id.lowercasedText))
                             },
                             .option(.value(""), .label("Not in a recorded session"), .isSelected(chosenSession.isEmpty)))),
                markerChoices(formID: id, types: RuptureType.allCases, problems: formProblems, open: true),
                FormParts.textArea("note", id: "\(id)-note", label: "What you noticed (optional)", value: drafts[id] ?? "",
                                   problems: formProblems, required: false, rows: 3),
                .button(.type(.submit), .class("primary"), .text("Record rupture")))
        ])
    }
}

/// One rupture with its repairs, and the form for another attempt.
struct RupturePage: PageView {
    let clientName: String
    let clientID: UUID
    let rupture: LoggedRupture
    let context: PageContext
    let zone: TimeZone
    var drafts: [String: String] = [:]
    var problems: [FieldProblem] = []
    var ticked: Set<String> = []
    var refusal: String? = nil

    var title: String { "Rupture and repair · \(clientName)" }
    var isWide: Bool { true }
    var isRefusal: Bool { !problems.isEmpty || refusal != nil }
    var base: String { "/clients/\(clientID.lowercasedText)" }
    func when(_ date: Date) -> String { Formats.when(date, in: zone) }

    var content: Node<HTML.BodyContext> {
        let formID = "repair-form"
        return .group(
            .p(.a(.href("\(base)#relationship"), .text("← \(clientName)'s record"))),
            .h1("Rupture and repair"),
            .div(.class("record-grid"),
                .div(.class("record-main"),
                    .section(.class("card"),
                        .h2(RelationshipPart.typeBadge(rupture.type),
                            .text(" \(rupture.sessionStart.map { "Session of \(when($0))" } ?? "Noticed \(when(rupture.recordedAt))")")),
                        .p(.class("muted"), .text(rupture.origin == .signal ? "Confirmed from: \(RelationshipPart.ruleName(rupture.rule).lowercasedFirst)."
                                                                            : "Noticed in the room.")),
                        .if(!rupture.markers.isEmpty, .ul(.forEach(rupture.markers) { .li(.text($0.display)) })),
                        .unwrap(rupture.note) { .blockquote(.class("comment"), .text($0)) },
                        .unwrap(rupture.feedback) { .p(.text($0.words)) }),
                    .section(
                        .h2("Repairs"),
                        .if(rupture.repairs.isEmpty, .p(.class("muted"), "No repair recorded yet.")),
                        .ol(.class("plain"), .forEach(rupture.repairs) { repair in
                            .li(.class("card repair"),
                                .p(.strong(.text(repair.outcome.display)), .text(" · \(when(repair.recordedAt))"),
                                   .if(repair.sharedWithClient, .span(.class("muted"), " · shared with the client"))),
                                .ul(.forEach(repair.actions) { .li(.text($0.display)) }),
                                .unwrap(repair.note) { .blockquote(.class("comment"), .text($0)) })
                        }))),
                .div(.class("record-side"),
                    .section(
                        .h2(.text(rupture.status == .dismissed ? "Dismissed" : (rupture.repairs.isEmpty ? "Record the repair" : "Record another attempt"))),
                        .if(rupture.status == .dismissed,
                            .p(.text("This possible rupture was dismissed, so there is nothing to repair. If it was one after all, record it on the record as noticed in the room."))),
                        .unwrap(refusal) { .p(.class("form-error"), .attribute(named: "role", value: "alert"), .text($0)) },
                        .if(rupture.status == .confirmed,
                            FormParts.form(id: formID, action: "\(base)/ruptures/\(rupture.id.lowercasedText)/repairs", context,
                                           problems: problems, submit: "Save repair",
                                .fieldset(.class("measures"),
                                    .element(named: "legend", nodes: [Node<HTML.FormContext>.text("What you did")]),
                                    .unwrap(problems.first { $0.field == "actions" }) { .p(.class("error"), .text($0.message)) },
                                    .forEach(RepairAction.allCases) { action in
                                        .label(.class("room-option"),
                                               .input(.type(.checkbox), .name("action-\(action.rawValue)"), .value("on"),
                                                      .checked(ticked.contains(action.rawValue))),
                                               .text(" \(action.display)"))
                                    }),
                                .fieldset(.class("measures"),
                                    .element(named: "legend", nodes: [Node<HTML.FormContext>.text("How it went")]),
                                    .unwrap(problems.first { $0.field == "outcome" }) { .p(.class("error"), .text($0.message)) },
                                    .forEach(RepairOutcome.allCases) { outcome in
                                        .label(.class("room-option"),
                                               .input(.type(.radio), .name("outcome"), .value(outcome.rawValue),
                                                      .checked(drafts["outcome"] == outcome.rawValue)),
                                               .text(" \(outcome.display)"))
                                    }),
                                FormParts.textArea("note", id: "repair-note", label: "Note (optional)", value: drafts["note"] ?? "",
                                                   problems: problems, required: false, rows: 4),
                                .label(.class("room-option"),
                                       .input(.type(.checkbox), .name("share_with_client"), .value("on"), .checked(drafts["share"] == "on")),
                                       .text(" Show the client that we worked on this (on their progress page; the note stays private)")))))))
        )
    }
}
