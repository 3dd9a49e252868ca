import Fluent
import Foundation
import RapportCore
import RapportVault
import Vapor

/// Every route names its action when it is registered; `PolicyMiddleware` asks `AccessPolicy` before the
/// handler runs. A route without an action is refused (fail closed), and the route-table test fails on it.
enum RouteActionKey {
    static let userInfo = "rapport.action"
}

extension Route {
    var rapportAction: Action? { userInfo[RouteActionKey.userInfo] as? Action }
}

extension RoutesBuilder {
    @discardableResult
    func get<R: AsyncResponseEncodable>(_ path: PathComponent..., action: Action,
                                        use handler: @escaping @Sendable (Request) async throws -> R) -> Route {
        register(.GET, path, action, handler)
    }

    @discardableResult
    func post<R: AsyncResponseEncodable>(_ path: PathComponent..., action: Action,
                                         use handler: @escaping @Sendable (Request) async throws -> R) -> Route {
        register(.POST, path, action, handler)
    }

    @discardableResult
    func delete<R: AsyncResponseEncodable>(_ path: PathComponent..., action: Action,
                                           use handler: @escaping @Sendable (Request) async throws -> R) -> Route {
        register(.DELETE, path, action, handler)
    }

    private func register<R: AsyncResponseEncodable>(_ method: HTTPMethod, _ path: [PathComponent], _ action: Action,
                                                     _ handler: @escaping @Sendable (Request) async throws -> R) -> Route {
        let route = on(method, path, body: .collect(maxSize: "1mb"), use: handler)
        route.userInfo[RouteActionKey.userInfo] = action
        return route
    }
}

private struct ClientAccessKey: StorageKey { typealias Value = ClientAccess }
private struct UnsavedTextKey: StorageKey { typealias Value = String }

extension Request {
    /// Text from a form that was refused because the session had ended, shown back on the refusal page.
    var unsavedText: String? {
        get { storage[UnsavedTextKey.self] }
        set { storage[UnsavedTextKey.self] = newValue }
    }

    /// A route's id parameter, or "not found" for one that isn't an id (a made-up path is answered like a missing row).
    func id(_ parameter: String) throws -> UUID {
        guard let id = parameters.get(parameter).flatMap(UUID.init(uuidString:)) else { throw RapportError.notFound }
        return id
    }

    /// Set by `PolicyMiddleware` for client-scoped routes once the policy has allowed the request.
    func clientAccess() throws -> ClientAccess {
        guard let access = storage[ClientAccessKey.self] else { throw RapportError.denied(.notSignedIn) }
        return access
    }

    /// Opens the client's record the policy allowed (`ClientRecord`: its key unwrapped once for the request) and
    /// appends the audit entry in the same transaction: the access and its record in the trail are written
    /// together, or neither is.
    ///
    /// `recording` names a different action when the handler does something other than the route's own action
    /// (showing the record again after a rejected note); the policy is asked again for it. `onlyReads`: the body
    /// writes nothing (its audit entry aside), so on SQLite it may run beside other readers (`TransactionRunner.read`).
    func withClientRecord<T: Sendable>(recording action: Action? = nil, onlyReads: Bool = false,
                                       _ body: @escaping @Sendable (ClientRecord) async throws -> T) async throws -> T {
        var access = try clientAccess()
        if let action, action != access.action {
            let key = access.key
            access = try PolicyMiddleware.grant(access.actor, action, access.scope)
            access.key = key
        }
        let now = rapport.now
        let keys = rapport.keys
        let work: @Sendable (any Database) async throws -> T = { [access] db in
            let result = try await body(try await ClientRecord.open(access, keys: keys, now: now, on: db))
            try await AuditWriter.append(.access(by: access.actor, access.action, clientID: access.scope.clientID,
                                                 resource: access.noteID ?? access.ruptureID ?? access.appointmentID ?? access.scope.clientID), at: now, on: db)
            return result
        }
        return onlyReads ? try await rapport.transactions.read(on: db, work) : try await transaction(work)
    }

    /// The signed-in client's own record, for their portal: the policy decides that `clientID` is theirs (anyone
    /// else's, or an id with no record, is "not found"), and the key is unwrapped once. A client using their own
    /// portal is not an access by someone else, so nothing is added to the trail.
    func ownRecord(_ action: Action, clientID: UUID, on db: any Database) async throws -> ClientRecord {
        guard let actor = identity.actor else { throw RapportError.denied(.notSignedIn) }
        guard let found = try await HotPaths.clientScope(clientID: clientID, on: db) else { throw RecordError.notFound }
        let scope = ClientScope(clientID: clientID, practiceID: found.practiceID, careTeam: found.careTeam, ended: found.ended)
        switch AccessPolicy.decide(identity.requester, action, .client(scope)) {
        case .allow: break
        case .deny(let reason): throw RapportError.denied(reason)
        }
        let keys = rapport.keys
        let key = try found.keys.map { try keys.clientKey(clientID: clientID, practiceID: scope.practiceID, wrapped: $0) }
        return try await ClientRecord.open(ClientAccess(actor: actor, action: action, scope: scope, noteID: nil, key: key),
                                           keys: keys, now: rapport.now, on: db)
    }
}

