import Foundation
import Plot
import RapportCore
import Vapor

/// Each person's secret calendar address (iCalendar, RFC 5545), and the feed behind it.
enum CalendarPages {
    static func register(pages: any RoutesBuilder, open: any RoutesBuilder) {
        pages.get("account", "calendar", action: .useOwnAccount, use: page)
        pages.post("account", "calendar", action: .useOwnAccount, use: renew)
        pages.post("account", "calendar", "revoke", action: .useOwnAccount, use: revoke)
        // Calendar apps fetch this without a session: the secret address is the key, so no cookie is involved.
        open.grouped(SignedOutBudgetMiddleware()).get("calendar", ":token", action: .usePublicPage, use: feed)
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        return render(req, hasLink: try await CalendarFeeds.exists(for: actor.userID, on: req.db), newLink: nil)
    }

    static func render(_ req: Request, hasLink: Bool, newLink: String?) -> Response {
        Layout.render("Your calendar", req.page,
            .h1("Your sessions in your calendar"),
            .p(.class("lead"), "Add a private address to your phone's or computer's calendar, and your sessions appear there by themselves."),
            .div(.class("card"),
                .h2("What the calendar shows"),
                .p("Each session appears as \"Session\", with its time and place. No names and nothing about what you talk about, because calendars are often synced to other companies' servers.")
            ),
            .unwrap(newLink) { link in
                .div(.class("notice"),
                    .p("Your new address. Copy it into your calendar app (often \"Add calendar\" → \"From URL\" or \"Subscribe\"). It is shown only this once:"),
                    .a(.id("calendar-link"), .class("link-out"), .href(link), .text(link)))
            },
            .if(hasLink && newLink == nil, .p(.text("You have a calendar address. If you've lost it, or think someone else has it, make a new one: the old one stops working at once."))),
            FormParts.form(id: "calendar-form", action: "/account/calendar", req.page,
                           submit: hasLink ? "Make a new address (the old one stops working)" : "Make my calendar address"),
            .if(hasLink, FormParts.form(id: "calendar-revoke-form", action: "/account/calendar/revoke", req.page, submit: "Turn off my calendar address"))
        )
    }

    @Sendable static func renew(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let token = try await CalendarFeeds.renew(for: actor.userID, services: req.rapport, on: req.db)
        return render(req, hasLink: true, newLink: "\(req.rapport.configuration.baseURL)/calendar/\(token).ics")
    }

    @Sendable static func revoke(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        try await CalendarFeeds.revoke(for: actor.userID, services: req.rapport, on: req.db)
        return req.redirect(to: "/account/calendar")
    }

    @Sendable static func feed(_ req: Request) async throws -> Response {
        var token = req.parameters.get("token") ?? ""
        if token.hasSuffix(".ics") { token.removeLast(4) }
        guard let calendar = try await CalendarFeeds.calendar(token: token, services: req.rapport, on: req.db) else {
            throw RapportError.notFoundWithDetail("This calendar address doesn't exist or has been turned off. Make a new one in Rapport.")
        }
        let response = Response(status: .ok, body: .init(string: calendar))
        response.headers.replaceOrAdd(name: .contentType, value: "text/calendar; charset=utf-8")
        return response
    }
}
