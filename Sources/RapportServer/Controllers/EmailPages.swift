import Fluent
import Foundation
import RapportCore
import Vapor

/// The owner's view of email: whether it is set up, what waits, what went, and each email that could not be
/// delivered, with a button to send it again. Nothing here shows an address or what an email was about beyond its
/// kind: the outbox holds ids only.
enum EmailPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("practice", "email", action: .manageSettings, use: page)
        routes.post("practice", "email", ":notificationID", "retry", action: .manageSettings, use: retry)
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let retried = req.query[String.self, at: "retried"] == "1"
        let overview = try await EmailOutbox.overview(practiceID: actor.practiceID, now: req.rapport.now, on: req.db)
        let smtp = req.rapport.configuration.smtp
        return Layout.render(EmailPage(server: smtp.map { "\($0.host):\($0.port) (\($0.security.rawValue)), from \($0.from)" },
                                       overview: overview, retried: retried, context: req.page, zone: try await req.practiceZone()))
    }

    @Sendable static func retry(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try req.id("notificationID")
        let now = req.rapport.now
        // Someone else's practice's email, one delivered or still trying, or a made-up id: "not found", nothing changed.
        guard try await NotificationRow.query(on: req.db).filter(\.$id == id).filter(\.$practiceID == actor.practiceID)
            .filter(\.$failedAt != nil).count() == 1 else { throw RapportError.notFound }
        let done = try await req.transaction { db in try await EmailOutbox.retry(id, practiceID: actor.practiceID, now: now, on: db) }
        guard done else { throw RapportError.notFound }
        return req.redirect(to: "/practice/email?retried=1")
    }
}
