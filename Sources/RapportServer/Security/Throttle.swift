import Fluent
import Foundation
import SQLKit

/// Temporary lock-out after repeated sign-in failures (password or second factor). Keyed by the blind index of
/// the email tried, so an unknown email is throttled exactly like a real one and nothing reveals which exist.
///
/// Each attempt is counted *before* it is checked, in one serialised statement, so a burst of parallel guesses
/// cannot all slip past the check; only a completed sign-in (password, and the code for staff) clears the count.
enum SignInThrottle {
    /// Counts this attempt; throws `tooManyAttempts` if the subject is locked out or this attempt is one too many.
    static func claimAttempt(_ subject: Data, services: RapportServices, on db: any Database) async throws {
        let now = services.now
        let limit = services.configuration.signInFailureLimit
        let lockout = services.configuration.signInLockout
        let lockedUntil: Date? = try await services.transactions.run(on: db) { db in
            guard let sql = db as? any SQLDatabase else { return nil }
            try await sql.insert(into: SignInThrottleRow.schema)
                .columns("id", "subject_index", "failures", "window_started_at")
                .values(SQLBind(UUID()), SQLBind(subject), SQLBind(0), SQLBind(now))
                .ignoringConflicts(with: "subject_index")
                .run()
            // The increment takes the row lock (PostgreSQL) or the write lock (SQLite) before anything is read.
            try await sql.update(SignInThrottleRow.schema)
                .set(SQLIdentifier("failures"), to: SQLRaw("failures + 1"))
                .where(SQLIdentifier("subject_index"), .equal, SQLBind(subject))
                .run()
            guard let row = try await SignInThrottleRow.query(on: db).filter(\.$subjectIndex == subject).first() else { return nil }
            if let until = row.lockedUntil, until > now { return until }
            if row.lockedUntil != nil || now.timeIntervalSince(row.windowStartedAt) > lockout {
                // A lock-out or a window has passed: this attempt starts a new window.
                row.failures = 1
                row.windowStartedAt = now
                row.lockedUntil = nil
            }
            if row.failures > limit {
                row.lockedUntil = now.addingTimeInterval(lockout)
            }
            try await row.update(on: db)
            return row.lockedUntil
        }
        if let lockedUntil { throw RapportError.tooManyAttempts(until: lockedUntil) }
    }

    /// A completed sign-in clears the count.
    static func reset(_ subject: Data, on db: any Database) async throws {
        try await SignInThrottleRow.query(on: db).filter(\.$subjectIndex == subject).delete()
    }
}

/// One-time things (setup links, invitations, two-step codes) are claimed with a conditional UPDATE whose
/// WHERE clause only matches while they are unused: of two concurrent claims, exactly one changes the row.
enum OneTimeClaim {
    static func claim(_ table: String, id: UUID, setting column: String, to value: any Encodable & Sendable,
                      unlessAlready condition: any SQLExpression, on db: any Database) async throws -> Bool {
        guard let sql = db as? any SQLDatabase else { return false }
        let rows = try await sql.update(table)
            .set(SQLIdentifier(column), to: SQLBind(value))
            .where(SQLIdentifier("id"), .equal, SQLBind(id))
            .where(condition)
            .returning("id")
            .all()
        return rows.count == 1
    }

    /// `column IS NULL`
    static func isNull(_ column: String) -> any SQLExpression {
        SQLBinaryExpression(left: SQLIdentifier(column), op: SQLBinaryOperator.is, right: SQLLiteral.null)
    }
}
