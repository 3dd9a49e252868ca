import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

extension DatabaseID {
    /// The SQLite file again, through a pool used only by `CommitBatcher`.
    static let sqliteWriter = DatabaseID(string: "sqlite-writer")
}

enum DatabaseSetup {
    /// The database write transactions run on: on an SQLite file its own pool, otherwise the default one.
    static func writer(_ choice: RapportConfiguration.DatabaseChoice, _ app: Application) -> (@Sendable () -> (any Database))? {
        guard case .sqliteFile = choice else { return nil }
        return { [app] in app.databases.database(.sqliteWriter, logger: app.logger, on: app.eventLoopGroup.any()) ?? app.db }
    }

    static func register(_ choice: RapportConfiguration.DatabaseChoice, waitLimit: TimeInterval = 10, on app: Application) throws {
        // Range-checked before it becomes an integer: a connection wait of 1 s to 10 minutes, 10 s for anything odd.
        let seconds = waitLimit.isFinite ? min(max(waitLimit, 1), 600) : 10
        let wait = TimeAmount.milliseconds(Int64(seconds * 1000))
        switch choice {
        case .sqliteFile(let path):
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // SQL logging off: queries carry envelopes and blind indexes, which have no place in a log either.
            // (The PostgreSQL driver cannot turn it off; it logs at `trace`, which `ServerRunner` never allows.)
            app.databases.use(.sqlite(.file(path), connectionPoolTimeout: wait, sqlLogLevel: nil), as: .sqlite)
            // Fluent keeps one SQLite connection per event loop. Write transactions get connections of their own, so
            // that while a batch holds the write lock, reads (sign-in checks, policy look-ups) go on beside it (WAL).
            app.databases.use(.sqlite(.file(path), connectionPoolTimeout: wait, sqlLogLevel: nil), as: .sqliteWriter, isDefault: false)
        case .sqliteMemory:
            app.databases.use(.sqlite(.memory, connectionPoolTimeout: wait, sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url, let searchPath):
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.searchPath = searchPath
            app.databases.use(.postgres(configuration: configuration, connectionPoolTimeout: wait, sqlLogLevel: .trace), as: .psql)
        }
    }

    /// With a schema in the search path (tests give each run its own), create it before migrating into it.
    static func prepareSchema(_ choice: RapportConfiguration.DatabaseChoice, _ database: any Database) async throws {
        guard case .postgres(_, let searchPath) = choice, let schema = searchPath?.first,
              let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
    }

    /// WAL keeps readers and the single writer out of each other's way and survives a crash mid-write.
    static func prepareSQLite(_ database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("PRAGMA journal_mode = WAL").run()
        try await sql.raw("PRAGMA synchronous = FULL").run()
    }
}

/// SQLite allows one writer at a time, a transaction that reads before it writes can fail instead of waiting when
/// another connection writes first, and every commit costs an fsync (`synchronous = FULL`). So on SQLite, write
/// transactions queue in-process, and those that queued while a commit was under way are committed together, in one
/// SQLite transaction, acknowledged after its one COMMIT and one fsync. Nothing is acknowledged before it is durable;
/// an idle server commits each transaction at once, alone.
///
/// Each transaction stays all-or-nothing on its own: if one of a batch fails, the batch is rolled back and run again
/// in parts, the ones before it together, the failing one alone (its caller gets its error), the ones after it
/// together. Failures are rare (bad input is refused before any write), so the common case pays no savepoints; and
/// the audit head is read and written once per batch (`AuditBatch`), not per access.
/// PostgreSQL needs no queue: row locks on the audit head serialise what must be serial, and it groups commits itself.
actor CommitBatcher {
    typealias Body = @Sendable (any Database) async throws -> any Sendable

    private struct Job {
        let body: Body
        let done: CheckedContinuation<any Sendable, any Error>
    }

    /// Enough to amortise the fsync; small enough that one batch never holds the write lock for long.
    static let maximumBatch = 32
    private var waiting: [Job] = []
    private var committing = false
    /// Where batches run; nil: the database each caller passes (in-memory SQLite, whose connections share one cache).
    private let writer: (@Sendable () -> (any Database))?

    init(writer: (@Sendable () -> (any Database))? = nil) {
        self.writer = writer
    }

    func run<T: Sendable>(on database: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            waiting.append(Job(body: { try await body($0) }, done: continuation))
            if !committing {
                committing = true
                Task { await self.drain(database) }
            }
        }
        guard let typed = result as? T else { throw CommitBatcherError.unexpectedResult }
        return typed
    }

    private func drain(_ database: any Database) async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            // Runs off the actor, so that new transactions can queue up for the next batch meanwhile.
            let outcomes = await Self.commit(batch.map(\.body), on: writer?() ?? database)
            for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
        }
        committing = false
    }

    /// A job of the batch threw: which one, and what.
    private struct JobFailed: Error {
        let index: Int
        let error: any Error
    }

    private nonisolated static func commit(_ bodies: [Body], on database: any Database) async -> [Result<any Sendable, any Error>] {
        guard !bodies.isEmpty else { return [] }
        do {
            return try await together(bodies, on: database).map { .success($0) }
        } catch let failed as JobFailed {
            if bodies.count == 1 { return [.failure(failed.error)] }
            // Nothing of the batch was kept. Its parts again: before the failure, the failure alone, after it.
            return await commit(Array(bodies[..<failed.index]), on: database)
                + commit([bodies[failed.index]], on: database)
                + commit(Array(bodies[(failed.index + 1)...]), on: database)
        } catch {
            // BEGIN or COMMIT failed: nothing of this batch was committed, and every caller hears so.
            return bodies.map { _ in .failure(error) }
        }
    }

    /// Runs every body in one transaction, or throws having kept none of them.
    private nonisolated static func together(_ bodies: [Body], on database: any Database) async throws -> [any Sendable] {
        try await database.withConnection { connection in
            guard let sql = connection as? any SQLDatabase else { throw CommitBatcherError.notSQL }
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let audit = AuditBatch()
                var values: [any Sendable] = []
                for (index, body) in bodies.enumerated() {
                    do {
                        values.append(try await AuditBatch.$current.withValue(audit) { try await body(connection) })
                    } catch {
                        throw JobFailed(index: index, error: error)
                    }
                }
                try await AuditWriter.closeBatch(audit, on: sql)
                try await sql.raw("COMMIT").run()
                return values
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}

enum CommitBatcherError: Error {
    case notSQL
    case unexpectedResult
}

struct TransactionRunner: Sendable {
    let batcher: CommitBatcher?

    /// Runs `body` in one database transaction: everything in it is written, or nothing is.
    func run<T: Sendable>(on database: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let batcher else { return try await database.transaction(body) }
        return try await batcher.run(on: database, body)
    }
}
