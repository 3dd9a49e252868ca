import Foundation
import Plot
import RapportCore

/// The public page a practice puts in front of people who are not clients yet: a message in their own words, how
/// they'd like to be contacted, a name if they want; what happens next; and where to turn if they can't wait. No
/// cookie, no script, nothing from anywhere else. `embedded` is the small version for the practice's own site.
struct ReachOutPage: PageView {
    let practice: ReachOutPractice
    let slug: String
    let embedded: Bool
    var drafts: [String: String] = [:]
    var problems: [FieldProblem] = []
    /// Set when this address sent too many enquiries lately: the form is shown again with what they wrote.
    var slowDown = false

    var title: String { "Reach out to \(practice.name)" }
    var context: PageContext { .signedOut }
    var isBare: Bool { embedded }
    var isRefusal: Bool { !problems.isEmpty || slowDown }
    var action: String { "/reach-out/\(slug)" + (embedded ? "/embed" : "") }

    var content: Node<HTML.BodyContext> {
        let chosen = drafts["route"] ?? ""
        let general = problems.first { $0.field == "form" }
        let routeProblem = problems.first { $0.field == "route" }
        return .group(
            .h1(.plain(embedded ? "Reach out" : "Reach out to \(practice.name)")),
            .p(.class("lead"), .plain("Write in your own words. You don't need to know what to call it, or to have decided anything.")),
            .p(.class("muted"), .id("not-for-emergencies"), .plain("This is not for emergencies. If you need help now, "),
               .a(.href("#crisis-resources"), "see where to turn today"), .plain(".")),
            .if(slowDown, .div(.class("form-error"), .id("slow-down"), .attribute(named: "role", value: "alert"),
                .p(.plain("You've sent several messages in the last hour, and we have every one of them. Please wait a little before sending another: what you wrote is still here.")))),
            .unwrap(general) { .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain($0.message))) },
            .form(.id("reach-out-form"), .method(.post), .action(action), .class("stack"),
                FormParts.textArea("message", id: "reach-out-message", label: "What would you like us to know?",
                                   value: drafts["message"] ?? "", problems: problems, rows: 7),
                .fieldset(.class(routeProblem == nil ? "field" : "field has-error"),
                    .element(named: "legend", nodes: [Node<HTML.FormContext>.plain("How would you like us to contact you?")]),
                    .unwrap(routeProblem) { .p(.class("error"), .id("route-error"), .plain($0.message)) },
                    .div(.class("room-options"),
                         .forEach(ContactRoute.allCases) { route in
                             .label(.class("room-option"),
                                    .input(.type(.radio), .name("route"), .value(route.rawValue), .checked(chosen == route.rawValue),
                                           .required(true)),
                                    .plain(" " + route.words))
                         })),
                FormParts.field("contact", label: "Your email address or phone number", value: drafts["contact"] ?? "",
                                autocomplete: "email", hint: "We use it only to reply to you.", problems: problems, id: "reach-out-contact"),
                FormParts.field("name", label: "Your name (optional)", value: drafts["name"] ?? "", autocomplete: "name",
                                hint: "A first name is enough, or none.", problems: problems, required: false, id: "reach-out-name"),
                // Left empty by people, who never see it; filled by robots that fill everything.
                .div(.class("hp"), .attribute(named: "aria-hidden", value: "true"),
                     .label(.for("reach-out-website"), "Leave this empty"),
                     .input(.type(.text), .name("website"), .id("reach-out-website"), .attribute(named: "tabindex", value: "-1"),
                            .attribute(named: "autocomplete", value: "off"))),
                .button(.type(.submit), .class("primary"), "Send")),
            .p(.class("muted"), .plain("What happens next: someone from \(practice.name) will reply \(practice.replyTime.words), the way you chose. What you write is encrypted as soon as it arrives; this page sets no cookie and loads nothing from anywhere else.")),
            CrisisCard.node(practice.crisisResources, opening: "If you can't wait for a reply, or you're not safe right now:")
        )
    }
}

