public import Foundation
import Fluent
import NIOConcurrencyHelpers
import RapportVault
import Vapor

/// What every controller needs, built once in `configure` and passed around explicitly through the application.
struct RapportServices: Sendable {
    let configuration: RapportConfiguration
    let keys: KeyStore
    let transactions: TransactionRunner
    let clock: RapportClock
    /// A hash of a random password, checked when an email has no account so that a wrong email takes as long
    /// as a wrong password and the response time does not reveal who has an account.
    let decoyPasswordHash: String
    let signedOutTraffic: SignedOutTraffic

    var now: Date { clock.now() }
    /// Each client's caseload needs until their record changes (`CaseloadNeeds.load`).
    let caseloadNeeds = CaseloadNeedsCache()
    /// Each practice's expected courses, fitted on its own ended episodes once it has enough.
    let courseModels: ExpectedCourseModels
    /// Enquiries per address lately, for the public reach-out pages.
    let enquiryThrottle = EnquiryThrottle()
}

/// The time, replaceable in tests (two-factor steps, idle timeouts and invitation expiry all depend on it).
public final class RapportClock: Sendable {
    private let offset = NIOLockedValueBox<TimeInterval>(0)

    public init() {}

    public func now() -> Date { Date().addingTimeInterval(offset.withLockedValue { $0 }) }

    /// Tests move time forward; the server never calls this.
    public func advance(by seconds: TimeInterval) { offset.withLockedValue { $0 += seconds } }
}

private struct RapportServicesKey: StorageKey {
    typealias Value = RapportServices
}

extension Application {
    var rapport: RapportServices {
        get {
            guard let services = storage[RapportServicesKey.self] else {
                fatalError("configure(_:_:) sets the Rapport services before any route runs")
            }
            return services
        }
        set { storage[RapportServicesKey.self] = newValue }
    }
}

extension Request {
    var rapport: RapportServices { application.rapport }

    /// Where the request came from, for per-address budgets: the socket's peer, or behind a proxy the address the
    /// proxy appended last to `X-Forwarded-For`.
    var clientAddress: String {
        if rapport.configuration.behindProxy,
           let forwarded = headers[.xForwardedFor].last?.split(separator: ",").last?.trimmingCharacters(in: .whitespaces),
           !forwarded.isEmpty {
            return String(forwarded.prefix(64))
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    /// Spends one request of a signed-out visitor's budget, or refuses with 429 before any work is done.
    func spendSignedOutBudget() throws {
        guard identity.actor == nil else { return }
        if !rapport.signedOutTraffic.admit(clientAddress, now: rapport.now) {
            throw RapportError.slowDown
        }
    }

    /// Runs `body` in one transaction (queued on SQLite, see `TransactionRunner`).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await rapport.transactions.run(on: db, body)
    }
}

/// bcrypt, off the event loop: a cost-12 hash takes a few hundred milliseconds.
enum Passwords {
    static func hash(_ password: String, cost: Int, on threadPool: NIOThreadPool) async throws -> String {
        try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    /// bcrypt with the salt the vault derives from the email's blind index (`Vault.passwordSalt`): the same address
    /// and password always give the same hash, so sign-in finds the account by it with a single bcrypt.
    static func keyedHash(_ password: String, salt: Data, cost: Int, on threadPool: NIOThreadPool) async throws -> String {
        let fullSalt = bcryptSalt(salt, cost: cost)
        return try await threadPool.runIfActive { try Bcrypt.hash(password, salt: fullSalt) }
    }

    /// What `UserRow.passwordScheme` holds for a keyed hash at this cost. Anything else (nil: a random salt, from
    /// before accounts were per invitation) is checked the old way once and replaced at that sign-in.
    static func keyedScheme(cost: Int) -> String { "keyed-bcrypt-\(cost)" }

    /// "$2b$12$" and the 16 salt bytes in bcrypt's own base 64 (OpenBSD `encode_base64`: its alphabet, no padding).
    static func bcryptSalt(_ salt: Data, cost: Int) -> String {
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let bytes = [UInt8](salt)
        var encoded = ""
        var index = 0
        while index < bytes.count {
            let first = bytes[index]
            index += 1
            encoded.append(alphabet[Int(first >> 2)])
            var carry = (first & 0x03) << 4
            guard index < bytes.count else { encoded.append(alphabet[Int(carry)]); break }
            let second = bytes[index]
            index += 1
            encoded.append(alphabet[Int(carry | second >> 4)])
            carry = (second & 0x0f) << 2
            guard index < bytes.count else { encoded.append(alphabet[Int(carry)]); break }
            let third = bytes[index]
            index += 1
            encoded.append(alphabet[Int(carry | third >> 6)])
            encoded.append(alphabet[Int(third & 0x3f)])
        }
        return "$2b$" + (cost < 10 ? "0\(cost)" : "\(cost)") + "$" + encoded
    }

    static func verify(_ password: String, hash: String, on threadPool: NIOThreadPool) async throws -> Bool {
        try await threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }
}

extension People {
    /// People for one request: the request's database, the application's thread pool for bcrypt.
    init(_ request: Request) {
        self.init(services: request.rapport, db: request.db, threadPool: request.application.threadPool)
    }

    /// People outside a request (the demo, tests).
    init(app: Application) {
        self.init(services: app.rapport, db: app.db, threadPool: app.threadPool)
    }
}
