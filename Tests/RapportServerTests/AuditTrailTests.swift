import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite struct AuditTrailTests {
    /// Makes a trail of a few entries through real requests: reads, writes and a refusal.
    func trail(_ practice: TestPractice) async throws -> Int {
        let cast = try await Cast.assemble(practice)
        let token = try await practice.signIn(cast.own, kind: .api)
        let other = try await practice.signIn(cast.otherTherapist, kind: .api)
        let base = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())"
        for _ in 0..<3 {
            try await practice.app.testing().test(.GET, "\(base)/progress-notes", headers: .bearer(token)) { #expect($0.status == .ok) }
        }
        try await practice.app.testing().test(.POST, "\(base)/progress-notes", headers: .json(bearer: token),
                                              body: ByteBuffer(string: #"{"body":"x"}"#)) { #expect($0.status == .created) }
        try await practice.app.testing().test(.GET, "\(base)/progress-notes", headers: .bearer(other)) { #expect($0.status == .notFound) }
        return try await practice.auditCount()
    }

    var sql: (TestPractice) -> any SQLDatabase { { $0.app.db as! any SQLDatabase } }

    @Test func verifiesAnUntouchedTrail() async throws {
        try await TestPractice.run { practice in
            let count = try await trail(practice)
            #expect(count >= 7)
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: count))
        }
    }

    @Test func deniedAttemptsAreRecordedWithoutContent() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            let denied = try await AuditEntryRow.query(on: practice.app.db).filter(\.$outcome == "denied:other-practice").all()
            #expect(denied.count == 1)
            #expect(denied.first?.actorRole == "therapist")
            #expect(denied.first?.action == Action.listProgressNotes.rawValue)
        }
    }

    /// Entries carry the clock service's time, like everything else the server stamps, so a test that moves the clock
    /// (and an operator reading the trail) sees one timeline.
    @Test func entriesAreStampedWithTheClockServicesTime() async throws {
        try await TestPractice.run { practice in
            practice.clock.advance(by: 40 * 86400)
            _ = try await trail(practice)
            let clockNow = Int64(practice.clock.now().timeIntervalSince1970 * 1000)
            let entries = try await AuditEntryRow.query(on: practice.app.db).all()
            #expect(!entries.isEmpty)
            for entry in entries {
                #expect(abs(entry.occurredAtMilliseconds - clockNow) < 60_000, "entry \(entry.sequence) is stamped with another time")
            }
        }
    }

    @Test func changingAnEntryIsDetectedAndNamed() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            try await sql(practice).raw("UPDATE audit_entries SET action = 'tampered' WHERE sequence = 3").run()
            guard case .broken(let sequence, _) = try await RapportApp.verifyAuditTrail(practice.app) else {
                Issue.record("a changed entry verified"); return
            }
            #expect(sequence == 3)
        }
    }

    @Test func deletingAMiddleEntryIsDetected() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            try await sql(practice).raw("DELETE FROM audit_entries WHERE sequence = 4").run()
            #expect(try await brokenAt(practice) == 4)
        }
    }

    @Test func deletingTheLastEntryIsDetected() async throws {
        try await TestPractice.run { practice in
            let count = try await trail(practice)
            try await sql(practice).raw("DELETE FROM audit_entries WHERE sequence = \(literal: count)").run()
            #expect(try await brokenAt(practice) == Int64(count))
        }
    }

    @Test func deletingTheHeadIsDetected() async throws {
        try await TestPractice.run { practice in
            let count = try await trail(practice)
            try await sql(practice).raw("DELETE FROM audit_head").run()
            try await sql(practice).raw("DELETE FROM audit_entries WHERE sequence = \(literal: count)").run()
            #expect(try await brokenAt(practice) == Int64(count))
        }
    }

    @Test func reorderingEntriesIsDetected() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            let db = sql(practice)
            try await db.raw("UPDATE audit_entries SET sequence = -1 WHERE sequence = 2").run()
            try await db.raw("UPDATE audit_entries SET sequence = 2 WHERE sequence = 3").run()
            try await db.raw("UPDATE audit_entries SET sequence = 3 WHERE sequence = -1").run()
            #expect(try await brokenAt(practice) == 2)
        }
    }

    @Test func concurrentAccessesChainWithoutForks() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let token = try await practice.signIn(cast.own, kind: .api)
            let path = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())/progress-notes"
            let before = try await practice.auditCount()
            let app = practice.app
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await app.testing().test(.GET, path, headers: .bearer(token)) { #expect($0.status == .ok) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await practice.auditCount() == before + 12)
            #expect(try await RapportApp.verifyAuditTrail(app) == .ok(count: before + 12))
        }
    }

    /// Record pages read at once (on SQLite their reads run beside each other in a batch): one entry each, and the
    /// chain has no fork.
    @Test func recordPagesReadAtOnceChainWithoutForks() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let headers = Browser(sessionToken: try await practice.signIn(cast.own)).headers
            let path = "/clients/\(cast.clientID.uuidString.lowercased())"
            let before = try await practice.auditCount()
            let app = practice.app
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await app.testing().test(.GET, path, headers: headers) { #expect($0.status == .ok) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await practice.auditCount() == before + 12)
            #expect(try await RapportApp.verifyAuditTrail(app) == .ok(count: before + 12))
            let reads = try await AuditEntryRow.query(on: app.db).filter(\.$action == Action.viewClientRecord.rawValue)
                .filter(\.$clientID == cast.clientID).count()
            #expect(reads >= 12)
        }
    }

    // MARK: Signed checkpoints

    func checkpointFile(_ practice: TestPractice) -> String { RapportApp.defaultCheckpointFile(practice.configuration) }

    @Test func aSignedCheckpointVerifiesAndIsExported() async throws {
        try await TestPractice.run { practice in
            let count = try await trail(practice)
            let line = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: checkpointFile(practice))
            #expect(line.contains(#""sequence":\#(count)"#))
            let exported = try String(contentsOfFile: checkpointFile(practice), encoding: .utf8)
            #expect(exported == line + "\n")
            let (result, checkpoints) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: checkpointFile(practice))
            #expect(result == .ok(count: count))
            #expect(checkpoints == 1)
        }
    }

    /// Checkpoints taken at once (the scheduler and `rapport audit checkpoint` can meet) each leave their own whole
    /// line in the file: appending by seeking to the end let one line overwrite another, and verify then found the
    /// file older than the database.
    @Test func checkpointsTakenAtOnceAreAllExported() async throws {
        try await TestPractice.run { practice in
            let count = try await trail(practice)
            let signer = try CheckpointSigner.loadOrCreate(at: practice.configuration.checkpointKeyFile)
            let file = checkpointFile(practice)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask { _ = try await AuditCheckpoints.create(practice.app, signer: signer, exportFile: file) }
                }
                try await group.waitForAll()
            }
            let exported = try AuditCheckpoints.read(from: file)
            #expect(exported.count == 12)
            let stored = try await AuditCheckpointRow.query(on: practice.app.db).count()
            #expect(stored == 12)
            let (result, checkpoints) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: file)
            #expect(result == .ok(count: count))
            #expect(checkpoints == 12)
        }
    }

    /// Someone with the database changes an entry and recomputes every hash after it: the chain verifies again,
    /// but the checkpoint signed earlier with the key outside the database does not.
    @Test func aRewrittenAndRecomputedTrailFailsItsCheckpoint() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            _ = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: checkpointFile(practice))
            let db = practice.app.db
            var previous = AuditChain.genesisHash
            for row in try await AuditEntryRow.query(on: db).sort(\.$sequence).all() {
                if row.sequence == 2 { row.action = "tampered" }
                let record = AuditRecord(sequence: row.sequence, occurredAtMilliseconds: row.occurredAtMilliseconds, actorID: row.actorID,
                                         actorRole: row.actorRole, action: row.action, clientID: row.clientID,
                                         resourceType: row.resourceType, resourceID: row.resourceID, outcome: row.outcome)
                row.previousHash = previous
                row.hash = AuditChain.hash(previous: previous, record: record)
                previous = row.hash
                try await row.update(on: db)
            }
            let head = try #require(try await AuditHeadRow.find(AuditHeadRow.singletonID, on: db))
            head.hash = previous
            try await head.update(on: db)
            #expect(try await RapportApp.verifyAuditTrail(practice.app).isOK, "the recomputed chain is self-consistent")
            // Even with the stored checkpoint deleted, the exported copy catches it.
            try await AuditCheckpointRow.query(on: db).delete()
            let (result, _) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: checkpointFile(practice))
            guard case .broken(_, let reason) = result else { Issue.record("a rewritten trail verified"); return }
            #expect(reason.contains("rewritten"))
        }
    }

    @Test func aCheckpointSignedByAnotherKeyIsRejected() async throws {
        try await TestPractice.run { practice in
            _ = try await trail(practice)
            _ = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: checkpointFile(practice))
            let head = try #require(try await AuditHeadRow.find(AuditHeadRow.singletonID, on: practice.app.db))
            let forger = try CheckpointSigner(rawPrivateKey: Data((0..<32).map { _ in UInt8.random(in: 0...255) }))
            let forged = AuditCheckpoint(sequence: head.sequence, headHash: head.hash.hexString,
                                         signature: forger.sign(sequence: head.sequence, headHash: head.hash).base64EncodedString(),
                                         publicKey: forger.publicKey.base64EncodedString(), signedAt: Date())
            let line = String(decoding: try AuditCheckpoints.encoder().encode(forged), as: UTF8.self)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: checkpointFile(practice)))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
            try handle.close()
            let (result, _) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: checkpointFile(practice))
            guard case .broken(_, let reason) = result else { Issue.record("a forged checkpoint verified"); return }
            #expect(reason.contains("not signed by this server"))
        }
    }

    func brokenAt(_ practice: TestPractice) async throws -> Int64? {
        if case .broken(let sequence, _) = try await RapportApp.verifyAuditTrail(practice.app) { return sequence }
        return nil
    }
}

