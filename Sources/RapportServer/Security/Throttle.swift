import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Vapor

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
        if let lockedUntil { throw RecordError.tooManyAttempts(until: lockedUntil) }
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

/// Signed-out traffic that makes the server work (a refused request for a record, a sign-in attempt, a token
/// look-up) spends from a per-address budget held in memory; past it the answer is 429 without touching the
/// database. Refusals to people who are not signed in are not accesses to anyone's record, so they are counted
/// here, not written to the audit trail one row each (issue 7): a flood of them can neither grow the database nor
/// slow real reads. The counts reach the log as one summary line a minute at most.
final class SignedOutTraffic: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var refusedSinceSummary = 0
        var throttledSinceSummary = 0
        var refusedTotal = 0
        var throttledTotal = 0
        var lastSummary: Date?
    }

    /// Requests an address may make per minute (and in one burst) before it is asked to wait.
    let perMinute: Int
    /// Addresses remembered at once; idle ones (full buckets) are forgotten first, so memory stays bounded.
    static let maximumAddresses = 20_000
    private let state = NIOLockedValueBox(State())

    init(perMinute: Int) {
        self.perMinute = max(perMinute, 1)
    }

    /// Spends one request from the address's budget; false when it is spent (answer 429).
    func admit(_ address: String, now: Date) -> Bool {
        let capacity = Double(perMinute)
        let refillPerSecond = capacity / 60
        return state.withLockedValue { state in
            var bucket = state.buckets[address] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * refillPerSecond)
            bucket.updated = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 } else {
                state.throttledSinceSummary += 1
                state.throttledTotal += 1
            }
            if state.buckets[address] == nil, state.buckets.count >= Self.maximumAddresses {
                state.buckets = state.buckets.filter { capacity - ($0.value.tokens + now.timeIntervalSince($0.value.updated) * refillPerSecond) > 0 }
                if state.buckets.count >= Self.maximumAddresses { state.buckets.removeAll(keepingCapacity: true) }
            }
            state.buckets[address] = bucket
            return admitted
        }
    }

    /// Counts a refusal to someone not signed in, and returns a summary line when a minute has passed since the last.
    func countRefusal(now: Date) -> String? {
        state.withLockedValue { state in
            state.refusedSinceSummary += 1
            state.refusedTotal += 1
            return Self.summary(&state, now: now)
        }
    }

    /// Totals since start: refusals to signed-out requests for records, and requests asked to wait.
    var totals: (refused: Int, throttled: Int) {
        state.withLockedValue { ($0.refusedTotal, $0.throttledTotal) }
    }

    private static func summary(_ state: inout State, now: Date) -> String? {
        if let last = state.lastSummary, now.timeIntervalSince(last) < 60 { return nil }
        defer {
            state.lastSummary = now
            state.refusedSinceSummary = 0
            state.throttledSinceSummary = 0
        }
        return "signed-out requests for records refused: \(state.refusedSinceSummary), requests asked to wait: \(state.throttledSinceSummary) (since the last summary)"
    }
}

/// On the public routes that make the server work for someone not signed in (sign-in, setup and invitation
/// links, calendar feeds), spends from the address's `SignedOutTraffic` budget before the handler runs.
struct SignedOutBudgetMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try request.spendSignedOutBudget()
        return try await next.respond(to: request)
    }
}
