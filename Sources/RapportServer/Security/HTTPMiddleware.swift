import Foundation
import Logging
import RapportCore
import RapportVault
import Vapor

/// The headers of SECURITY.md on every response, errors included.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    let secure: Bool

    /// A handler that may be framed by one site says which, in this header; it never leaves the server. Only the
    /// reach-out page's small version sets it, with the origin its owner named (`EnquiryRules.frameOrigin`).
    static let frameAncestorsHeader = "X-Rapport-Frame-Ancestors"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let framedBy = response.headers.first(name: Self.frameAncestorsHeader)
        response.headers.remove(name: Self.frameAncestorsHeader)
        let headers = [
            ("Content-Security-Policy", "default-src 'self'; frame-ancestors \(framedBy ?? "'none'"); form-action 'self'; base-uri 'none'; object-src 'none'"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        // X-Frame-Options can't name a site; CSP's frame-ancestors does, so a framed page goes without it.
        if framedBy == nil { response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY") }
        if !request.url.path.hasPrefix("/assets/") {
            // Pages and API answers hold personal data: no cache may keep them.
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if secure {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains")
        }
        return response
    }
}

enum CSRF {
    static let cookieName = "rapport_csrf"
    static let fieldName = "csrf"
}

private struct CSRFTokenKey: StorageKey { typealias Value = String }

extension Request {
    /// The token every form on this page carries; set by `CSRFMiddleware`.
    var csrfToken: String { storage[CSRFTokenKey.self] ?? "" }
}

/// Double-submit token plus Origin check on every state-changing page request. The API uses bearer tokens,
/// which a browser never attaches by itself, so it needs neither.
struct CSRFMiddleware: AsyncMiddleware {
    let configuration: RapportConfiguration

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = request.cookies[CSRF.cookieName]?.string
        let valid = existing.flatMap { (32...64).contains($0.utf8.count) ? $0 : nil }
        let token = valid ?? SecureToken.generate()
        request.storage[CSRFTokenKey.self] = token

        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            guard originIsOurs(request) else { throw RapportError.formExpired }
            _ = try await request.body.collect(max: 1 << 20).get()
            let submitted = (try? request.content.get(String.self, at: CSRF.fieldName)) ?? ""
            guard let valid,
                  SecureToken.constantTimeEquals(Data(submitted.utf8), Data(valid.utf8))
            else { throw RapportError.formExpired }
        }

        let response = try await next.respond(to: request)
        if valid == nil {
            response.cookies[CSRF.cookieName] = HTTPCookies.Value(
                string: token, path: "/", isSecure: configuration.secureCookies, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    /// A browser sends Origin on every POST; if it names another site, refuse. Under `Referrer-Policy: no-referrer`
    /// Chromium sends `Origin: null` even for our own forms, so `null` is accepted only when the browser also says
    /// `Sec-Fetch-Site: same-origin` (a header no page can set). The CSRF token is checked either way.
    private func originIsOurs(_ request: Request) -> Bool {
        guard let origin = request.headers.first(name: .origin) else { return true }
        if origin == "null" {
            return request.headers.first(name: "Sec-Fetch-Site") == "same-origin"
        }
        if origin == configuration.baseURL { return true }
        guard let host = request.headers.first(name: .host) else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

/// Turns every error into a plain page or an RFC 9457 problem. Details go to the log under the request id,
/// never to the person; and the log line never carries a name, an email, a note or an answer.
struct RapportErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            // Walks the route table only for a 404 with no route, and only once.
            let wrongMethod = Self.methodNotAllowed(error, request)
            let response = handle(wrongMethod ?? error, request)
            switch wrongMethod ?? (error as? RapportError) {
            case .slowDown?: response.headers.replaceOrAdd(name: .retryAfter, value: "60")
            case .methodNotAllowed(let allowed)?: response.headers.replaceOrAdd(name: .allow, value: allowed.joined(separator: ", "))
            default: break
            }
            return response
        }
    }

    func handle(_ error: any Error, _ request: Request) -> Response {
        let isAPI = request.url.path.hasPrefix("/api/")
        let rapportError = Self.classify(error, request)
        guard let rapportError else {
            // Only unexpected errors are logged: by type and route, never their message, which may quote input.
            request.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))", "route": "\(request.route?.description ?? request.url.path)"])
            return isAPI
                ? Self.problemResponse(status: .internalServerError, slug: "server-error", title: "Something went wrong on our side",
                                       detail: "Nothing was changed. Please try again; if it keeps happening, tell your practice and quote \(request.id).",
                                       errors: nil, request)
                : ErrorPage.render(status: .internalServerError, title: "Something went wrong on our side",
                                   detail: "Nothing was changed. Please try again in a moment. If it keeps happening, tell your practice and quote reference \(request.id).",
                                   request)
        }
        if isAPI {
            var errors: [FieldProblem]?
            if case .invalid(let problems) = rapportError { errors = problems }
            let response = Self.problemResponse(status: rapportError.status, slug: rapportError.slug, title: rapportError.title,
                                                detail: rapportError.detail, errors: errors, request)
            if case .denied(.notSignedIn) = rapportError {
                response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer")
            }
            return response
        }
        if case .denied(let reason) = rapportError {
            switch reason {
            case .notSignedIn:
                return request.redirect(to: "/signin")
            case .secondFactorPending:
                let stage = request.identity.signIn.flatMap { SignInStage(rawValue: $0.stage) }
                return request.redirect(to: stage == .enrolTwoFactor ? "/account/two-factor" : "/signin/two-factor")
            default:
                break
            }
        }
        return ErrorPage.render(status: rapportError.status, title: rapportError.title, detail: rapportError.detail, request)
    }

    /// When no route matched but the path is one Vapor has with other methods: 405 with those methods, not 404.
    static func methodNotAllowed(_ error: any Error, _ request: Request) -> RapportError? {
        guard request.route == nil, let abort = error as? any AbortError, abort.status == .notFound else { return nil }
        let segments = request.url.path.split(separator: "/", omittingEmptySubsequences: true)
        var methods: Set<String> = []
        for route in request.application.routes.all where route.path.count == segments.count {
            let matches = zip(route.path, segments).allSatisfy { component, segment in
                switch component {
                case .constant(let constant): return constant == segment
                case .parameter: return true
                case .anything, .catchall: return true
                }
            }
            if matches { methods.insert(route.method.rawValue) }
        }
        guard !methods.isEmpty, !methods.contains(request.method.rawValue) else { return nil }
        return .methodNotAllowed(methods.sorted())
    }

    /// Maps framework errors (unknown route, unreadable body) onto our own kinds.
    static func classify(_ error: any Error, _ request: Request) -> RapportError? {
        if let rapportError = error as? RapportError { return rapportError }
        if let recordError = error as? RecordError { return RapportError(recordError) }
        if let abort = error as? any AbortError {
            switch abort.status {
            case .notFound: return .notFound
            case .unsupportedMediaType:
                return .badRequest("Send the body as JSON with Content-Type: application/json (or as a web form).")
            case .payloadTooLarge: return .badRequest("That request is too large.")
            case .badRequest, .unprocessableEntity:
                return .badRequest("We couldn't read that request. Check that every required field is present and has the right type.")
            case .methodNotAllowed: return .notFound
            default: return nil
            }
        }
        if error is DecodingError {
            return .badRequest("We couldn't read that request. Check that every required field is present and has the right type.")
        }
        return nil
    }

    static func problemResponse(status: HTTPResponseStatus, slug: String, title: String, detail: String,
                                errors: [FieldProblem]?, _ request: Request) -> Response {
        let problem = Problem(type: "https://rapport.invalid/problems/\(slug)", title: title, status: Int(status.code),
                              detail: detail, instance: request.url.path, errors: errors, requestID: request.id)
        let response = Response(status: status)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        response.body = .init(data: (try? encoder.encode(problem)) ?? Data())
        response.headers.replaceOrAdd(name: .contentType, value: "application/problem+json")
        return response
    }
}

/// Several middlewares run as one, in one task. Vapor starts a task of its own for each `AsyncMiddleware` and hands
/// the request on through an `EventLoopFuture`: per layer, a task start and the thread hops of a future awaited off
/// its event loop. Profiled under load (issue 7), thread wake-ups were nearly half of a record read's CPU; chaining
/// the layers here keeps the order and behaviour of the list, outermost first, and drops those hops.
struct MiddlewareChain: AsyncMiddleware {
    let layers: [any AsyncMiddleware]

    init(_ layers: any AsyncMiddleware...) {
        self.layers = layers
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try await respond(to: request, from: 0, then: next)
    }

    fileprivate func respond(to request: Request, from index: Int, then next: any AsyncResponder) async throws -> Response {
        guard index < layers.count else { return try await next.respond(to: request) }
        return try await layers[index].respond(to: request, chainingTo: Rest(chain: self, index: index + 1, next: next))
    }

    private struct Rest: AsyncResponder {
        let chain: MiddlewareChain
        let index: Int
        let next: any AsyncResponder

        func respond(to request: Request) async throws -> Response {
            try await chain.respond(to: request, from: index, then: next)
        }
    }
}