extension AuditChain.Verification {
    var isOK: Bool { if case .ok = self { return true } else { return false } }
}

/// The trail is pinned without anyone remembering to, and verify notices a missing or rolled-back checkpoint file
/// (issue 7, point 5).
@Suite struct AutomaticCheckpointTests {
    @Test func theServerSignsAtStartThenEveryNEntriesAndEveryHourWithNewEntries() async throws {
        try await TestPractice.run(adjust: { $0.checkpointEveryEntries = 5; $0.checkpointInterval = 3600 }) { practice in
            let scheduler = try await CheckpointScheduler.prepare(practice.configuration, on: practice.app.db)
            let file = practice.configuration.checkpointFile
            #expect(try await scheduler.signIfDue(practice.app, atStart: true))
            #expect(try AuditCheckpoints.read(from: file).count == 1)
            #expect(try await !scheduler.signIfDue(practice.app, atStart: false), "nothing new, nothing due")

            func appendEntries(_ count: Int) async throws {
                try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                    for _ in 0..<count {
                        try await AuditWriter.append(AuditEvent(actorID: UUID(), actorRole: "therapist", action: .viewClientRecord, clientID: UUID(),
                                                                resourceType: "client-record", resourceID: nil, outcome: "allowed"), at: Date(), on: db)
                    }
                }
            }
            try await appendEntries(4)
            #expect(try await !scheduler.signIfDue(practice.app, atStart: false), "4 of 5 entries")
            try await appendEntries(1)
            #expect(try await scheduler.signIfDue(practice.app, atStart: false), "5 entries")
            try await appendEntries(1)
            #expect(try await !scheduler.signIfDue(practice.app, atStart: false))
            practice.clock.advance(by: 3601)
            #expect(try await scheduler.signIfDue(practice.app, atStart: false), "an hour with a new entry")
            practice.clock.advance(by: 3601)
            #expect(try await !scheduler.signIfDue(practice.app, atStart: false), "an hour, but nothing new")

            let exported = try AuditCheckpoints.read(from: file)
            #expect(exported.map(\.sequence) == [0, 5, 6])
            let (result, checkpoints) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: file)
            #expect(result == .ok(count: 6))
            #expect(checkpoints == 3)
        }
    }

    @Test func verifyFailsWhenTheCheckpointFileIsMissingOrOlderThanTheDatabase() async throws {
        try await TestPractice.run { practice in
            let file = practice.configuration.checkpointFile
            _ = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: file)
            let firstCopy = try Data(contentsOf: URL(fileURLWithPath: file))
            try await practice.app.rapport.transactions.run(on: practice.app.db) { db in
                try await AuditWriter.append(AuditEvent(actorID: UUID(), actorRole: "therapist", action: .viewClientRecord, clientID: UUID(),
                                                        resourceType: "client-record", resourceID: nil, outcome: "allowed"), at: Date(), on: db)
            }
            _ = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: file)
            #expect(try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: file).0 == .ok(count: 1))

            // Rolled back to the older copy: the database's newest checkpoint is past its end.
            try firstCopy.write(to: URL(fileURLWithPath: file))
            guard case .broken(let sequence, let reason) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: file).0 else {
                Issue.record("an older checkpoint file verified"); return
            }
            #expect(sequence == 1)
            #expect(reason.contains("older than the newest checkpoint in the database"))

            // Gone altogether, while the key that signs checkpoints is still there.
            try FileManager.default.removeItem(atPath: file)
            guard case .broken(_, let missing) = try await RapportApp.verifyAuditTrail(practice.app, checkpointFile: file).0 else {
                Issue.record("a missing checkpoint file verified"); return
            }
            #expect(missing.contains("is missing"))
        }
    }

    @Test func theServerRefusesToStartASecondSeriesWithoutTheCheckpointKey() async throws {
        try await TestPractice.run { practice in
            _ = try await RapportApp.signAuditCheckpoint(practice.app, exportFile: practice.configuration.checkpointFile)
            let keyFile = practice.configuration.checkpointKeyFile
            let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))
            try FileManager.default.removeItem(atPath: keyFile)
            do {
                _ = try await CheckpointScheduler.prepare(practice.configuration, on: practice.app.db)
                Issue.record("started without the checkpoint key")
            } catch let error as ConfigurationError {
                #expect(error.message.contains(keyFile))
            }
            #expect(!FileManager.default.fileExists(atPath: keyFile), "a new key was made")
            // Another key is refused too; the original is accepted.
            _ = try CheckpointSigner.loadOrCreate(at: keyFile)
            await #expect(throws: ConfigurationError.self) { try await CheckpointScheduler.prepare(practice.configuration, on: practice.app.db) }
            try FileManager.default.removeItem(atPath: keyFile)
            _ = FileManager.default.createFile(atPath: keyFile, contents: original, attributes: [.posixPermissions: 0o600])
            _ = try await CheckpointScheduler.prepare(practice.configuration, on: practice.app.db)
        }
    }
}