/// After an enquiry: thanks, what happens next and when, and the crisis resources.
struct ReachOutThanksPage: PageView {
    let practice: ReachOutPractice
    let route: ContactRoute?
    let embedded: Bool

    var title: String { "Thank you for reaching out" }
    var context: PageContext { .signedOut }
    var isBare: Bool { embedded }

    var how: String {
        switch route {
        case .email?: return "by email"
        case .phone?: return "by phone"
        case .text?: return "by text message"
        case nil: return "the way you chose"
        }
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Thank you for reaching out"),
            .p(.class("lead"), .id("what-happens-next"),
               .plain("Your message has reached \(practice.name). Someone will contact you \(how) \(practice.replyTime.words), to talk about what you'd like and whether the practice is right for you.")),
            .p(.plain("Taking this step can be hard. Nothing is expected of you before then.")),
            CrisisCard.node(practice.crisisResources, opening: "If things get too much before we reply, you don't have to wait:")
        )
    }
}

/// The staff's inbox of enquiries, and the owner's settings for the public page.
struct EnquiriesPage: PageView {
    let enquiries: [EnquiryView]
    let page: ReachOutPageRow?
    let baseURL: String
    let canInvite: Bool
    let isOwner: Bool
    let context: PageContext
    let zone: TimeZone
    var drafts: [String: String] = [:]
    var problems: [String: [FieldProblem]] = [:]
    var saved = false

    var title: String { "Enquiries" }
    var isRefusal: Bool { !problems.isEmpty }
    var isWide: Bool { true }

