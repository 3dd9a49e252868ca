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
        try await practicePage(req, form: InviteForm(), problems: [])
    }

    static func practicePage(_ req: Request, form: InviteForm, problems: [FieldProblem]) async throws -> Response {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let people = People(req)
        let practiceName = try await people.practiceName(actor.practiceID, on: req.db)
        let therapists = try await people.therapists(practiceID: actor.practiceID, on: req.db)
        return Layout.render(practiceName, req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .h1(.text(practiceName)),
            .p(.class("lead"), "You look after the practice: who works here, and how it runs. Clients' records stay with their therapists."),
            .p(.a(.href("/practice/settings"), "Practice settings: measures and crisis resources")),
            .h2("Therapists"),
            .if(therapists.isEmpty,
                .p(.class("muted"), "No therapists yet. Invite the first one below."),
                else: .ul(.class("plain card"), .forEach(therapists) { therapist in
                    .li(.class("therapist"), .p(.strong(.text(therapist.name)), .text(therapist.twoFactorOn ? "" : " · invitation accepted, two-step sign-in not finished")))
                })),
            .h2("Invite a therapist"),
            .p("They'll get a link to choose their password and set up two-step sign-in. The link works once and expires in \(Formats.days(req.rapport.configuration.invitationLifetime)) days."),
            FormParts.form(id: "invite-therapist-form", action: "/practice/invitations", req.page, problems: problems, submit: "Create invitation",
                FormParts.field("name", label: "Their name", value: form.name ?? "", autocomplete: "off", problems: problems),
                FormParts.field("email", label: "Their email", type: .email, value: form.email ?? "", autocomplete: "off", problems: problems)
            )
        )
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
        let first = InputRules.firstName(of: invitation.name)
        let intro = invitation.role == .client
            ? "\(invitation.practiceName) has invited you to your private space for therapy. Choose a password to begin."
            : "\(invitation.practiceName) has invited you to work with your clients in Rapport. Choose a password, then you'll set up two-step sign-in."
        return Layout.render("Welcome", req.page, status: problems.isEmpty ? .ok : .unprocessableEntity,
            .h1(.text("Welcome, \(first)")),
            .p(.class("lead"), .text(intro)),
            .p(.text("You'll sign in with "), .strong(.text(invitation.email)), .text(".")),
            FormParts.form(id: "accept-form", action: "/invitations/\(token)", req.page, problems: problems, submit: "Create my account",
                FormParts.field("password", label: "Choose a password", type: .password, autocomplete: "new-password",
                                hint: "At least \(InputRules.minimumPasswordLength) characters. A few unrelated words work well.", problems: problems),
                FormParts.field("password_confirmation", label: "Type it once more", type: .password, autocomplete: "new-password", problems: problems)
            ),
            .if(invitation.role == .client,
                .p(.class("muted"), "What you share here is encrypted and seen only by your therapist. You'll always be able to see who has looked at your record."))
        )
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
