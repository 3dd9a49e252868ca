import Fluent
import Foundation

/// Temporary lock-out after repeated sign-in failures (password or second factor). Keyed by the blind index of
/// the email tried, so an unknown email is throttled exactly like a real one and nothing reveals which exist.
enum SignInThrottle {
    /// When the subject is locked out until, if it is now.
    static func lockedUntil(_ subject: Data, services: RapportServices, on db: any Database) async throws -> Date? {
        guard let row = try await SignInThrottleRow.query(on: db).filter(\.$subjectIndex == subject).first(),
              let until = row.lockedUntil, until > services.now
        else { return nil }
        return until
    }

    /// Counts a failure; returns the lock-out end if this failure started one.
    @discardableResult
    static func recordFailure(_ subject: Data, services: RapportServices, on db: any Database) async throws -> Date? {
        let now = services.now
        let config = services.configuration
        let row = try await SignInThrottleRow.query(on: db).filter(\.$subjectIndex == subject).first() ?? {
            let fresh = SignInThrottleRow()
            fresh.subjectIndex = subject
            fresh.failures = 0
            fresh.windowStartedAt = now
            return fresh
        }()
        if now.timeIntervalSince(row.windowStartedAt) > config.signInLockout {
            row.failures = 0
            row.windowStartedAt = now
            row.lockedUntil = nil
        }
        row.failures += 1
        var lockedUntil: Date?
        if row.failures >= config.signInFailureLimit {
            lockedUntil = now.addingTimeInterval(config.signInLockout)
            row.lockedUntil = lockedUntil
            row.failures = 0
            row.windowStartedAt = now
        }
        try await row.save(on: db)
        return lockedUntil
    }

    static func reset(_ subject: Data, on db: any Database) async throws {
        try await SignInThrottleRow.query(on: db).filter(\.$subjectIndex == subject).delete()
    }
}
