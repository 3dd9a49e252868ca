import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import SQLKit
import Vapor

enum DatabaseSetup {
    static func register(_ choice: RapportConfiguration.DatabaseChoice, on app: Application) throws {
        switch choice {
        case .sqliteFile(let path):
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // SQL logging off: queries carry envelopes and blind indexes, which have no place in a log either.
            app.databases.use(.sqlite(.file(path), sqlLogLevel: nil), as: .sqlite)
        case .sqliteMemory:
            app.databases.use(.sqlite(.memory, sqlLogLevel: nil), as: .sqlite)
        case .postgres(let url, let searchPath):
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.searchPath = searchPath
            app.databases.use(.postgres(configuration: configuration, sqlLogLevel: .trace), as: .psql)
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

/// SQLite allows one writer at a time, and a transaction that reads before it writes can fail instead of waiting
/// when another connection writes first. Rapport's write transactions therefore queue in-process on SQLite;
/// PostgreSQL needs no queue (row locks on the audit head serialise what must be serial).
actor WriteQueue {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}

struct TransactionRunner: Sendable {
    let queue: WriteQueue?

    /// Runs `body` in one database transaction: everything in it is written, or nothing is.
    func run<T: Sendable>(on database: any Database, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let queue else { return try await database.transaction(body) }
        await queue.acquire()
        do {
            let result = try await database.transaction(body)
            await queue.release()
            return result
        } catch {
            await queue.release()
            throw error
        }
    }
}
