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

    var title: String { "Your clients" }
    var hasCopyButtons: Bool { true }

    /// Clients with an open risk alert come first; otherwise the order given (by name).
    var ordered: [CaseloadEntry] {
        entries.enumerated().sorted { ($0.element.hasRiskAlert ? 0 : 1, $0.offset) < ($1.element.hasRiskAlert ? 0 : 1, $1.offset) }.map(\.element)
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Your clients"),
            .if(entries.isEmpty,
                .p(.class("muted"), "No clients yet. When you invite someone, they'll appear here."),
                else: .ul(.class("plain card"), .forEach(ordered) { entry in
                    .li(.a(.class("client-link"), .href("/clients/\(entry.clientID.uuidString.lowercased())"), .text(entry.name),
                           .if(entry.hasRiskAlert, .span(.class("badge risk"), " Risk alert"))),
                        .if(!entry.hasJoined, .span(.class("muted"), " · invited")))
                })),
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
            .p(.class("lead"), .text("Send this link to \(who.trimmingCharacters(in: .whitespaces)) in a way you trust. It works once, and expires on \(expiresAt.formatted(date: .long, time: .omitted)).")),
            .a(.id("invitation-link"), .class("link-out"), .href(link), .text(link)),
            CopyButton.node(target: "invitation-link"),
            .p(.a(.href(back), "Done"))
        )
    }
}
