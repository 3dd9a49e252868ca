import Fluent
import Foundation
import RapportCore
import RapportVault
import Vapor

/// Where a sign-in is: done, or a step still to take. ("Session" in Rapport means a therapy session; a browser or
/// API token's time signed in is a sign-in, stored in `sign_ins`.)
enum SignInStage: String, Sendable {
    case full
    /// Password accepted; the second factor is still to be entered.
    case twoFactor = "two-factor"
    /// Password accepted; the person must set up their authenticator app before going further.
    case enrolTwoFactor = "enrol-two-factor"
}

enum SignInKind: String, Sendable {
    case browser
    case api
}

/// Who this request is from, found once per request by `IdentityMiddleware`.
struct Identity: Sendable {
    var requester: Requester
    var user: UserRow?
    var signIn: SignInRow?

    static let signedOut = Identity(requester: .signedOut, user: nil, signIn: nil)

    var actor: Principal? {
        switch requester {
        case .signedIn(let actor), .partiallySignedIn(let actor): return actor
        case .signedOut: return nil
        }
    }
}

private struct IdentityKey: StorageKey { typealias Value = Identity }

extension Request {
    var identity: Identity {
        get { storage[IdentityKey.self] ?? .signedOut }
        set { storage[IdentityKey.self] = newValue }
    }
}

enum SignInCookie {
    // The cookie keeps its first name, so renaming the table signed nobody out.
    static let name = "rapport_session"
}

enum SignIns {
    /// Starts a new sign-in with a fresh token (a new token at every sign-in, SECURITY.md). Returns the token,
    /// which is shown to the browser once and stored only as its SHA-256.
    static func start(for user: UserRow, stage: SignInStage, kind: SignInKind, services: RapportServices, on db: any Database) async throws -> String {
        let token = SecureToken.generate()
        let now = services.now
        let signIn = SignInRow()
        signIn.tokenHash = SecureToken.hash(token)
        signIn.userID = try user.requireID()
        signIn.stage = stage.rawValue
        signIn.kind = kind.rawValue
        signIn.createdAt = now
        signIn.lastSeenAt = now
        signIn.expiresAt = now.addingTimeInterval(services.configuration.signInLifetime)
        try await signIn.create(on: db)
        return token
    }

    static func end(_ signIn: SignInRow, on db: any Database) async throws {
        try await signIn.delete(on: db)
    }

    static func idleTimeout(for role: Role, _ configuration: RapportConfiguration) -> TimeInterval {
        role.isStaff ? configuration.staffIdleTimeout : configuration.clientIdleTimeout
    }

    static func cookie(token: String, _ configuration: RapportConfiguration) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: token,
            expires: nil,
            maxAge: nil,
            path: "/",
            isSecure: configuration.secureCookies,
            isHTTPOnly: true,
            sameSite: .lax
        )
    }

    static func expiredCookie(_ configuration: RapportConfiguration) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: configuration.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    /// Finds the live sign-in behind a token, or nil. Expired sign-ins (idle or past their lifetime) are deleted.
    static func resolve(token: String, services: RapportServices, on db: any Database) async throws -> Identity? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        // Session and user in one statement (HotPaths): every signed-in request starts here.
        guard let (signIn, user) = try await HotPaths.signInAndUser(tokenHash: SecureToken.hash(token), on: db) else {
            return nil
        }
        guard let actor = try user.principal() else {
            try await services.transactions.run(on: db) { db in try await signIn.delete(on: db) }
            return nil
        }
        let now = services.now
        let idleLimit = signIn.lastSeenAt.addingTimeInterval(idleTimeout(for: actor.primaryRole, services.configuration))
        if now >= signIn.expiresAt || now >= idleLimit {
            try await services.transactions.run(on: db) { db in try await signIn.delete(on: db) }
            return nil
        }
        // Touch at most once a minute: enough for a 15-minute idle timeout, without a write on every request.
        if now.timeIntervalSince(signIn.lastSeenAt) > 60 {
            signIn.lastSeenAt = now
            try await services.transactions.run(on: db) { db in try await signIn.update(on: db) }
        }
        let stage = SignInStage(rawValue: signIn.stage) ?? .twoFactor
        return Identity(requester: stage == .full ? .signedIn(actor) : .partiallySignedIn(actor), user: user, signIn: signIn)
    }
}

/// Reads the sign-in cookie (pages) or bearer token (API) and records who the request is from.
struct IdentityMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let isAPI = request.url.path.hasPrefix("/api/")
        let token: String? = isAPI ? request.headers.bearerAuthorization?.token : request.cookies[SignInCookie.name]?.string
        var clearStaleCookie = false
        if let token, !token.isEmpty {
            if let identity = try await SignIns.resolve(token: token, services: request.rapport, on: request.db) {
                request.identity = identity
            } else {
                clearStaleCookie = !isAPI
            }
        }
        let response = try await next.respond(to: request)
        if clearStaleCookie, response.cookies[SignInCookie.name] == nil {
            response.cookies[SignInCookie.name] = SignIns.expiredCookie(request.rapport.configuration)
        }
        return response
    }
}
