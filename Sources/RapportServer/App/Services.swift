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

    var now: Date { clock.now() }
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

    /// Runs `body` in one transaction (queued on SQLite, see `TransactionRunner`).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await rapport.transactions.run(on: db, body)
    }
}

/// bcrypt, off the event loop: a cost-12 hash takes a few hundred milliseconds.
enum Passwords {
    static func hash(_ password: String, cost: Int, on app: Application) async throws -> String {
        try await app.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String, on app: Application) async throws -> Bool {
        try await app.threadPool.runIfActive { try Bcrypt.verify(password, created: hash) }
    }
}
