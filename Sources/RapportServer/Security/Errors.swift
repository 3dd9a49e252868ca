import Foundation
import RapportCore
import Vapor

/// Errors a controller throws on purpose. The error middleware turns each into a plain page or an RFC 9457
/// problem, with words that say what to do next.
enum RapportError: Error {
    case denied(DenialReason)
    case notFound
    case invalid([FieldProblem])
    case badRequest(String)
    case conflict(String)
    case gone(String)
    case tooManyAttempts(until: Date)
    case formExpired
    case unavailable(String)
    /// A signed-out (or half-signed-in) request for a client's record. Refused with 403 rather than a redirect,
    /// so every refusal on client-scoped routes is a 403 or 404, whoever asks.
    case signInToSeeRecord
    /// Not found, with a detail that helps (an unknown instrument names the known ones).
    case notFoundWithDetail(String)
    /// A signed-out visitor's per-address budget is spent (`SignedOutTraffic`).
    case slowDown
    /// The path exists, but not with this method: the methods it has, for the `Allow` header.
    case methodNotAllowed([String])
    /// The API's sign-in was refused (wrong email, password or code): 401, since nothing about the request's
    /// shape was wrong. The pages show the same words inline instead.
    case signInRefused(String)

    var status: HTTPResponseStatus {
        switch self {
        case .denied(let reason):
            switch reason {
            case .notSignedIn, .secondFactorPending: return .unauthorized
            case .wrongRole, .therapyEnded: return .forbidden
            case .otherPractice, .notOnCareTeam, .notAuthor, .notOwnRecord: return .notFound
            }
        case .notFound: return .notFound
        case .invalid: return .unprocessableEntity
        case .badRequest: return .badRequest
        case .conflict: return .conflict
        case .gone: return .gone
        case .tooManyAttempts: return .tooManyRequests
        case .formExpired: return .forbidden
        case .unavailable: return .serviceUnavailable
        case .signInToSeeRecord: return .forbidden
        case .notFoundWithDetail: return .notFound
        case .slowDown: return .tooManyRequests
        case .methodNotAllowed: return .methodNotAllowed
        case .signInRefused: return .unauthorized
        }
    }

    /// A short machine name, used in the problem `type`.
    var slug: String {
        switch self {
        case .denied(let reason): return reason.hidesExistence ? "not-found" : reason.rawValue
        case .notFound: return "not-found"
        case .invalid: return "invalid-input"
        case .badRequest: return "bad-request"
        case .conflict: return "conflict"
        case .gone: return "expired"
        case .tooManyAttempts: return "too-many-attempts"
        case .formExpired: return "form-expired"
        case .unavailable: return "unavailable"
        case .signInToSeeRecord: return "sign-in-required"
        case .notFoundWithDetail: return "not-found"
        case .slowDown: return "too-many-requests"
        case .methodNotAllowed: return "method-not-allowed"
        case .signInRefused: return "sign-in-refused"
        }
    }

    var title: String {
        switch self {
        case .denied(let reason):
            switch reason {
            case .notSignedIn: return "Please sign in"
            case .secondFactorPending: return "One more step to sign in"
            case .wrongRole: return "This page isn't part of your account"
            case .therapyEnded: return "Your therapy here has ended"
            case .otherPractice, .notOnCareTeam, .notAuthor, .notOwnRecord: return "We couldn't find that"
            }
        case .notFound: return "We couldn't find that"
        case .invalid: return "Some details need another look"
        case .badRequest: return "We couldn't read that request"
        case .conflict: return "That can't be done twice"
        case .gone: return "This link has expired"
        case .tooManyAttempts: return "Too many attempts"
        case .formExpired: return "This form has expired"
        case .unavailable: return "Not available yet"
        case .signInToSeeRecord: return "Please sign in"
        case .notFoundWithDetail: return "We couldn't find that"
        case .slowDown: return "Too many requests"
        case .methodNotAllowed: return "Not available this way"
        case .signInRefused: return "Not signed in"
        }
    }

    var detail: String {
        switch self {
        case .denied(let reason):
            switch reason {
            case .notSignedIn: return "Sign in to continue."
            case .secondFactorPending: return "Enter the code from your authenticator app to finish signing in."
            case .wrongRole: return "Your account doesn't include this page. Go back to your home page."
            case .therapyEnded:
                return "What is yours stays here for you to read: your letter, your plan, your words to carry. To talk again, use Reach out again on your home page."
            case .otherPractice, .notOnCareTeam, .notAuthor, .notOwnRecord:
                return "It may have moved, or it isn't part of your account. Go back to your home page."
            }
        case .notFound: return "It may have moved, or it isn't part of your account. Go back to your home page."
        case .invalid(let problems): return problems.map(\.message).joined(separator: " ")
        case .badRequest(let message), .conflict(let message), .gone(let message), .unavailable(let message),
             .notFoundWithDetail(let message): return message
        case .tooManyAttempts(let until):
            let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
            return "For your safety, signing in to this account is paused for \(minutes) minute\(minutes == 1 ? "" : "s"). Please try again then."
        case .signInToSeeRecord:
            return "Sign in to see this page. If you were signed in, your session ended after a while without activity."
        case .formExpired:
            return "For your security, forms expire. Please go back, reload the page and try again."
        case .slowDown:
            return "Too many requests came from your network in a short time. Please wait a minute and try again."
        case .methodNotAllowed(let allowed):
            return "This address answers \(allowed.joined(separator: ", ")) only."
        case .signInRefused(let message):
            return message
        }
    }
}

extension RapportError {
    /// The HTTP answer to a refusal from `Records`; nil for the two that mean the installation itself is broken
    /// (a missing key, an unknown stored measure), which are server errors.
    init?(_ error: RecordError) {
        switch error {
        case .invalid(let problems): self = .invalid(problems)
        case .notFound: self = .notFound
        case .conflict(let message): self = .conflict(message)
        case .gone(let message): self = .gone(message)
        case .tooManyAttempts(let until): self = .tooManyAttempts(until: until)
        case .missingKey, .unknownInstrument: return nil
        }
    }
}

/// A problem details body (RFC 9457).
struct Problem: Content {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?
    var errors: [FieldProblem]?
    var requestID: String?

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, instance, errors
        case requestID = "request_id"
    }
}
