import Foundation
import Plot
import RapportCore

/// One disclosure, as the client and the care team read it.
enum DisclosureEntry {
    /// `tell`: for the care team, where to end the hold on one the client was not told of, and the form's context.
    static func node(_ disclosure: Disclosures.View, by: String, zone: TimeZone, forClient: Bool,
                     tell: (action: String, context: PageContext)? = nil) -> Node<HTML.ListContext> {
        .li(.class("disclosure"),
            .p(.strong(.plain(Formats.when(disclosure.disclosedAt, in: zone))), .plain(", by \(by). Under the limit for "),
               .strong(.plain(DisclosureRules.words(disclosure.limit))),
               .plain(disclosure.consentVersion.map { forClient ? ", in version \($0) of the agreement you signed." : ", in version \($0) of the agreement they signed." }
                      ?? (forClient ? "." : " (no agreement signed yet)."))),
            .p(.strong("To whom: "), .plain(disclosure.recipient)),
            .p(.strong("What was shared: "), .plain(disclosure.shared)),
            .p(.strong("Why: "), .plain(disclosure.reason)),
            .if(!forClient && !disclosure.clientTold, .group(
                .p(.class("muted"), "Not told to the client, for a lawful reason; the practice owner was told."),
                .unwrap(tell) { tell in
                    .form(.method(.post), .action("\(tell.action)/\(disclosure.id.lowercasedText)/tell"),
                          .input(.type(.hidden), .name(CSRF.fieldName), .value(tell.context.csrfToken)),
                          .button(.type(.submit), .class("secondary-button"), "The hold has ended: tell the client now"))
                })))
    }
}

/// The care team's ledger for one client, and the form to record a disclosure.
struct DisclosureLedgerPage: PageView {
    let clientID: UUID
    let name: String
    let disclosures: [Disclosures.View]
    let signedVersion: Int?
    let names: [UUID: String]
    let draft: DisclosureRules.Input?
    let problems: [FieldProblem]
    let recorded: Bool
    let zone: TimeZone
    let context: PageContext

    var title: String { "Disclosures from \(name)'s record" }
    var base: String { "/clients/\(clientID.lowercasedText)" }
    var first: String { InputRules.firstName(of: name) }
    var isWide: Bool { true }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href(base), .plain("← \(name)"))),
            .h1(.plain(title)),
            .p(.class("lead"), .plain("When you must share information under one of the limits \(first) was told of, record it here: it goes on this ledger and in the audit trail, and \(first) sees it on their own page and is told, unless the law says they must not be.")),
            .if(recorded, .p(.class("notice"), .id("disclosure-recorded"), .attribute(named: "role", value: "status"), "Done: the ledger below is up to date.")),
            .div(.class("pair"),
                .div(
                    .section(.class("card"), .id("disclosure-ledger"),
                        .h2(.plain(disclosures.isEmpty ? "Nothing disclosed" : disclosures.count == 1 ? "1 disclosure" : "\(disclosures.count) disclosures")),
                        .if(disclosures.isEmpty, .p(.class("muted"), .plain("No information from \(first)'s record has been shared under a limit.")),
                            else: .ul(.class("plain"), .forEach(disclosures) {
                                DisclosureEntry.node($0, by: names[$0.disclosedBy] ?? "a therapist", zone: zone, forClient: false,
                                                     tell: ("\(base)/disclosures", context))
                            })))),
                .div(
                    .section(.class("card"), .id("record-disclosure"),
                        .h2("Record a disclosure"),
                        .p(.class("muted"), .plain(signedVersion.map { "\(first) signed version \($0) of the agreement, which states these limits." }
                                                   ?? "\(first) has not signed the agreement yet; the limits are those every version states.")),
                        FormParts.form(id: "disclosure-form", action: "\(base)/disclosures", context, problems: problems, submit: "Record the disclosure",
                            limitChoice,
                            FormParts.field("recipient", label: "To whom", value: draft?.recipient ?? "", autocomplete: "off",
                                            hint: "The person or body, e.g. the local authority's children's services.", problems: problems),
                            FormParts.textArea("shared", id: "shared", label: "What was shared", value: draft?.shared ?? "", problems: problems, rows: 4),
                            FormParts.textArea("reason", id: "reason", label: "Why it had to be shared", value: draft?.reason ?? "", problems: problems, rows: 4),
                            withheldField,
                            FormParts.field("code", label: "A code from your authenticator app", value: "", autocomplete: "one-time-code",
                                            hint: "A fresh code: to be sure it is you recording this.", problems: problems,
                                            extra: [.attribute(named: "inputmode", value: "numeric"), .attribute(named: "maxlength", value: "12")]))))
            )
        )
    }

    var limitChoice: Node<HTML.FormContext> {
        let problem = problems.first { $0.field == "limit" }
        return .fieldset(.class(problem == nil ? "measures" : "measures has-error"),
            .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("The limit it was shared under")]),
            .unwrap(problem) { .p(.class("error"), .id("limit-error"), .plain($0.message)) },
            .forEach(DisclosureRules.limits) { kind in
                .label(.class("room-option"),
                       .input(.type(.radio), .name("limit"), .value(kind.rawValue), .id("limit-\(kind.rawValue)"), .checked(draft?.limit == kind.rawValue)),
                       .plain(" " + DisclosureRules.words(kind).prefix(1).uppercased() + DisclosureRules.words(kind).dropFirst()))
            })
    }

    var withheldField: Node<HTML.FormContext> {
        let problem = problems.first { $0.field == "withheld_reason" }
        return .div(.class(problem == nil ? "field" : "field has-error"),
            .label(.for("withheld_reason"), .plain("Only if \(first) must not be told: the lawful reason")),
            .p(.class("hint"), .plain("Leave empty and \(first) is told. A reason here (a request from the police or a court not to tell them, for a time) keeps it off their page, and the practice owner is told instead.")),
            .unwrap(problem) { .p(.class("error"), .id("withheld_reason-error"), .plain($0.message)) },
            .textarea(.name("withheld_reason"), .id("withheld_reason"), .rows(2),
                      .if(problem != nil, .group(.attribute(named: "aria-invalid", value: "true"), .attribute(named: "aria-describedby", value: "withheld_reason-error"))),
                      .plain(draft?.withheldReason ?? "")))
    }
}

