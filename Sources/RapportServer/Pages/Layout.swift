import Foundation
import Plot
import RapportCore
import Vapor

/// What every page needs to draw its frame: the CSRF token for forms, who is signed in, and where they are (to mark
/// the current page in the navigation).
struct PageContext: Sendable {
    let csrfToken: String
    let identity: Identity
    var path = ""

    /// A public page's: nobody signed in, no form token (its forms carry none: there is no session to protect).
    static let signedOut = PageContext(csrfToken: "", identity: Identity(requester: .signedOut, user: nil, signIn: nil))
}

/// Where each person can go from any page. Staff have it along the top; a client has it as a bar at the bottom of a
/// phone's screen (along the top on a wider one). Nobody half-signed-in sees it: they have one thing to do.
enum Navigation {
    struct Item: Sendable, Equatable {
        let label: String
        let href: String
    }

    static func items(for actor: Principal?, signedIn: Bool) -> [Item] {
        guard signedIn, let actor else { return [] }
        if actor.isClient {
            return [Item(label: "Home", href: "/me"), Item(label: "Sessions", href: "/me/sessions"),
                    Item(label: "Check-ins", href: "/me/check-ins"), Item(label: "Progress", href: "/me/progress"),
                    Item(label: "Messages", href: "/me/messages")]
        }
        // Staff: the day's work first (an owner who sees clients has both halves), their account last.
        var items: [Item] = []
        if actor.has(.therapist) {
            items += [Item(label: "Clients", href: "/clients"), Item(label: "Calendar", href: "/account/calendar")]
        }
        if actor.has(.owner) {
            items += [Item(label: "Practice", href: "/practice"), Item(label: "Outcomes", href: "/practice/outcomes"),
                      Item(label: "Settings", href: "/practice/settings")]
        }
        // First contact from the public reach-out page, which every owner and therapist may answer.
        return items + [Item(label: "Enquiries", href: "/enquiries"), Item(label: "Account", href: "/account")]
    }

    /// The item the page belongs to: the longest address that is the path or a folder above it (a client's record
    /// is under Clients; the settings page is Settings, not Practice).
    static func current(_ items: [Item], path: String) -> Item? {
        items.filter { path == $0.href || path.hasPrefix($0.href + "/") }.max { $0.href.count < $1.href.count }
    }

    static func node(_ context: PageContext) -> Node<HTML.BodyContext> {
        let signedIn: Bool
        if case .signedIn = context.identity.requester { signedIn = true } else { signedIn = false }
        let items = items(for: context.identity.actor, signedIn: signedIn)
        guard !items.isEmpty else { return .empty }
        let current = current(items, path: context.path)
        let isClient = context.identity.actor?.isClient == true
        return .nav(.class(isClient ? "site client-nav" : "site staff-nav"), .attribute(named: "aria-label", value: "Main"),
                    .ul(.forEach(items) { item in
                        .li(.a(.href(item.href), .plain(item.label),
                               .if(item == current, .attribute(named: "aria-current", value: "page"))))
                    }))
    }
}

private struct PracticeSettingsKey: StorageKey { typealias Value = PracticeSettingsRow? }

extension Request {
    var page: PageContext { PageContext(csrfToken: csrfToken, identity: identity, path: url.path) }

    /// The signed-in person's practice's settings row (nil: none saved yet, or nobody signed in), read once per
    /// request however many parts of a page need it: the time zone, the crisis resources, the measures.
    func practiceSettings() async throws -> PracticeSettingsRow? {
        if let cached = storage[PracticeSettingsKey.self] { return cached }
        var settings: PracticeSettingsRow?
        if let practiceID = identity.actor?.practiceID { settings = try await HotPaths.practiceSettings(practiceID: practiceID, on: db) }
        storage[PracticeSettingsKey.self] = .some(settings)
        return settings
    }

    /// The zone this request's times are typed and shown in: the practice's choice, or the server's configured zone
    /// until the owner chooses.
    func practiceZone() async throws -> TimeZone {
        PracticeSettings.timeZone(try await practiceSettings(), default: rapport.configuration.timeZone)
    }

    /// The practice's crisis resources, in the owner's words or Rapport's.
    func crisisResources() async throws -> String {
        guard let practiceID = identity.actor?.practiceID else { return PracticeSettings.defaultCrisisResources }
        return try await PracticeSettings.crisisResources(try await practiceSettings(), practiceID: practiceID, keys: rapport.keys, on: db)
    }

    /// A posted form's fields by name, for forms whose field names are built from ids (`measure-phq-9`, `alert-…`):
    /// a ticked checkbox is present, an unticked one absent.
    func formFields() -> [String: String] { (try? content.decode([String: String].self)) ?? [:] }
}

/// A page as a value: its title, its content and what its frame needs. It takes no request, so a test can render
/// it whole (`Layout.document`), and a controller only loads its model and sends it (`Layout.render`).
protocol PageView: Sendable {
    var title: String { get }
    var context: PageContext { get }
    var content: Node<HTML.BodyContext> { get }
    /// A page that lays itself out in columns on a desk (a client's record); others keep a reading width.
    var isWide: Bool { get }
    /// A page with a link to pass on, whose copy buttons need `/assets/copy.js` (the page works without it).
    var hasCopyButtons: Bool { get }
    /// A page shown inside another site's frame: no header, no navigation, no footer (the reach-out page's small version).
    var isBare: Bool { get }
}

extension PageView {
    var isWide: Bool { false }
    var hasCopyButtons: Bool { false }
    var isBare: Bool { false }
}