/// A database copied without its keys folder must stop the server, not start a new practice silently (point 4).
@Suite struct MasterKeyCheckTests {
    @Test func aDatabaseWhoseKeysTheMasterKeyCannotOpenRefusesToStart() async throws {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("rapport-keycheck-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let configuration = RapportConfiguration(dataDirectory: folder, passwordHashCost: 4)
        func start() async throws {
            let app = try await Application.make(.testing)
            app.logger.logLevel = .error
            do {
                try await RapportApp.configure(app, configuration)
                try await app.asyncShutdown()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
        }
        // First start: a new key, then a practice whose key it wraps.
        let app = try await Application.make(.testing)
        app.logger.logLevel = .error
        try await RapportApp.configure(app, configuration)
        _ = try await RapportApp.setupLinkIfNeeded(app)
        let token = try await app.rapport.transactions.run(on: app.db) { db in try await People.issueSetupToken(services: app.rapport, on: db) }
        _ = try await People(app: app).setUpPractice(token: token, .init(practiceName: "P", ownerName: "O", email: "o@example.org",
                                                                          password: "a long enough password"))
        try await app.asyncShutdown()

        let keyFile = configuration.masterKeyFile
        let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))
        try FileManager.default.removeItem(atPath: keyFile)
        do {
            try await start()
            Issue.record("started without its master key")
        } catch let error as ConfigurationError {
            #expect(error.message.contains(keyFile))
            #expect(error.message.contains("missing"))
        }
        #expect(!FileManager.default.fileExists(atPath: keyFile), "a new master key was made")

        // Another installation's key: refused too, naming the file.
        _ = FileManager.default.createFile(atPath: keyFile, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }),
                                       attributes: [.posixPermissions: 0o600])
        do {
            try await start()
            Issue.record("started with a key that opens nothing")
        } catch let error as ConfigurationError {
            #expect(error.message.contains("does not open this database's keys"))
        }
        // Its own key back: it starts.
        try original.write(to: URL(fileURLWithPath: keyFile))
        try await start()
    }
}