/// The client's accounting of disclosures: what was shared from their record under a limit, to whom and why, in a period.
struct DisclosureAccountingPage: PageView {
    let disclosures: [Disclosures.View]
    let period: ClosedRange<Date>
    let draftFrom: String
    let draftTo: String
    let problem: String?
    let names: [UUID: String]
    let zone: TimeZone
    let context: PageContext

    var title: String { "What was shared from your record" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.class("no-print"), .a(.href("/me/record-access"), "← Who opened my record")),
            .h1(.plain(title)),
            .p(.class("lead"), .plain("Your agreement told you of a few limits to confidentiality. Every time information from your record was shared under one of them, it is listed here: when, by whom, to whom, what and why.")),
            .p(.class("muted"), .plain("From \(Formats.dateLong(period.lowerBound, in: zone)) to \(Formats.dateLong(period.upperBound, in: zone)).")),
            .unwrap(problem) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain($0))) },
            .if(disclosures.isEmpty, .p(.class("card muted"), .id("no-disclosures"), "Nothing from your record was shared in this time."),
                else: .ul(.class("plain card"), .id("disclosures"), .forEach(disclosures) {
                    DisclosureEntry.node($0, by: names[$0.disclosedBy] ?? "your practice", zone: zone, forClient: true)
                })),
            .form(.class("stack no-print"), .id("accounting-period"), .method(.get), .action("/me/disclosures"),
                  .div(.class("field"), .label(.for("from"), "From"), .input(.type(.date), .name("from"), .id("from"), .value(Markup.attribute(draftFrom)))),
                  .div(.class("field"), .label(.for("to"), "To"), .input(.type(.date), .name("to"), .id("to"), .value(Markup.attribute(draftTo)))),
                  .button(.type(.submit), .class("secondary-button"), "Show this period")),
            .p(.class("muted no-print"), "To keep a copy, print this page or save it as a PDF from your browser's menu.")
        )
    }
}

/// The owner's review of disclosures made without telling the client: who, when, under which limit, and the lawful
/// reason; never what was shared (that is the client's record).
struct WithheldDisclosuresPage: PageView {
    let held: [Disclosures.Withheld]
    let names: [UUID: String]
    let zone: TimeZone
    let context: PageContext

    var title: String { "Disclosures the client was not told of" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1(.plain(title)),
            .p(.class("lead"), "A therapist recorded each of these under a limit of confidentiality, with a lawful reason not to tell the client for now. Check that each reason holds, and that the hold ends when it should: the therapist tells the client from their record. Reading this list is written to the audit trail."),
            .if(held.isEmpty, .p(.class("card muted"), "None: every client has been told of every disclosure."),
                else: .ul(.class("plain card"), .id("withheld-list"), .forEach(held) { withheld in
                    .li(.p(.plain("\(Formats.when(withheld.disclosedAt, in: zone)), by \(names[withheld.disclosedBy] ?? "a therapist"), under the limit for \(DisclosureRules.words(withheld.limit)). Client reference "),
                           .code(.plain(withheld.clientID.lowercasedText))),
                        .p(.strong("Lawful reason: "), .plain(withheld.lawfulReason)))
                })))
    }
}