/// The frame of every page: calm, phone-first, no third-party anything, no inline style or script (CSP). The one
/// script, first-party, is loaded only by pages with copy buttons, and only adds to them.
enum Layout {
    static func render(_ page: some PageView, status: HTTPResponseStatus = .ok) -> Response {
        let response = Response(status: status)
        response.headers.contentType = .html
        response.body = .init(string: document(page))
        return response
    }

    /// `indented` is for reading (snapshot tests); pages are sent unindented.
    static func document(_ page: some PageView, indented: Bool = false) -> String {
        document(page.title, page.context, page.content, wide: page.isWide, copyButtons: page.hasCopyButtons, bare: page.isBare,
                 indented: indented)
    }

    private static func document(_ title: String, _ context: PageContext, _ content: Node<HTML.BodyContext>, wide: Bool,
                                 copyButtons: Bool = false, bare: Bool = false,
                                 indented: Bool) -> String {
        let html = HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .viewport(.accordingToDevice),
                .title("\(title) · Rapport"),
                .meta(.name("referrer"), .content("no-referrer")),
                .stylesheet("/assets/rapport.css")
            ),
            bare ? .body(.class("bare"), .main(.id("main"), content)) : .body(
                .class(context.identity.actor?.isClient == true ? "with-client-nav" : "with-staff-nav"),
                .a(.class("skip-link"), .href("#main"), "Skip to content"),
                .header(
                    .class("top"),
                    .a(.class("brand"), .href("/"), "Rapport"),
                    Navigation.node(context),
                    .if(context.identity.actor != nil, signOutForm(context))
                ),
                .main(.id("main"), .if(wide, .class("wide")), content),
                .footer(
                    .class("bottom"),
                    .p("What you write here is encrypted and stays within your practice.")
                ),
                .if(copyButtons, .script(.src("/assets/copy.js")))
            )
        )
        return indented ? html.render(indentedBy: .spaces(2)) : html.render()
    }

    static func signOutForm(_ context: PageContext) -> Node<HTML.BodyContext> {
        .form(
            .id("signout-form"), .class("signout"), .method(.post), .action("/signout"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .button(.type(.submit), .class("link-button"), .plain("Sign out"))
        )
    }
}

/// Building blocks for forms, so every form has its CSRF field, labels tied to inputs and inline messages.
enum FormParts {
    static func form(
        id: String,
        action: String,
        _ context: PageContext,
        problems: [FieldProblem] = [],
        submit: String,
        _ fields: Node<HTML.FormContext>...
    ) -> Node<HTML.BodyContext> {
        let general = problems.filter { $0.field == "form" }
        return .form(
            .id(id), .method(.post), .action(action), .class("stack"),
            .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
            .if(!general.isEmpty, .div(.class("form-error"), .attribute(named: "role", value: "alert"),
                                      .forEach(general) { .p(.plain($0.message)) })),
            .group(fields),
            .button(.type(.submit), .class("primary"), .plain(submit))
        )
    }

    static func field(
        _ name: String,
        label: String,
        type: HTMLInputType = .text,
        value: String = "",
        autocomplete: String? = nil,
        hint: String? = nil,
        problems: [FieldProblem] = [],
        required: Bool = true,
        id: String? = nil,
        extra: [Attribute<HTML.InputContext>] = []
    ) -> Node<HTML.FormContext> {
        let problem = problems.first { $0.field == name }
        let id = id ?? name
        var attributes: [Attribute<HTML.InputContext>] = [.type(type), .name(name), .id(id)]
        if required { attributes.append(.required(true)) }
        if type != .password { attributes.append(.value(Markup.attribute(value))) }
        if let autocomplete { attributes.append(.attribute(named: "autocomplete", value: autocomplete)) }
        if problem != nil {
            attributes.append(.attribute(named: "aria-invalid", value: "true"))
            attributes.append(.attribute(named: "aria-describedby", value: "\(id)-error"))
        }
        attributes += extra
        return .div(
            .class(problem == nil ? "field" : "field has-error"),
            .label(.for(id), .plain(label)),
            .unwrap(hint) { .p(.class("hint"), .plain($0)) },
            .unwrap(problem) { .p(.class("error"), .id("\(id)-error"), .plain($0.message)) },
            .selfClosedElement(named: "input", attributes: attributes)
        )
    }

    /// An invitation: the person's name and email, and a button that makes the link (the practice page invites
    /// therapists, the caseload clients).
    static func invitation(id: String, action: String, _ context: PageContext, nameLabel: String, emailLabel: String,
                           name: String, email: String, problems: [FieldProblem]) -> Node<HTML.BodyContext> {
        form(id: id, action: action, context, problems: problems, submit: "Create invitation",
             field("name", label: nameLabel, value: name, autocomplete: "off", problems: problems),
             field("email", label: emailLabel, type: .email, value: email, autocomplete: "off", problems: problems))
    }

    /// `id` must be unique on the page (a record page has two note forms, both posting `body`).
    static func textArea(_ name: String, id: String, label: String, value: String = "", problems: [FieldProblem] = [],
                         required: Bool = true, rows: Int = 6) -> Node<HTML.FormContext> {
        let problem = problems.first { $0.field == name }
        return .div(
            .class(problem == nil ? "field" : "field has-error"),
            .label(.for(id), .plain(label)),
            .unwrap(problem) { .p(.class("error"), .id("\(id)-error"), .plain($0.message)) },
            .textarea(.name(name), .id(id), .rows(rows), .required(required),
                      .if(problem != nil, .group(.attribute(named: "aria-invalid", value: "true"),
                                                 .attribute(named: "aria-describedby", value: "\(id)-error"))),
                      .plain(value))
        )
    }
}