/// Write transactions that queue up together are committed together on SQLite (one fsync), but each is still its
/// own all-or-nothing unit: one that fails is rolled back alone, and the others are saved and audited.
@Suite struct TransactionBatchTests {
    @Test func concurrentTransactionsCommitTogetherButFailAlone() async throws {
        try await TestPractice.run { practice in
            let app = practice.app
            let before = try await practice.auditCount()
            let runner = app.rapport.transactions
            // PostgreSQL serialises these on the audit head's row lock over a pool of two connections: fewer at once,
            // so none waits past the pool's timeout on a busy machine.
            let total = practice.configuration.database.isSQLite ? 120 : 28
            let saved = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<total {
                    group.addTask {
                        do {
                            try await runner.run(on: app.db) { db in
                                try await AuditWriter.append(AuditEvent(actorID: UUID(), actorRole: "therapist", action: .viewClientRecord,
                                                                        clientID: UUID(), resourceType: "client-record", resourceID: nil,
                                                                        outcome: "allowed"), at: Date(), on: db)
                                if index.isMultiple(of: 7) { throw RapportError.conflict("fails after its write") }
                            }
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                var count = 0
                for await ok in group where ok { count += 1 }
                return count
            }
            #expect(saved == total - (0..<total).filter { $0.isMultiple(of: 7) }.count)
            #expect(try await practice.auditCount() == before + saved)
            #expect(try await RapportApp.verifyAuditTrail(app) == .ok(count: before + saved))
        }
    }

    struct Refused: Error, Equatable { let index: Int }

    static func audit(_ marker: Int) -> AuditEvent {
        AuditEvent(actorID: UUID(), actorRole: "therapist", action: .viewClientRecord, clientID: UUID(),
                   resourceType: "client-record", resourceID: "job-\(marker)", outcome: "allowed")
    }

    /// Each caller gets its own outcome, on the in-memory database and on a file (where batches have a writer
    /// connection of their own): a failing transaction's entries are gone, the others' kept, and the audit chain (whose
    /// head a batch keeps in memory and writes once) verifies, with checkpoints taken in the middle. Half the
    /// transactions are readers (`TransactionRunner.read`), whose entries claim their places at once.
    @Test(arguments: [false, true]) func aFailingTransactionInABatchTakesOnlyItselfBack(onFile: Bool) async throws {
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("rapport-batch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await TestPractice.run(adjust: { configuration in
            // Forty transactions and three checkpoints queue for the pool (two connections on a 2-core machine, with
            // every other suite running beside it): they wait their turn rather than time out.
            configuration.databaseWaitLimit = 120
            if onFile, case .sqliteMemory = configuration.database {
                configuration.database = .sqliteFile(path: (folder as NSString).appendingPathComponent("rapport.sqlite"))
            }
        }) { practice in
            let app = practice.app
            let signer = try CheckpointSigner.loadOrCreate(at: practice.configuration.checkpointKeyFile)
            let before = try await AuditEntryRow.query(on: app.db).count()
            // Forty transactions at once, so they queue into batches: every fifth fails after writing, a few take a
            // checkpoint, the rest append one or two entries.
            let outcomes = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        do {
                            let body: @Sendable (any Database) async throws -> Int = { db in
                                try await AuditWriter.append(Self.audit(index), at: Date(), on: db)
                                if index % 5 == 3 { throw Refused(index: index) }
                                if index % 7 == 0 { try await AuditWriter.append(Self.audit(index), at: Date(), on: db) }
                                return index
                            }
                            // Half of them as readers, which run beside each other within their batch.
                            let value = index % 2 == 0 ? try await app.rapport.transactions.read(on: app.db, body)
                                                       : try await app.rapport.transactions.run(on: app.db, body)
                            return (index, .success(value))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                for index in [11, 22, 33] {
                    group.addTask {
                        do {
                            _ = try await AuditCheckpoints.create(app, signer: signer, exportFile: practice.configuration.checkpointFile)
                            return (1000 + index, .success(0))
                        } catch { return (1000 + index, .failure(error)) }
                    }
                }
                var all: [Int: Result<Int, any Error>] = [:]
                for await (index, outcome) in group { all[index] = outcome }
                return all
            }
            for index in 0..<40 {
                switch outcomes[index] {
                case .success(let value)?: #expect(index % 5 != 3 && value == index, "job \(index)")
                case .failure(let error)?: #expect(index % 5 == 3 && (error as? Refused) == Refused(index: index), "job \(index): \(error)")
                case nil: Issue.record("job \(index) has no outcome")
                }
            }
            for index in [1011, 1022, 1033] {
                if case .failure(let error)? = outcomes[index] { Issue.record("checkpoint failed: \(error)") }
            }
            let kept = (0..<40).filter { $0 % 5 != 3 }
            let expected = kept.count + kept.filter { $0 % 7 == 0 }.count
            let rows = try await AuditEntryRow.query(on: app.db).filter(\.$resourceID ~~ "job-").all()
            #expect(rows.count == expected)
            #expect(Set(rows.compactMap(\.resourceID)) == Set(kept.map { "job-\($0)" }), "a failed transaction's entry was kept")
            #expect(try await RapportApp.verifyAuditTrail(app) == .ok(count: before + expected))
            let (result, checkpoints) = try await RapportApp.verifyAuditTrail(app, checkpointFile: practice.configuration.checkpointFile)
            #expect(result == .ok(count: before + expected))
            #expect(checkpoints >= 3)
        }
    }
}
