import Fluent
import Foundation
import RapportCore
import RapportVault
import Vapor

/// Where a session is in signing in.
enum SessionStage: String, Sendable {
    case full
    /// Password accepted; the second factor is still to be entered.
    case twoFactor = "two-factor"
    /// Password accepted; the person must set up their authenticator app before going further.
    case enrolTwoFactor = "enrol-two-factor"
}

enum SessionKind: String, Sendable {
    case browser
    case api
}

/// Who this request is from, found once per request by `IdentityMiddleware`.
struct Identity: Sendable {
    var requester: Requester
    var user: UserRow?
    var session: SessionRow?

    static let signedOut = Identity(requester: .signedOut, user: nil, session: nil)

    var actor: Principal? {
        switch requester {
        case .signedIn(let actor), .partiallySignedIn(let actor): return actor
        case .signedOut: return nil
        }
    }

    /// What the audit trail calls the actor.
    var auditRole: String { actor?.role.rawValue ?? "anonymous" }
}

private struct IdentityKey: StorageKey { typealias Value = Identity }

extension Request {
    var identity: Identity {
        get { storage[IdentityKey.self] ?? .signedOut }
        set { storage[IdentityKey.self] = newValue }
    }
}

enum SessionCookie {
    static let name = "rapport_session"
}

enum SessionStore {
    /// Starts a new session with a fresh token (a new token at every sign-in, SECURITY.md). Returns the token,
    /// which is shown to the browser once and stored only as its SHA-256.
    static func start(for user: UserRow, stage: SessionStage, kind: SessionKind, services: RapportServices, on db: any Database) async throws -> String {
        let token = SecureToken.generate()
        let now = services.now
        let session = SessionRow()
        session.tokenHash = SecureToken.hash(token)
        session.userID = try user.requireID()
        session.stage = stage.rawValue
        session.kind = kind.rawValue
        session.createdAt = now
        session.lastSeenAt = now
        session.expiresAt = now.addingTimeInterval(services.configuration.sessionLifetime)
        try await session.create(on: db)
        return token
    }

    static func end(_ session: SessionRow, on db: any Database) async throws {
        try await session.delete(on: db)
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

    /// Finds the live session behind a token, or nil. Expired sessions (idle or past their lifetime) are deleted.
    static func resolve(token: String, services: RapportServices, on db: any Database) async throws -> Identity? {
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        // Session and user in one statement (HotPaths): every signed-in request starts here.
        guard let (session, user) = try await HotPaths.sessionAndUser(tokenHash: SecureToken.hash(token), on: db) else {
            return nil
        }
        guard let role = Role(rawValue: user.role) else {
            try await services.transactions.run(on: db) { db in try await session.delete(on: db) }
            return nil
        }
        let now = services.now
        let idleLimit = session.lastSeenAt.addingTimeInterval(idleTimeout(for: role, services.configuration))
        if now >= session.expiresAt || now >= idleLimit {
            try await services.transactions.run(on: db) { db in try await session.delete(on: db) }
            return nil
        }
        // Touch at most once a minute: enough for a 15-minute idle timeout, without a write on every request.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            session.lastSeenAt = now
            try await services.transactions.run(on: db) { db in try await session.update(on: db) }
        }
        let actor = Principal(userID: try user.requireID(), role: role, practiceID: user.practiceID, clientID: user.clientID)
        let stage = SessionStage(rawValue: session.stage) ?? .twoFactor
        return Identity(requester: stage == .full ? .signedIn(actor) : .partiallySignedIn(actor), user: user, session: session)
    }
}

/// Reads the session cookie (pages) or bearer token (API) and records who the request is from.
struct IdentityMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let isAPI = request.url.path.hasPrefix("/api/")
        let token: String? = isAPI ? request.headers.bearerAuthorization?.token : request.cookies[SessionCookie.name]?.string
        var clearStaleCookie = false
        if let token, !token.isEmpty {
            if let identity = try await SessionStore.resolve(token: token, services: request.rapport, on: request.db) {
                request.identity = identity
            } else {
                clearStaleCookie = !isAPI
            }
        }
        let response = try await next.respond(to: request)
        if clearStaleCookie, response.cookies[SessionCookie.name] == nil {
            response.cookies[SessionCookie.name] = SessionStore.expiredCookie(request.rapport.configuration)
        }
        return response
    }
}
