import Fluent
import Foundation
import Plot
import RapportCore
import RapportVault
import Vapor

/// First-run setup, sign-in, the second factor, sign-out, and the home redirect.
enum AccountPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(action: .usePublicPage, use: home)
        let budgeted = routes.grouped(SignedOutBudgetMiddleware())
        budgeted.get("setup", ":token", action: .usePublicPage, use: setupForm)
        budgeted.post("setup", ":token", action: .usePublicPage, use: setup)
        routes.get("signin", action: .usePublicPage, use: signInForm)
        budgeted.post("signin", action: .usePublicPage, use: signIn)
        routes.get("signin", "two-factor", action: .completeSignIn, use: secondFactorForm)
        routes.post("signin", "two-factor", action: .completeSignIn, use: secondFactor)
        routes.get("signin", "recovery-code", action: .completeSignIn, use: recoveryCodeForm)
        routes.post("signin", "recovery-code", action: .completeSignIn, use: useRecoveryCode)
        routes.get("account", "two-factor", action: .completeSignIn, use: enrolmentForm)
        routes.post("account", "two-factor", action: .completeSignIn, use: enrol)
        routes.post("account", "two-factor", "restart", action: .completeSignIn, use: restartEnrolment)
        routes.post("signout", action: .usePublicPage, use: signOut)
        routes.get("account", action: .useOwnAccount, use: account)
        routes.get("account", "recovery-codes", action: .useOwnAccount, use: newRecoveryCodesForm)
        routes.post("account", "recovery-codes", action: .useOwnAccount, use: makeNewRecoveryCodes)
    }

    /// What the way on from the recovery codes says, for each person's home.
    static func continueLabel(for actor: Principal) -> String {
        if actor.has(.therapist) { return "I've kept them: continue to my clients" }
        if actor.has(.owner) { return "I've kept them: continue to the practice" }
        return "I've kept them: continue"
    }

    /// Each person's home: the caseload for anyone who sees clients (an owner who does included: that is their
    /// day's work), the practice for an owner who doesn't, the portal for a client.
    static func homePath(for actor: Principal) -> String {
        if actor.has(.therapist) { return "/clients" }
        if actor.has(.owner) { return "/practice" }
        return "/me"
    }

    @Sendable static func home(_ req: Request) async throws -> Response {
        switch req.identity.requester {
        case .signedOut: return req.redirect(to: "/signin")
        case .partiallySignedIn: throw RapportError.denied(.secondFactorPending)
        case .signedIn(let actor): return req.redirect(to: homePath(for: actor))
        }
    }

    // MARK: Setup

    struct SetupForm: Content {
        var practice_name: String?
        var name: String?
        var email: String?
        var password: String?
        /// A ticked checkbox ("on"); absent when unticked.
        var sees_clients: String?
    }

    @Sendable static func setupForm(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        _ = try await People(req).checkSetupToken(token, on: req.db)
        return setupPage(req, token: token, form: SetupForm(sees_clients: "on"), problems: [])
    }

    static func setupPage(_ req: Request, token: String, form: SetupForm, problems: [FieldProblem]) -> Response {
        Layout.render(SetupPage(token: token, practiceName: form.practice_name ?? "", name: form.name ?? "", email: form.email ?? "",
                                seesClients: form.sees_clients == "on", problems: problems, context: req.page),
                      status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    @Sendable static func setup(_ req: Request) async throws -> Response {
        let token = req.parameters.get("token") ?? ""
        let form = try req.content.decode(SetupForm.self)
        do {
            let owner = try await People(req).setUpPractice(token: token, .init(
                practiceName: form.practice_name ?? "", ownerName: form.name ?? "", email: form.email ?? "", password: form.password ?? "",
                ownerSeesClients: form.sees_clients == "on"))
            return try await startSession(req, user: owner, stage: .enrolTwoFactor)
        } catch RecordError.invalid(let problems) {
            return setupPage(req, token: token, form: form, problems: problems)
        }
    }

    // MARK: Sign-in

    struct SignInForm: Content {
        var email: String?
        var password: String?
    }

    @Sendable static func signInForm(_ req: Request) async throws -> Response {
        if case .signedIn(let actor) = req.identity.requester { return req.redirect(to: homePath(for: actor)) }
        return signInPage(req, email: "", problems: [])
    }

    static func signInPage(_ req: Request, email: String, problems: [FieldProblem], status: HTTPResponseStatus? = nil) -> Response {
        Layout.render(SignInPage(email: email, problems: problems, context: req.page),
                      status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func signIn(_ req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let email = form.email ?? ""
        return try await checking {
            let (user, stage) = try await People(req).checkPassword(email: email, password: form.password ?? "")
            return try await startSession(req, user: user, stage: stage)
        } orAgain: { problems, status in
            signInPage(req, email: email, problems: problems, status: status)
        }
    }

    /// The answer to a form that checks a password or a code: what `work` answers, or the form again, with what was
    /// wrong beside its field (422) or the lock-out said above it (429). One place, so every such form refuses alike.
    static func checking(_ work: () async throws -> Response,
                         orAgain form: ([FieldProblem], HTTPResponseStatus) async throws -> Response) async throws -> Response {
        do {
            return try await work()
        } catch RecordError.invalid(let problems) {
            return try await form(problems, .unprocessableEntity)
        } catch RecordError.tooManyAttempts(let until) {
            return try await form([FieldProblem(field: "form", message: RapportError.tooManyAttempts(until: until).detail)], .tooManyRequests)
        }
    }

    /// The same for a key operation that takes a fresh code from the person's own app (an export, a disclosure, an
    /// erasure): also the form again, with the reason beside the code, when two-step sign-in isn't set up (409).
    static func checkingFreshCode(_ work: () async throws -> Response,
                                  orAgain form: ([FieldProblem], HTTPResponseStatus) async throws -> Response) async throws -> Response {
        do {
            return try await checking(work, orAgain: form)
        } catch RecordError.conflict(let message) {
            return try await form([FieldProblem(field: "code", message: message)], .conflict)
        }
    }

    /// Ends any session this browser had and starts a new one with a fresh token (no session fixation), then sends
    /// the browser on: to `destination`, or where the stage leads.
    static func startSession(_ req: Request, user: UserRow, stage: SignInStage, destination: String? = nil) async throws -> Response {
        let cookie = try await newSignInCookie(req, user: user, stage: stage)
        let next: String
        switch stage {
        case .full: next = try destination ?? user.principal().map(homePath(for:)) ?? "/signin"
        case .twoFactor: next = "/signin/two-factor"
        case .enrolTwoFactor: next = "/account/two-factor"
        }
        let response = req.redirect(to: next)
        response.cookies[SignInCookie.name] = cookie
        return response
    }

    /// The sign-in itself: the browser's previous one ended, a new one started, its cookie to set on the answer.
    static func newSignInCookie(_ req: Request, user: UserRow, stage: SignInStage) async throws -> HTTPCookies.Value {
        let services = req.rapport
        let previous = req.identity.signIn
        let token = try await req.transaction { db in
            if let previous { try await SignIns.end(previous, on: db) }
            return try await SignIns.start(for: user, stage: stage, kind: .browser, services: services, on: db)
        }
        return SignIns.cookie(token: token, services.configuration)
    }

    // MARK: Second factor

    struct CodeForm: Content { var code: String? }

    @Sendable static func secondFactorForm(_ req: Request) async throws -> Response {
        if case .signedIn(let actor) = req.identity.requester { return req.redirect(to: homePath(for: actor)) }
        if req.identity.signIn?.stage == SignInStage.enrolTwoFactor.rawValue { return req.redirect(to: "/account/two-factor") }
        return secondFactorPage(req, problems: [])
    }

    static func secondFactorPage(_ req: Request, problems: [FieldProblem], status: HTTPResponseStatus? = nil) -> Response {
        Layout.render(SecondFactorPage(problems: problems, context: req.page), status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    @Sendable static func secondFactor(_ req: Request) async throws -> Response {
        guard let user = req.identity.user, req.identity.signIn?.stage == SignInStage.twoFactor.rawValue else {
            return req.redirect(to: "/")
        }
        let form = try req.content.decode(CodeForm.self)
        return try await checking {
            try await People(req).checkCode(form.code ?? "", for: user, enrolling: false)
            return try await startSession(req, user: user, stage: .full)
        } orAgain: { problems, status in
            secondFactorPage(req, problems: problems, status: status)
        }
    }

    // MARK: Recovery codes

    @Sendable static func recoveryCodeForm(_ req: Request) async throws -> Response {
        if case .signedIn(let actor) = req.identity.requester { return req.redirect(to: homePath(for: actor)) }
        if req.identity.signIn?.stage == SignInStage.enrolTwoFactor.rawValue { return req.redirect(to: "/account/two-factor") }
        return recoveryCodePage(req, problems: [])
    }

    static func recoveryCodePage(_ req: Request, problems: [FieldProblem], status: HTTPResponseStatus? = nil) -> Response {
        Layout.render(RecoveryCodeSignInPage(problems: problems, context: req.page), status: status ?? (problems.isEmpty ? .ok : .unprocessableEntity))
    }

    /// Signing in with a recovery code ends on the account page, which says how many codes are left (and, for
    /// someone whose phone is gone, that they can make new ones).
    @Sendable static func useRecoveryCode(_ req: Request) async throws -> Response {
        guard let user = req.identity.user, let actor = req.identity.actor,
              req.identity.signIn?.stage == SignInStage.twoFactor.rawValue else {
            return req.redirect(to: "/")
        }
        let form = try req.content.decode(CodeForm.self)
        return try await checking {
            try await People(req).signInWithRecoveryCode(form.code ?? "", for: user, as: actor)
            return try await startSession(req, user: user, stage: .full, destination: "/account")
        } orAgain: { problems, status in
            recoveryCodePage(req, problems: problems, status: status)
        }
    }

    @Sendable static func newRecoveryCodesForm(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        // Never the codes themselves: they were shown once, when they were made.
        let left = try await People(req).recoveryCodesLeft(user, on: req.db)
        return Layout.render(NewRecoveryCodesPage(left: left, context: req.page))
    }

    @Sendable static func makeNewRecoveryCodes(_ req: Request) async throws -> Response {
        guard let user = req.identity.user, let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let form = try req.content.decode(CodeForm.self)
        let people = People(req)
        return try await checking {
            let codes = try await people.makeNewRecoveryCodes(form.code ?? "", for: user, by: actor)
            return Layout.render(RecoveryCodesPage(codes: codes, next: "/account", nextLabel: "I've kept them: back to my account",
                                                   replacedOld: true, context: req.page))
        } orAgain: { problems, status in
            let left = try await people.recoveryCodesLeft(user, on: req.db)
            return Layout.render(NewRecoveryCodesPage(left: left, problems: problems, context: req.page), status: status)
        }
    }

    // MARK: Enrolment

    @Sendable static func enrolmentForm(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        if user.totpEnabledAt != nil { return req.redirect(to: "/") }
        let (secret, uri) = try await People(req).beginEnrolment(user)
        return enrolmentPage(req, secret: secret, uri: uri, problems: [])
    }

    static func enrolmentPage(_ req: Request, secret: String, uri: String, problems: [FieldProblem]) -> Response {
        Layout.render(EnrolmentPage(secret: secret, uri: uri, problems: problems, context: req.page),
                      status: problems.isEmpty ? .ok : .unprocessableEntity)
    }

    /// A new key on purpose (the app's entry was lost or mistyped); the old key's codes are then explained, not accepted.
    @Sendable static func restartEnrolment(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        if user.totpEnabledAt != nil { return req.redirect(to: "/") }
        _ = try await People(req).beginEnrolment(user, restart: true)
        return req.redirect(to: "/account/two-factor")
    }

    @Sendable static func enrol(_ req: Request) async throws -> Response {
        guard let sessionUser = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        // Re-read: the secret was stored when the page was shown.
        guard let user = try await UserRow.find(try sessionUser.requireID(), on: req.db) else { throw RapportError.denied(.notSignedIn) }
        if user.totpEnabledAt != nil { return req.redirect(to: "/") }
        let form = try req.content.decode(CodeForm.self)
        let people = People(req)
        do {
            let codes = try await people.completeEnrolment(form.code ?? "", for: user)
            // The codes are shown by this answer itself, not after a redirect: nothing keeps them to show later.
            let cookie = try await newSignInCookie(req, user: user, stage: .full)
            let actor = try user.principal() ?? Principal(userID: try user.requireID(), role: .client, practiceID: user.practiceID)
            let response = Layout.render(RecoveryCodesPage(codes: codes, next: homePath(for: actor), nextLabel: continueLabel(for: actor),
                                                           context: req.page))
            response.cookies[SignInCookie.name] = cookie
            return response
        } catch RecordError.invalid(let problems) {
            guard let envelope = user.totpSecretEnvelope else { return req.redirect(to: "/account/two-factor") }
            let totp = try await req.rapport.keys.totp(for: user, secretEnvelope: envelope, on: req.db)
            let email = try await people.email(of: user, on: req.db)
            return enrolmentPage(req, secret: Base32.encode(totp.secret), uri: totp.provisioningURI(issuer: "Rapport", account: email), problems: problems)
        }
    }

    // MARK: Account

    @Sendable static func account(_ req: Request) async throws -> Response {
        guard let user = req.identity.user else { throw RapportError.denied(.notSignedIn) }
        let people = People(req)
        let page = AccountPage(name: try await people.name(of: user, on: req.db), email: try await people.email(of: user, on: req.db),
                               practiceName: try await people.practiceName(user.practiceID, on: req.db), twoFactorSince: user.totpEnabledAt,
                               zone: try await req.practiceZone(), recoveryCodesLeft: try await people.recoveryCodesLeft(user, on: req.db),
                               context: req.page)
        return Layout.render(page)
    }

    // MARK: Sign-out

    @Sendable static func signOut(_ req: Request) async throws -> Response {
        if let signIn = req.identity.signIn {
            try await req.transaction { db in try await SignIns.end(signIn, on: db) }
        }
        let response = req.redirect(to: "/signin")
        response.cookies[SignInCookie.name] = SignIns.expiredCookie(req.rapport.configuration)
        return response
    }
}
