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
        Layout.render(CalendarPage(hasLink: hasLink, newLink: newLink, context: req.page))
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