    var fresh: [EnquiryView] { enquiries.filter { $0.status == "new" } }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Enquiries"),
            .p(.class("lead"), .plain(page == nil
                ? "People who are not clients yet write here from the practice's public reach-out page, once its owner has given it an address."
                : "First messages from people who are not clients yet. Reply the way they asked, then mark it handled, or turn it into a client invitation.")),
            .unwrap(page) { page in
                .p(.class("muted"), .plain("Enquiries not turned into clients are erased after \(page.retentionDays) days."))
            },
            .div(.class("record-grid"),
                 .div(.class("record-main"),
                      .h2(.plain(fresh.isEmpty ? "Nothing new" : "\(fresh.count) new")),
                      .if(enquiries.isEmpty, .p(.class("card muted"), "No enquiries yet.")),
                      .ul(.class("plain enquiries"), .forEach(enquiries) { enquiry in item(enquiry) })),
                 .div(.class("record-side"), .if(isOwner, settingsPart), linksPart))
        )
    }

    func item(_ view: EnquiryView) -> Node<HTML.ListContext> {
        let id = view.id.uuidString.lowercased()
        guard let enquiry = view.enquiry else {
            return .li(.class("card enquiry invited"), .id("enquiry-\(id)"),
                       .p(.class("muted"), .plain("Received \(Formats.when(view.receivedAt, in: zone)) · turned into a client invitation"
                                                 + (view.handledAt.map { " \(Formats.when($0, in: zone))" } ?? "") + ".")))
        }
        let formID = "invite-\(id)"
        let formProblems = problems[formID] ?? []
        let contactLink: Node<HTML.BodyContext>
        switch enquiry.route {
        case .email: contactLink = .a(.href("mailto:\(enquiry.contact)"), .plain(enquiry.contact))
        case .phone, .text: contactLink = .a(.href("tel:\(enquiry.contact.filter { $0.isNumber || $0 == "+" })"), .plain(enquiry.contact))
        }
        return .li(.class(view.status == "new" ? "card enquiry new" : "card enquiry"), .id("enquiry-\(id)"),
            .p(.strong(.plain(enquiry.name ?? "No name given")),
               .span(.class("muted"), .plain(" · \(Formats.when(view.receivedAt, in: zone))")),
               .if(view.status == "new", .span(.class("badge"), " New"))),
            .p(.plain("Asked for: \(enquiry.route.words.lowercased()) · "), contactLink),
            .blockquote(.forEach(Formats.lines(enquiry.message)) { .p(.plain($0)) }),
            .if(enquiry.route == .email && view.status == "new",
                .form(.method(.post), .action("/enquiries/\(id)/reply"), .class("inline"),
                      .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                      .button(.type(.submit), .class("secondary-button"), "Email them: read, we'll be in touch"))),
            .form(.method(.post), .action("/enquiries/\(id)/handled"), .class("inline"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .input(.type(.hidden), .name("handled"), .value(view.status == "new" ? "yes" : "no")),
                  .button(.type(.submit), .class("link-button"), .plain(view.status == "new" ? "Mark as handled" : "Mark as new"))),
            .if(canInvite,
                .element(named: "details", nodes: [
                    .attribute(named: "class", value: "opener"),
                    .attribute(named: "id", value: "\(formID)-opener"),
                    .if(problems[formID] != nil, .attribute(named: "open", value: "open")),
                    .element(named: "summary", nodes: [.plain("Turn into a client invitation")]),
                    FormParts.form(id: formID, action: "/enquiries/\(id)/invite", context, problems: formProblems,
                                   submit: "Create invitation",
                        FormParts.field("name", label: "Their name", value: drafts["\(formID)-name"] ?? enquiry.name ?? "",
                                        autocomplete: "off", problems: formProblems, id: "\(formID)-name"),
                        FormParts.field("email", label: "Their email", type: .email,
                                        value: drafts["\(formID)-email"] ?? (enquiry.route == .email ? enquiry.contact : ""),
                                        autocomplete: "off", problems: formProblems, id: "\(formID)-email")),
                ])))
    }

    var settingsPart: Node<HTML.BodyContext> {
        let formProblems = problems["reach-out-settings"] ?? []
        return .section(.class("card"), .id("reach-out-settings"),
            .h2("Your reach-out page"),
            .if(saved, .p(.class("notice"), .attribute(named: "role", value: "status"), "Saved.")),
            FormParts.form(id: "reach-out-settings-form", action: "/enquiries/settings", context, problems: formProblems, submit: "Save",
                FormParts.field("slug", label: "Its address: \(baseURL)/reach-out/…", value: drafts["slug"] ?? page?.slug ?? "",
                                hint: "Lower-case letters, digits and hyphens, e.g. harbour-street.", problems: formProblems, id: "reach-out-slug"),
                FormParts.field("frame_origin", label: "Your website, to show the small version in (optional)",
                                value: drafts["frame_origin"] ?? page?.frameOrigin ?? "",
                                hint: "Its origin only, e.g. https://www.harbourstreet.example. Only that site may show it in a frame; no other can.",
                                problems: formProblems, required: false, id: "reach-out-origin"),
                FormParts.field("retention_days", label: "Days to keep enquiries not turned into clients", type: .number,
                                value: drafts["retention_days"] ?? String(page?.retentionDays ?? EnquiryRules.defaultRetentionDays),
                                problems: formProblems, id: "reach-out-retention",
                                extra: [.attribute(named: "min", value: "7"), .attribute(named: "max", value: "730")])))
    }

    var linksPart: Node<HTML.BodyContext> {
        guard let page else { return .empty }
        let url = "\(baseURL)/reach-out/\(page.slug)"
        let snippet = "<iframe src=\"\(url)/embed\" title=\"Reach out\" width=\"100%\" height=\"900\"></iframe>"
        return .section(.class("card"), .id("reach-out-links"),
            .h2("Where people reach you"),
            .p(.a(.href("/reach-out/\(page.slug)"), .plain(url))),
            .if(page.frameOrigin != nil, .group(
                .p(.plain("On \(page.frameOrigin ?? ""), paste this where the form should be:")),
                .pre(.code(.plain(snippet))))))
    }
}
