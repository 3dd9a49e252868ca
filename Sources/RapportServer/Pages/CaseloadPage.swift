import Foundation
import Plot
import RapportCore

/// A therapist's caseload, clients with an open risk alert first, and the form to invite a client. Loaded by the
/// caseload controller from `People.caseload`; rendered without a request.
struct CaseloadPage: PageView {
    let entries: [CaseloadEntry]
    let context: PageContext
    /// How long an invitation link works, in days, as the form's note says.
    let invitationDays: Int
    var draftName = ""
    var draftEmail = ""
    var problems: [FieldProblem] = []
    var waiting: [People.WaitingInvitation] = []
    var now = Date()
    var zone = TimeZone.current
    /// Only the clients with this reason (`/clients?need=…`); nil for everyone.
    var filter: NeedKind? = nil
    /// The address asked for a filter that doesn't exist: everyone is shown, and the page says so.
    var unknownFilter = false

    var title: String { "Your clients" }
    var hasCopyButtons: Bool { true }

    /// By need: an open risk alert first, then not on track, then possible ruptures, then overdue check-ins, then
    /// everyone else; within each, the next session soonest first, then the order given (by name).
    var ordered: [CaseloadEntry] {
        let none = NeedKind.allCases.count
        // Each entry's key worked out once, not once per comparison.
        let keyed = entries.enumerated().filter { filter == nil || $0.element.needs.contains { $0.kind == filter } }
            .map { (need: $0.element.topNeed?.rawValue ?? none,
                    next: ($0.element.nextSession ?? .distantFuture).timeIntervalSinceReferenceDate, offset: $0.offset) }
        return keyed.sorted { a, b in (a.need, a.next, a.offset) < (b.need, b.next, b.offset) }.map { entries[$0.offset] }
    }

    var filters: Node<HTML.BodyContext> {
        .nav(.class("filters"), .attribute(named: "aria-label", value: "Show only"),
             .ul(.li(.a(.href("/clients"), .if(filter == nil, .attribute(named: "aria-current", value: "page")),
                        .plain("Everyone (\(entries.count))"))),
                 .forEach(NeedKind.allCases) { kind in
                     let count = entries.filter { $0.needs.contains { $0.kind == kind } }.count
                     return .li(.a(.href("/clients?need=\(kind.slug)"), .class("need-\(kind.slug)"),
                                   .if(filter == kind, .attribute(named: "aria-current", value: "page")),
                                   .plain("\(kind.label) (\(count))")))
                 }))
    }

    /// The list, written with `Markup.Builder`: a caseload is opened all day and can run to hundreds of rows.
    func list(_ shown: [CaseloadEntry]) -> Node<HTML.BodyContext> {
        var out = Markup.Builder(capacity: 400 * shown.count)
        out.raw("<ul class=\"plain card caseload\">")
        for entry in shown { row(entry, into: &out) }
        out.raw("</ul>")
        return out.node()
    }

    /// One row, written as literal markup around escaped values: the page's hot loop (see `Markup`).
    func row(_ entry: CaseloadEntry, into out: inout Markup.Builder) {
        out.raw("<li class=\"caseload-row")
        if let top = entry.topNeed { out.raw(" need-"); out.value(top.slug) }
        out.raw("\"><a class=\"client-link\" href=\"/clients/")
        out.value(entry.clientID.lowercasedText)
        out.raw("\">")
        out.text(entry.name)
        if entry.hasRiskAlert { out.raw("<span class=\"badge risk\"> Risk alert</span>") }
        out.raw("</a>")
        if !entry.hasJoined {
            out.raw("<span class=\"muted\"> · not joined yet</span>")
        } else if let words = entry.consentWords {
            out.raw("<span class=\"muted consent-status\"> · ")
            out.text(words)
            out.raw("</span>")
        }
        if entry.unreadMessages > 0 {
            out.raw(" · <a class=\"messages-waiting\" href=\"/clients/")
            out.value(entry.clientID.lowercasedText)
            let words = entry.unreadMessages == 1 ? "1 new message" : "\(entry.unreadMessages) new messages"
            out.raw("/messages\" aria-label=\"")
            out.value("\(words) from \(entry.name)")
            out.raw("\">")
            out.text(words)
            out.raw("</a>")
        }
        // The risk alert is the badge beside the name; the other reasons are listed.
        if entry.needs.contains(where: { $0.kind != .riskAlert }) {
            out.raw("<ul class=\"needs\">")
            for need in entry.needs where need.kind != .riskAlert {
                out.raw("<li class=\"need-")
                out.value(need.kind.slug)
                out.raw("\"><strong>")
                out.text(need.kind.label)
                out.raw(": </strong>")
                out.text(need.words)
                out.raw("</li>")
            }
            out.raw("</ul>")
        }
        out.raw("<p class=\"muted next\">")
        if let next = entry.nextSession {
            out.raw("Next session ")
            out.text(Formats.when(next, in: zone))
        } else {
            out.raw("No session booked")
        }
        out.raw("</p></li>")
    }

    var content: Node<HTML.BodyContext> {
        let shown = ordered
        return .group(
            .h1("Your clients"),
            .if(!entries.isEmpty, filters),
            .if(unknownFilter, .p(.class("notice"), "That filter doesn't exist, so everyone is shown.")),
            .if(entries.isEmpty,
                .p(.class("muted"), "No clients yet. When you invite someone, they'll appear here."),
                else: .if(shown.isEmpty,
                          .p(.class("muted"), .plain("Nobody with \((filter?.label ?? "").lowercased()) right now.")),
                          else: list(shown))),
            WaitingInvitations.node(waiting, actions: "/clients/invitations", now: now, zone: zone, context: context),
            .h2("Invite a client"),
            .p("This creates their private record and a link for them to join. The link works once and expires in \(invitationDays) days."),
            FormParts.invitation(id: "invite-client-form", action: "/clients/invitations", context, nameLabel: "Client's name",
                                 emailLabel: "Client's email", name: draftName, email: draftEmail, problems: problems)
        )
    }
}

/// The page after an invitation is made. Email delivery comes later: for now the inviter passes the link on.
struct InvitationCreatedPage: PageView {
    let who: String
    let link: String
    let expiresAt: Date
    /// Where "Done" goes: the practice page or the caseload.
    let back: String
    let context: PageContext

    var title: String { "Invitation ready" }
    var hasCopyButtons: Bool { true }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Invitation ready"),
            .p(.class("lead"), .plain("Send this link to \(who.trimmingCharacters(in: .whitespaces)) in a way you trust. It works once, and expires on \(expiresAt.formatted(date: .long, time: .omitted)).")),
            .a(.id("invitation-link"), .class("link-out"), .href(link), .plain(link)),
            CopyButton.node(target: "invitation-link"),
            .p(.a(.href(back), "Done"))
        )
    }
}
