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
///
/// Transactions that only read a record and write its audit entry (`Work.beside`) run beside each other inside their
/// batch: their statements share the batch's connection, but their waits (each statement goes to SQLite's threads
/// and back) and their Swift work overlap, where one after another the record page's reads held the write lock for
/// most of each view (issue 10). A transaction that writes anything else runs alone, after those before it and
/// before those after it, so it still sees each earlier one whole.
/// PostgreSQL needs no queue: row locks on the audit head serialise what must be serial, and it groups commits itself.
actor CommitBatcher {
    typealias Body = @Sendable (any Database) async throws -> any Sendable

    /// One transaction's body, and whether it may run beside others: true only for a body whose one write is its
    /// audit entry (`AuditWriter` claims each entry's place in the chain under a lock).
    struct Work: Sendable {
        let body: Body
        let beside: Bool
    }

    private struct Job {
        let work: Work
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

    func run<T: Sendable>(on database: any Database, beside: Bool = false,
                          _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            waiting.append(Job(work: Work(body: { try await body($0) }, beside: beside), done: continuation))
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
            let outcomes = await Self.commit(batch.map(\.work), on: writer?() ?? database)
            for (job, outcome) in zip(batch, outcomes) { job.done.resume(with: outcome) }
        }
        committing = false
    }

    /// A job of the batch threw: which one, and what.
    private struct JobFailed: Error {
        let index: Int
        let error: any Error
    }

    private nonisolated static func commit(_ works: [Work], on database: any Database) async -> [Result<any Sendable, any Error>] {
        guard !works.isEmpty else { return [] }
        do {
            return try await together(works, on: database).map { .success($0) }
        } catch let failed as JobFailed {
            if works.count == 1 { return [.failure(failed.error)] }
            // Nothing of the batch was kept. Its parts again: before the failure, the failure alone, after it.
            return await commit(Array(works[..<failed.index]), on: database)
                + commit([works[failed.index]], on: database)
                + commit(Array(works[(failed.index + 1)...]), on: database)
        } catch {
            // BEGIN or COMMIT failed: nothing of this batch was committed, and every caller hears so.
            return works.map { _ in .failure(error) }
        }
    }

    /// Runs every body in one transaction, or throws having kept none of them. Bodies run in order, except that a
    /// run of neighbours that may run beside each other runs at once.
    private nonisolated static func together(_ works: [Work], on database: any Database) async throws -> [any Sendable] {
        try await database.withConnection { connection in
            guard let sql = connection as? any SQLDatabase else { throw CommitBatcherError.notSQL }
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let audit = AuditBatch()
                var values: [any Sendable] = []
                values.reserveCapacity(works.count)
                var start = 0
                while start < works.count {
                    var end = start + 1
                    if works[start].beside {
                        while end < works.count, works[end].beside { end += 1 }
                    }
                    if end - start == 1 {
                        do {
                            values.append(try await AuditBatch.$current.withValue(audit) { try await works[start].body(connection) })
                        } catch {
                            throw JobFailed(index: start, error: error)
                        }
                    } else {
                        values += try await beside(Array(works[start..<end]), first: start, audit: audit, on: connection)
                    }
                    start = end
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

    /// Bodies that write only their audit entries, at once; their values in their order. `first` is the index of the
    /// first in the batch, for the failure's place. Every body has finished before this returns or throws.
    private nonisolated static func beside(_ works: [Work], first: Int, audit: AuditBatch, on connection: any Database) async throws -> [any Sendable] {
        // The chain's head is read once, before they race to append to it.
        try await AuditWriter.prepareBatch(audit, on: connection)
        return try await AuditBatch.$current.withValue(audit) {
            try await withThrowingTaskGroup(of: (Int, Result<any Sendable, any Error>).self) { group in
                for (offset, work) in works.enumerated() {
                    group.addTask {
                        do { return (offset, .success(try await work.body(connection))) } catch { return (offset, .failure(error)) }
                    }
                }
                var results = [Result<any Sendable, any Error>?](repeating: nil, count: works.count)
                for try await (offset, result) in group { results[offset] = result }
                var values: [any Sendable] = []
                for (offset, result) in results.enumerated() {
                    switch result {
                    case .success(let value)?: values.append(value)
                    case .failure(let error)?: throw JobFailed(index: first + offset, error: error)
                    case nil: throw CommitBatcherError.unexpectedResult
                    }
                }
                return values
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

    /// The same, for a body whose only write is its audit entry (reading a record): on SQLite it may run beside other
    /// such bodies in its batch. A body given here that writes anything else could see another's half-done work.
    func read<T: Sendable>(on database: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let batcher else { return try await database.transaction(body) }
        return try await batcher.run(on: database, beside: true, body)
    }
}