struct PolicyMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let action = request.route?.rapportAction else {
            request.logger.critical("route has no policy action", metadata: ["route": "\(request.route?.description ?? "?")"])
            throw RapportError.denied(.wrongRole)
        }
        if action.isClientScoped {
            request.storage[ClientAccessKey.self] = try await authorizeClientScoped(action, request)
        } else if case .deny(let reason) = AccessPolicy.decide(request.identity.requester, action) {
            throw RapportError.denied(reason)
        }
        return try await next.respond(to: request)
    }

    /// Loads who the record belongs to, asks the policy, and on refusal writes the denied attempt to the trail.
    private func authorizeClientScoped(_ action: Action, _ request: Request) async throws -> ClientAccess {
        let identity = request.identity
        let clientID = request.parameters.get("clientID").flatMap(UUID.init(uuidString:))
        let noteParameter = request.parameters.get("noteID")
        let noteID = noteParameter.flatMap(UUID.init(uuidString:))

        func refuse(_ outcome: String, _ error: RapportError) async throws -> Never {
            let now = request.rapport.now
            try await request.transaction { db in
                try await AuditWriter.append(.access(by: identity.actor, action, clientID: clientID,
                                                     resource: noteID ?? clientID, outcome: outcome), at: now, on: db)
            }
            request.logger.notice("access denied", metadata: ["action": "\(action.rawValue)", "outcome": "\(outcome)"])
            throw error
        }

        // Signed-out, half-signed-in and wrong-role requests are refused before anything is looked up, so the
        // answer cannot depend on whether the record exists.
        if case .deny(let reason) = AccessPolicy.decide(identity.requester, action, .none) {
            switch reason {
            case .notSignedIn, .secondFactorPending:
                // A note typed for longer than the idle timeout arrives after the session ended: hand the text back
                // so it is not lost. It came from this browser's own form (the CSRF check ran first).
                if request.method == .POST, !request.url.path.hasPrefix("/api/"),
                   let text = try? request.content.get(String.self, at: "body"), !text.isEmpty {
                    request.unsavedText = text
                }
                guard identity.actor == nil else { try await refuse("denied:\(reason.rawValue)", .signInToSeeRecord) }
                // Nobody is signed in, so nobody accessed anything: counted and budgeted per address, not audited
                // row by row, so that a flood of them can neither grow the trail nor slow real reads (issue 7).
                try request.spendSignedOutBudget()
                if let summary = request.rapport.signedOutTraffic.countRefusal(now: request.rapport.now) {
                    request.logger.notice("\(summary)")
                }
                // The API says so with 401 (send a bearer token); pages with 403 and a sign-in link.
                throw request.url.path.hasPrefix("/api/") ? RapportError.denied(.notSignedIn) : RapportError.signInToSeeRecord
            case .wrongRole, .therapyEnded: try await refuse("denied:\(reason.rawValue)", .denied(reason))
            case .otherPractice, .notOnCareTeam, .notAuthor, .notOwnRecord: break
            }
        }
        guard let clientID, noteParameter == nil || noteID != nil,
              let found = try await HotPaths.clientScope(clientID: clientID, on: request.db)
        else { try await refuse("denied:no-such-record", .notFound) }

        let scope = ClientScope(clientID: clientID, practiceID: found.practiceID, careTeam: found.careTeam, ended: found.ended)
        var resource = Resource.client(scope)
        if let noteID {
            let author: UUID?
            switch action {
            case .readPsychotherapyNote:
                author = try await PsychotherapyNoteRow.query(on: request.db)
                    .filter(\.$id == noteID).filter(\.$clientID == clientID).first()?.authorID
            default:
                author = try await ProgressNoteRow.query(on: request.db)
                    .filter(\.$id == noteID).filter(\.$clientID == clientID).first()?.authorID
            }
            guard let author else { try await refuse("denied:no-such-record", .notFound) }
            if action == .readPsychotherapyNote { resource = .psychotherapyNote(scope, authorID: author) }
        }
        let decision = AccessPolicy.decide(identity.requester, action, resource)
        guard decision == .allow, let actor = identity.actor else {
            if case .deny(let reason) = decision { try await refuse("denied:\(reason.rawValue)", .denied(reason)) }
            try await refuse("denied:not-signed-in", .denied(.notSignedIn))
        }
        let appointmentID = request.parameters.get("appointmentID").flatMap(UUID.init(uuidString:))
        let key = try found.keys.map { try request.rapport.keys.clientKey(clientID: clientID, practiceID: scope.practiceID, wrapped: $0) }
        let ruptureID = request.parameters.get("ruptureID").flatMap(UUID.init(uuidString:))
        return ClientAccess(actor: actor, action: action, scope: scope, noteID: noteID, appointmentID: appointmentID,
                            ruptureID: ruptureID, key: key)
    }

    /// For work done outside a request (the demo): asks the same policy, and refuses the same way.
    static func grant(_ actor: Principal, _ action: Action, _ scope: ClientScope) throws -> ClientAccess {
        guard AccessPolicy.decide(.signedIn(actor), action, .client(scope)) == .allow else {
            throw RapportError.denied(.notOnCareTeam)
        }
        return ClientAccess(actor: actor, action: action, scope: scope, noteID: nil)
    }

}
