import Fluent
import Foundation
import Plot
import RapportCore
import Vapor

/// The owner's practice page and inviting therapists, and accepting any invitation.
enum PeoplePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("practice", action: .viewPractice, use: practice)
        routes.post("practice", "invitations", action: .inviteTherapist, use: inviteTherapist)
        routes.post("practice", "own-caseload", action: .manageSettings, use: setOwnCaseload)
        routes.post("practice", "invitations", ":invitationID", "reissue", action: .inviteTherapist, use: reissue)
        routes.post("practice", "invitations", ":invitationID", "withdraw", action: .inviteTherapist, use: withdraw)
        routes.get("practice", "therapists", ":therapistID", "reset-two-factor", action: .resetStaffTwoFactor, use: resetTwoFactorForm)
        routes.post("practice", "therapists", ":therapistID", "reset-two-factor", action: .resetStaffTwoFactor, use: resetTwoFactor)
        let budgeted = routes.grouped(SignedOutBudgetMiddleware())
        budgeted.get("invitations", ":token", action: .usePublicPage, use: invitationForm)
        budgeted.post("invitations", ":token", action: .usePublicPage, use: acceptInvitation)
    }

    struct InviteForm: Content {
        var name: String?
        var email: String?
    }

    // MARK: Owner

    @Sendable static func practice(_ req: Request) async throws -> Response {
        // After a reset, `?reset=<therapist id>` names whose (the page reads the name from its own list; any other
        // value, or a therapist not listed, shows no notice).
        let reset = (try? req.query.get(String.self, at: "reset")).flatMap { $0.utf8.count <= 36 ? UUID(uuidString: $0) : nil }
        return try await practicePage(req, form: InviteForm(), problems: [], resetDoneFor: reset)
    }

    static func practicePage(_ req: Request, form: InviteForm, problems: [FieldProblem], resetDoneFor reset: UUID? = nil,
                             ownCaseloadProblem: String? = nil, status: HTTPResponseStatus? = nil) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let people = People(req)
        let practiceName = try await people.practiceName(actor.practiceID, on: req.db)
        let therapists = try await people.therapists(practiceID: actor.practiceID, on: req.db)
        let page = PracticePage(practiceName: practiceName, therapists: therapists,
                                invitationDays: Formats.days(req.rapport.configuration.invitationLifetime),
                                unchosenTimeZone: try await req.practiceSettings()?.timeZone == nil
                                    ? req.rapport.configuration.timeZone.identifier : nil,
                                draftName: form.name ?? "", draftEmail: form.email ?? "", problems: problems, context: req.page,
                                waiting: try await people.waitingInvitations(.therapists(practiceID: actor.practiceID), on: req.db),
                                now: req.rapport.now, zone: try await req.practiceZone(),
                                resetDoneFor: therapists.first { $0.id == reset && !$0.twoFactorOn }?.name,
                                ownCaseload: actor.has(.therapist) ? try await people.caseloadSize(therapistID: actor.userID, on: req.db) : nil,
                                ownCaseloadProblem: ownCaseloadProblem,
                                emailNotDelivered: try await NotificationRow.query(on: req.db).filter(\.$practiceID == actor.practiceID)
                                    .filter(\.$failedAt != nil).count(),
                                withheldDisclosures: try await Disclosures.withheldCount(practiceID: actor.practiceID, on: req.db))
        return Layout.render(page, status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func inviteTherapist(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let form = try req.content.decode(InviteForm.self)
        do {
            let invitation = try await People(req).inviteTherapist(by: actor, name: form.name ?? "", email: form.email ?? "")
            return Layout.render(InvitationCreatedPage(who: form.name ?? "", link: invitation.link, expiresAt: invitation.expiresAt, back: "/practice",
                                                       context: req.page))
        } catch RecordError.invalid(let problems) {
            return try await practicePage(req, form: form, problems: problems)
        }
    }

    struct OwnCaseloadForm: Content { var sees_clients: String? }

    /// The owner starts or stops seeing clients themselves. Anything but "yes" or "no" changes nothing.
    @Sendable static func setOwnCaseload(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let choice = try req.content.decode(OwnCaseloadForm.self).sees_clients
        guard let seesClients = ["yes": true, "no": false][choice ?? ""] else {
            return try await practicePage(req, form: InviteForm(), problems: [], ownCaseloadProblem: "Please choose whether you see clients yourself.",
                                          status: .unprocessableEntity)
        }
        do {
            try await People(req).setOwnerSeesClients(seesClients, by: actor)
        } catch RecordError.conflict(let message) {
            return try await practicePage(req, form: InviteForm(), problems: [], ownCaseloadProblem: message, status: .conflict)
        }
        // Seeing clients makes the caseload the owner's home; stopping takes them back to the practice page.
        return req.redirect(to: seesClients ? "/clients" : "/practice")
    }

    @Sendable static func reissue(_ req: Request) async throws -> Response {
        try await InvitationActions.reissue(req, back: "/practice") { .therapists(practiceID: $0.practiceID) }
    }

    @Sendable static func withdraw(_ req: Request) async throws -> Response {
        try await InvitationActions.withdraw(req, back: "/practice") { .therapists(practiceID: $0.practiceID) }
    }

    // MARK: Resetting a therapist's two-step sign-in

    /// The therapist the path names: only a therapist of the owner's own practice; anything else, a malformed id
    /// included, is not found.
    static func therapistID(_ req: Request) throws -> UUID {
        guard let text = req.parameters.get("therapistID"), text.utf8.count <= 36, let id = UUID(uuidString: text) else {
            throw RapportError.notFound
        }
        return id
    }

    @Sendable static func resetTwoFactorForm(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try therapistID(req)
        let (_, name) = try await People(req).therapistForReset(id, by: actor, on: req.db)
        return Layout.render(ResetTwoFactorPage(therapistID: id, name: name, context: req.page))
    }

    @Sendable static func resetTwoFactor(_ req: Request) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let id = try therapistID(req)
        let code = try req.content.decode(AccountPages.CodeForm.self).code ?? ""
        let people = People(req)
        return try await AccountPages.checking {
            _ = try await people.resetTwoFactor(of: id, by: actor, code: code)
            return req.redirect(to: "/practice?reset=\(id.lowercasedText)")
        } orAgain: { problems, status in
            let (_, name) = try await people.therapistForReset(id, by: actor, on: req.db)
            return Layout.render(ResetTwoFactorPage(therapistID: id, name: name, problems: problems, context: req.page), status: status)
        }
    }

    // MARK: Accepting

    struct AcceptForm: Content {
        var password: String?
        var password_confirmation: String?
    }

    @Sendable static func invitationForm(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let invitation = try await People(req).pendingInvitation(token: token, on: req.db)
        return acceptPage(req, token: token, invitation: invitation, problems: [])
    }

    static func acceptPage(_ req: Request, token: String, invitation: People.PendingInvitation, problems: [FieldProblem]) -> Response {
        Layout.render(AcceptInvitationPage(token: token, invitation: invitation, problems: problems, context: req.page),
                      status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func acceptInvitation(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(AcceptForm.self)
        let people = People(req)
        do {
            let user = try await people.acceptInvitation(token: token, password: form.password ?? "", confirmation: form.password_confirmation ?? "")
            let role = Role(rawValue: user.role) ?? .client
            return try await AccountPages.startSession(req, user: user, stage: role.requiresTwoFactor ? .enrolTwoFactor : .full)
        } catch RecordError.invalid(let problems) {
            let invitation = try await people.pendingInvitation(token: token, on: req.db)
            return acceptPage(req, token: token, invitation: invitation, problems: problems)
        }
    }
}

/// A new link for, or the withdrawal of, a waiting invitation: the same on the practice page (therapists) and the
/// caseload (clients), which differ only in which invitations the person may act on and where they go back to.
enum InvitationActions {
    /// The invitation the path names; anything that isn't a UUID is simply not found.
    static func id(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("invitationID").flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        return id
    }

    static func reissue(_ req: Request, back: String, _ scope: (Principal) -> People.InvitationScope) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let invitation = try await People(req).reissueInvitation(try id(req), scope(actor), by: actor)
        guard let link = invitation.link else { throw RecordError.notFound }
        return Layout.render(InvitationCreatedPage(who: invitation.name, link: link, expiresAt: invitation.expiresAt, back: back,
                                                   context: req.page))
    }

    static func withdraw(_ req: Request, back: String, _ scope: (Principal) -> People.InvitationScope) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        try await People(req).withdrawInvitation(try id(req), scope(actor), by: actor)
        return req.redirect(to: back)
    }
}
