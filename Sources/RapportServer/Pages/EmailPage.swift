import Foundation
import Plot
import RapportCore

/// The practice's email, for its owner.
struct EmailPage: PageView {
    /// "host:port (security), from address", or nil when email isn't set up.
    let server: String?
    let overview: EmailOutbox.Overview
    var retried = false
    let context: PageContext
    let zone: TimeZone

    var title: String { "Email" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/practice"), "← The practice")),
            .h1("Email"),
            .p(.class("lead"), "Rapport emails people only to say that something waits for them, with a link to sign in: never what it is, never anyone's name, never a clinical word."),
            .if(retried, .p(.class("notice"), .attribute(named: "role", value: "status"), "It will go again within a minute.")),
            .div(.class("card"), .id("email-server"),
                 .h2("Mail server"),
                 .unwrap(server, { .p(.plain("Email goes through \($0).")) },
                         else: .p("Email is not set up yet. Until it is, every notification waits in the outbox, and invitation links are shown to whoever makes them. Set RAPPORT_SMTP_HOST, RAPPORT_SMTP_FROM and, if your server asks for them, RAPPORT_SMTP_USER and RAPPORT_SMTP_PASSWORD (see the README), then restart Rapport."))),
            .div(.class("card"), .id("email-counts"),
                 .h2("Outbox"),
                 .ul(.class("plain"),
                     .li(.plain("\(overview.waiting) waiting to go" + (overview.retrying > 0 ? ", \(overview.retrying) of them being tried again" : ""))),
                     .li(.plain("\(overview.sentThisWeek) sent in the last 7 days")))),
            .div(.class("card"), .id("email-failures"),
                 .h2("Not delivered"),
                 .if(overview.failures.isEmpty, .p(.class("muted"), "Nothing. Every email so far has gone, or is still being tried."),
                     else: .group(
                        .p("Kept here, never dropped. Send one again once the reason is fixed (the mail server back, its password right)."),
                        .ul(.class("plain failures"), .forEach(overview.failures) { failure in
                            .li(.strong(.plain(EmailOutbox.kindWords(failure.kind))),
                                .span(.class("muted"), .plain(" · made \(Formats.when(failure.createdAt, in: zone)) · tried \(failure.attempts) \(failure.attempts == 1 ? "time" : "times")")),
                                .p(.plain(failure.reason.prefix(1).uppercased() + failure.reason.dropFirst() + ".")),
                                .form(.method(.post), .action("/practice/email/\(failure.id.uuidString.lowercased())/retry"), .class("inline"),
                                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                                      .button(.type(.submit), .class("secondary-button"), "Send again")))
                        }))))
        )
    }
}
