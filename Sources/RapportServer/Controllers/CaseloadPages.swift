import Foundation
import RapportCore
import Vapor

/// A therapist's caseload, and inviting a client to it.
enum CaseloadPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("clients", action: .viewCaseload, use: caseload)
        routes.post("clients", "invitations", action: .inviteClient, use: inviteClient)
        routes.post("clients", "invitations", ":invitationID", "reissue", action: .inviteClient, use: reissue)
        routes.post("clients", "invitations", ":invitationID", "withdraw", action: .inviteClient, use: withdraw)
    }

    @Sendable static func caseload(_ req: Request) async throws -> Response {
        try await caseloadPage(req, form: PeoplePages.InviteForm(), problems: [])
    }

    static func caseloadPage(_ req: Request, form: PeoplePages.InviteForm, problems: [FieldProblem]) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        // A filter from the address: one of the known reasons, or everyone with a word about it.
        let need = (try? req.query.get(String.self, at: "need")).map { String($0.prefix(40)) }
        let page = CaseloadPage(entries: try await People(req).caseload(therapistID: actor.userID, now: req.rapport.now, settings: (actor.practiceID, try await req.practiceSettings()), on: req.db), context: req.page,
                                invitationDays: Formats.days(req.rapport.configuration.invitationLifetime),
                                draftName: form.name ?? "", draftEmail: form.email ?? "", problems: problems,
                                waiting: try await People(req).waitingInvitations(.clients(of: actor.userID, practiceID: actor.practiceID), on: req.db),
                                now: req.rapport.now, zone: try await req.practiceZone(),
                                filter: need.flatMap { slug in NeedKind.allCases.first { $0.slug == slug } },
                                unknownFilter: need.map { slug in !NeedKind.allCases.contains { $0.slug == slug } } ?? false)
        return Layout.render(page, status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func inviteClient(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let form = try req.content.decode(PeoplePages.InviteForm.self)
        do {
            let invitation = try await People(req).inviteClient(by: actor, name: form.name ?? "", email: form.email ?? "")
            return Layout.render(InvitationCreatedPage(who: form.name ?? "", link: invitation.link, expiresAt: invitation.expiresAt,
                                                       back: "/clients", context: req.page))
        } catch RecordError.invalid(let problems) {
            return try await caseloadPage(req, form: form, problems: problems)
        }
    }

    @Sendable static func reissue(_ req: Request) async throws -> Response {
        try await InvitationActions.reissue(req, back: "/clients") { .clients(of: $0.userID, practiceID: $0.practiceID) }
    }

    @Sendable static func withdraw(_ req: Request) async throws -> Response {
        try await InvitationActions.withdraw(req, back: "/clients") { .clients(of: $0.userID, practiceID: $0.practiceID) }
    }
}
