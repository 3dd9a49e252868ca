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

    /// Written with `Markup.Builder`, like the caseload's rows: a form per possible rupture, each with its markers,
    /// was the largest part of what Plot still drew on the record page (perf record under `scripts/bench --at-size`).
    /// The markup is the same as Plot's (the record page's snapshots compare them with whitespace ignored).
    var node: Node<HTML.BodyContext> {
        var out = Markup.Builder(capacity: 4096 + 3072 * summary.possible.count + 1024 * summary.log.count + 64 * sessions.count)
        write(into: &out)
        return out.node()
    }

    func write(into out: inout Markup.Builder) {
        let confirmed = summary.confirmed.reversed()
        let dismissed = summary.log.filter { $0.status == .dismissed }
        out.raw("<section id=\"relationship\"><h2>The relationship</h2>")
        for problem in problems[Self.sectionProblems] ?? [] {
            out.raw("<p class=\"form-error\" role=\"alert\">")
            out.text(problem.message)
            out.raw("</p>")
        }
        if summary.possible.isEmpty && summary.log.isEmpty {
            out.raw("<p class=\"muted\">No possible ruptures. Rapport looks at feedback, attendance and check-ins after every session, ")
            out.raw("and lists here what might be a rupture for you to look at.</p>")
        }
        if !summary.possible.isEmpty {
            out.element("h3", text: summary.possible.count == 1 ? "1 possible rupture to look at" : "\(summary.possible.count) possible ruptures to look at")
            for possible in summary.possible.reversed() { possibleCard(possible, into: &out) }
        }
        if !confirmed.isEmpty {
            out.raw("<h3>Ruptures and repairs</h3>")
            for rupture in confirmed { loggedCard(rupture, into: &out) }
        }
        noticedForm(into: &out)
        if !dismissed.isEmpty {
            out.raw("<details class=\"dismissed\">")
            out.element("summary", text: dismissed.count == 1 ? "1 dismissed" : "\(dismissed.count) dismissed")
            out.raw("<ul class=\"plain\">")
            for rupture in dismissed.reversed() {
                out.raw("<li>")
                out.text("\(rupture.sessionStart.map { "Session of \(when($0))" } ?? "No session") · \(Self.ruleName(rupture.rule)): ")
                out.text(rupture.note ?? "")
                out.raw("</li>")
            }
            out.raw("</ul></details>")
        }
        out.raw("</section>")
    }

    static func ruleName(_ rule: String?) -> String {
        guard let rule else { return "noticed in the room" }
        return RuleNames.all[rule] ?? rule
    }

    /// The rules' summaries without their full stop, worked out once.
    private enum RuleNames {
        static let all: [String: String] = Dictionary(
            RuptureRules.all.map { ($0.id, $0.summary.trimmingCharacters(in: CharacterSet(charactersIn: "."))) },
            uniquingKeysWith: { first, _ in first })
    }

    static func typeBadge(_ type: RuptureType) -> Node<HTML.BodyContext> {
        .span(.class("badge \(type.rawValue)"), .plain(type == .withdrawal ? "Withdrawal" : "Confrontation"))
    }

    static func typeBadge(_ type: RuptureType, into out: inout Markup.Builder) {
        out.raw(type == .withdrawal ? "<span class=\"badge withdrawal\">Withdrawal</span>" : "<span class=\"badge confrontation\">Confrontation</span>")
    }

    /// The form's opening tag and its CSRF field: every form here posts to the rupture log.
    func openForm(_ id: String, into out: inout Markup.Builder) {
        out.raw("<form id=\"")
        out.value(id)
        out.raw("\" method=\"post\" action=\"")
        out.value("\(base)/ruptures")
        out.raw("\" class=\"stack\"><input type=\"hidden\" name=\"")
        out.value(CSRF.fieldName)
        out.raw("\" value=\"")
        out.value(context.csrfToken)
        out.raw("\"/>")
    }

    func hidden(_ name: StaticString, _ value: String, into out: inout Markup.Builder) {
        out.raw("<input type=\"hidden\" name=\"")
        out.raw(name)
        out.raw("\" value=\"")
        out.value(value)
        out.raw("\"/>")
    }

    func possibleCard(_ possible: PossibleRupture, into out: inout Markup.Builder) {
        let id = Self.formID(possible)
        let formProblems = problems[id] ?? []
        out.raw("<div class=\"card rupture possible\"><p>")
        Self.typeBadge(possible.type, into: &out)
        out.text(" Session of \(when(possible.sessionStart))")
        out.raw("</p>")
        out.element("p", text: possible.evidence)
        out.raw("<p class=\"muted\">")
        out.text("Rule: \(Self.ruleName(possible.rule)).")
        out.raw("</p>")
        openForm(id, into: &out)
        hidden("appointment_id", possible.appointmentID.lowercasedText, into: &out)
        hidden("rule", possible.rule, into: &out)
        errors(formProblems, into: &out)
        markerChoices(formID: id, types: [possible.type], problems: formProblems, open: false, into: &out)
        let note: Node<HTML.FormContext> = FormParts.textArea("note", id: "\(id)-note", label: "Note (to dismiss, say why it is not a rupture)",
                                                             value: drafts[id] ?? "", problems: formProblems, required: false, rows: 2)
        out.append(rendered: note.render(indentedBy: nil))
        out.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"decision\" value=\"confirm\">Confirm: it is a rupture</button>")
        out.raw("<button type=\"submit\" class=\"secondary-button\" name=\"decision\" value=\"dismiss\">Dismiss</button></div></form></div>")
    }

    func errors(_ problems: [FieldProblem], into out: inout Markup.Builder) {
        let general = problems.filter { ["form", "rule", "decision", "appointment_id", "type"].contains($0.field) }
        guard !general.isEmpty else { return }
        out.raw("<div class=\"form-error\" role=\"alert\">")
        for problem in general { out.element("p", text: problem.message) }
        out.raw("</div>")
    }

    /// The 3RS markers of the given types as checkboxes, in a disclosure unless one was ticked or refused.
    func markerChoices(formID: String, types: [RuptureType], problems: [FieldProblem], open: Bool, into out: inout Markup.Builder) {
        let chosen = ticked[formID] ?? []
        let problem = problems.first { $0.field == "markers" }
        out.raw(open || problem != nil || !chosen.isEmpty ? "<details class=\"markers\" open=\"open\">" : "<details class=\"markers\">")
        out.raw("<summary>Markers you saw (3RS)</summary>")
        if let problem {
            out.raw("<p class=\"error\">")
            out.text(problem.message)
            out.raw("</p>")
        }
        for type in types {
            out.raw(type == .withdrawal ? "<fieldset class=\"measures\"><legend>Withdrawal: moving away</legend>"
                                        : "<fieldset class=\"measures\"><legend>Confrontation: moving against</legend>")
            for marker in RuptureMarker.allCases where marker.type == type {
                out.raw("<label class=\"room-option\"><input type=\"checkbox\" name=\"marker-")
                out.value(marker.rawValue)
                out.raw(chosen.contains(marker.rawValue) ? "\" value=\"on\" checked/>" : "\" value=\"on\"/>")
                out.text(" \(marker.display)")
                out.raw("</label>")
            }
            out.raw("</fieldset>")
        }
        out.raw("</details>")
    }

    func loggedCard(_ rupture: LoggedRupture, into out: inout Markup.Builder) {
        let href = "\(base)/ruptures/\(rupture.id.lowercasedText)"
        out.raw(rupture.latestOutcome == .resolved ? "<div class=\"card rupture repaired\" id=\"rupture-" : "<div class=\"card rupture open\" id=\"rupture-")
        out.value(rupture.id.lowercasedText)
        out.raw("\"><p>")
        Self.typeBadge(rupture.type, into: &out)
        out.text(" \(rupture.sessionStart.map { "Session of \(when($0))" } ?? "Noticed \(when(rupture.recordedAt))")")
        out.text(rupture.origin == .signal ? " · confirmed from: \(Self.ruleName(rupture.rule).lowercasedFirst)" : " · noticed in the room")
        out.raw("</p>")
        if !rupture.markers.isEmpty { out.element("p", text: "Markers: " + rupture.markers.map(\.display).joined(separator: "; ") + ".") }
        if let note = rupture.note {
            out.raw("<blockquote class=\"comment\">")
            out.text(note)
            out.raw("</blockquote>")
        }
        out.raw("<p><strong>")
        out.text(rupture.latestOutcome.map { "Repair: \($0.display.lowercasedFirst)" } ?? "No repair recorded yet")
        out.raw("</strong>")
        out.text(rupture.repairs.isEmpty ? "" : " (\(rupture.repairs.count == 1 ? "1 attempt" : "\(rupture.repairs.count) attempts"))")
        out.raw("</p>")
        if let feedback = rupture.feedback {
            out.raw("<p class=\"muted\">")
            out.text(feedback.words)
            out.raw("</p>")
        }
        out.raw("<p><a href=\"")
        out.value(href)
        out.raw("\" aria-label=\"")
        out.value("Record a repair for the rupture \(rupture.sessionStart.map { "of \(when($0))" } ?? "noticed \(when(rupture.recordedAt))")")
        out.raw("\">")
        out.text(rupture.repairs.isEmpty ? "Record a repair" : "Repairs and another attempt")
        out.raw("</a></p></div>")
    }

    func noticedForm(into out: inout Markup.Builder) {
        let id = Self.noticedFormID
        let formProblems = problems[id] ?? []
        let past = sessions.filter { $0.startsAt <= now && !$0.cancelled }.reversed()
        let chosenSession = drafts["\(id)-session"] ?? past.first?.id.lowercasedText ?? ""
        let chosenType = drafts["\(id)-type"] ?? ""
        out.raw(formProblems.isEmpty ? "<details class=\"card noticed\">" : "<details class=\"card noticed\" open=\"open\">")
        out.raw("<summary>Record a rupture you noticed in the room</summary>")
        openForm(id, into: &out)
        hidden("decision", "noticed", into: &out)
        errors(formProblems, into: &out)
        out.raw("<div class=\"field\"><label for=\"noticed-rupture-form-type\">Kind of rupture</label>")
        out.raw("<select name=\"type\" id=\"noticed-rupture-form-type\">")
        out.raw(chosenType == "withdrawal" ? "<option value=\"withdrawal\" label=\"Withdrawal: moving away from me or the work\" selected/>"
                                           : "<option value=\"withdrawal\" label=\"Withdrawal: moving away from me or the work\"/>")
        out.raw(chosenType == "confrontation" ? "<option value=\"confrontation\" label=\"Confrontation: moving against me or the work\" selected/>"
                                              : "<option value=\"confrontation\" label=\"Confrontation: moving against me or the work\"/>")
        out.raw("</select></div><div class=\"field\"><label for=\"noticed-rupture-form-session\">Session</label>")
        out.raw("<select name=\"appointment_id\" id=\"noticed-rupture-form-session\">")
        for session in past {
            let value = session.id.lowercasedText
            out.raw("<option value=\"")
            out.value(value)
            out.raw("\" label=\"")
            out.value(when(session.startsAt))
            out.raw(chosenSession == value ? "\" selected/>" : "\"/>")
        }
        // An empty value is left out, as Plot leaves out an empty attribute: the option's value is then its (empty) text.
        out.raw(chosenSession.isEmpty ? "<option label=\"Not in a recorded session\" selected/>" : "<option label=\"Not in a recorded session\"/>")
        out.raw("</select></div>")
        markerChoices(formID: id, types: RuptureType.allCases, problems: formProblems, open: true, into: &out)
        let note: Node<HTML.FormContext> = FormParts.textArea("note", id: "\(id)-note", label: "What you noticed (optional)", value: drafts[id] ?? "",
                                                             problems: formProblems, required: false, rows: 3)
        out.append(rendered: note.render(indentedBy: nil))
        out.raw("<button type=\"submit\" class=\"primary\">Record rupture</button></form></details>")
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
            .p(.a(.href("\(base)#relationship"), .plain("← \(clientName)'s record"))),
            .h1("Rupture and repair"),
            .div(.class("record-grid"),
                .div(.class("record-main"),
                    .section(.class("card"),
                        .h2(RelationshipPart.typeBadge(rupture.type),
                            .plain(" \(rupture.sessionStart.map { "Session of \(when($0))" } ?? "Noticed \(when(rupture.recordedAt))")")),
                        .p(.class("muted"), .plain(rupture.origin == .signal ? "Confirmed from: \(RelationshipPart.ruleName(rupture.rule).lowercasedFirst)."
                                                                            : "Noticed in the room.")),
                        .if(!rupture.markers.isEmpty, .ul(.forEach(rupture.markers) { .li(.plain($0.display)) })),
                        .unwrap(rupture.note) { .blockquote(.class("comment"), .plain($0)) },
                        .unwrap(rupture.feedback) { .p(.plain($0.words)) }),
                    .section(
                        .h2("Repairs"),
                        .if(rupture.repairs.isEmpty, .p(.class("muted"), "No repair recorded yet.")),
                        .ol(.class("plain"), .forEach(rupture.repairs) { repair in
                            .li(.class("card repair"),
                                .p(.strong(.plain(repair.outcome.display)), .plain(" · \(when(repair.recordedAt))"),
                                   .if(repair.sharedWithClient, .span(.class("muted"), " · shared with the client"))),
                                .ul(.forEach(repair.actions) { .li(.plain($0.display)) }),
                                .unwrap(repair.note) { .blockquote(.class("comment"), .plain($0)) })
                        }))),
                .div(.class("record-side"),
                    .section(
                        .h2(.plain(rupture.status == .dismissed ? "Dismissed" : (rupture.repairs.isEmpty ? "Record the repair" : "Record another attempt"))),
                        .if(rupture.status == .dismissed,
                            .p(.plain("This possible rupture was dismissed, so there is nothing to repair. If it was one after all, record it on the record as noticed in the room."))),
                        .unwrap(refusal) { .p(.class("form-error"), .attribute(named: "role", value: "alert"), .plain($0)) },
                        .if(rupture.status == .confirmed,
                            FormParts.form(id: formID, action: "\(base)/ruptures/\(rupture.id.lowercasedText)/repairs", context,
                                           problems: problems, submit: "Save repair",
                                .fieldset(.class("measures"),
                                    .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("What you did")]),
                                    .unwrap(problems.first { $0.field == "actions" }) { .p(.class("error"), .plain($0.message)) },
                                    .forEach(RepairAction.allCases) { action in
                                        .label(.class("room-option"),
                                               .input(.type(.checkbox), .name("action-\(action.rawValue)"), .value("on"),
                                                      .checked(ticked.contains(action.rawValue))),
                                               .plain(" \(action.display)"))
                                    }),
                                .fieldset(.class("measures"),
                                    .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("How it went")]),
                                    .unwrap(problems.first { $0.field == "outcome" }) { .p(.class("error"), .plain($0.message)) },
                                    .forEach(RepairOutcome.allCases) { outcome in
                                        .label(.class("room-option"),
                                               .input(.type(.radio), .name("outcome"), .value(outcome.rawValue),
                                                      .checked(drafts["outcome"] == outcome.rawValue)),
                                               .plain(" \(outcome.display)"))
                                    }),
                                FormParts.textArea("note", id: "repair-note", label: "Note (optional)", value: drafts["note"] ?? "",
                                                   problems: problems, required: false, rows: 4),
                                .label(.class("room-option"),
                                       .input(.type(.checkbox), .name("share_with_client"), .value("on"), .checked(drafts["share"] == "on")),
                                       .plain(" Show the client that we worked on this (on their progress page; the note stays private)")))))))
        )
    }
}
