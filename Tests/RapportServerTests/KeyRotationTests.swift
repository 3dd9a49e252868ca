import Fluent
import Foundation
import RapportCore
@testable import RapportServer
@testable import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Keys that can be rotated (issue 12, point 6): `rapport keys rotate-master` and `rotate-practice` run as a second
/// process on the database a server is serving from. Under a steady load of reads and writes no request fails, and
/// afterwards a server started from the key files alone (the retired one destroyed) opens everything, old and new.
@Suite struct KeyRotationTests {
    actor Flag {
        private(set) var isSet = false
        func set() { isSet = true }
    }

    /// A server and an operator's command, two applications on one database (an SQLite file, or one PostgreSQL
    /// schema), with the master key in a file in `dataDirectory`.
    struct Installation {
        let configuration: RapportConfiguration
        let schema: String?

        static func make() -> Installation {
            let dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("rapport-keys-\(UUID().uuidString)")
            let (choice, schema) = TestDatabase.choice()
            let database = schema == nil ? .sqliteFile(path: (dataDirectory as NSString).appendingPathComponent("rapport.sqlite")) : choice
            return Installation(configuration: RapportConfiguration(
                dataDirectory: dataDirectory, hostname: "127.0.0.1", port: 8080, database: database,
                passwordHashCost: 4, signInFailureLimit: 5), schema: schema)
        }

        func start() async throws -> Application {
            let app = try await Application.make(.testing)
            app.logger.logLevel = .error
            do {
                try await RapportApp.configure(app, configuration)
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            return app
        }

        /// Runs `body` with `app`, then drops the test's database and files, whether `body` threw or not.
        func using(_ app: Application, _ body: (Application) async throws -> Void) async throws {
            do {
                try await body(app)
            } catch {
                try? await remove(app)
                throw error
            }
            try await remove(app)
        }

        /// Drops the test's database and files with `app`, which may have been shut down already (a test that failed
        /// after restarting): then a new one connects, only to drop the schema.
        func remove(_ app: Application) async throws {
            if app.didShutdown {
                if schema != nil { try await remove(try await start()) }
                try? FileManager.default.removeItem(atPath: configuration.dataDirectory)
                return
            }
            if let schema, let sql = app.db as? any SQLDatabase {
                try await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
            }
            try await app.asyncShutdown()
            try? FileManager.default.removeItem(atPath: configuration.dataDirectory)
        }
    }

    /// Reads and writes a record, the client's own portal and the caseload, from `workers` tasks at once, until
    /// `done` is set; returns every status that was not a success, and the note texts written.
    static func load(_ app: Application, record: String, therapist: Browser, client: Browser, workers: Int,
                     until done: Flag) async throws -> (failures: [String], notes: [String]) {
        try await withThrowingTaskGroup(of: ([String], [String]).self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var failures: [String] = []
                    var notes: [String] = []
                    var round = 0
                    while await !done.isSet || round < 2 {
                        round += 1
                        let text = "Written under load \(worker)-\(round)."
                        let (headers, body) = therapist.form(["body": text])
                        try await app.testing().test(.POST, "\(record)/progress-notes", headers: headers, body: body) {
                            if $0.status == .seeOther { notes.append(text) } else { failures.append("POST note \($0.status.code)") }
                        }
                        for (path, browser) in [(record, therapist), ("/clients", therapist), ("/me", client)] {
                            try await app.testing().test(.GET, path, headers: browser.headers) {
                                if $0.status != .ok { failures.append("GET \(path) \($0.status.code)") }
                            }
                        }
                    }
                    return (failures, notes)
                }
            }
            var all: ([String], [String]) = ([], [])
            for try await (failures, notes) in group { all.0 += failures; all.1 += notes }
            return all
        }
    }

    @Test func rotatingBothKeysUnderLoadLosesNoRequestAndNoData() async throws {
        let installation = Installation.make()
        let server = try await installation.start()
        let practice = TestPractice(app: server, clock: server.rapport.clock)
        do {
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist, name: "Marker Rotating Client")
            let clientID = try #require(client.user.clientID)
            let record = "/clients/\(clientID.uuidString.lowercased())"
            let therapistBrowser = Browser(sessionToken: try await practice.signIn(therapist))
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            let (headers, body) = therapistBrowser.form(["body": "Written before the rotation."])
            try await server.testing().test(.POST, "\(record)/progress-notes", headers: headers, body: body) { #expect($0.status == .seeOther) }

            // The operator's command, as another process on the same database and key files.
            let command = try await installation.start()
            let done = Flag()
            async let loaded = Self.load(server, record: record, therapist: therapistBrowser, client: clientBrowser, workers: 4, until: done)
            // Meanwhile practices are set up and clients join: keys made while the rotation runs must end up under the new key too.
            async let newcomers: [(TestPractice.Person, TestPractice.Person)] = {
                var made: [(TestPractice.Person, TestPractice.Person)] = []
                var round = 0
                while await !done.isSet || round < 2 {
                    round += 1
                    let newOwner = try await practice.newPractice("N\(round)")
                    let newTherapist = try await practice.newTherapist(in: newOwner)
                    made.append((newOwner, try await practice.newClient(of: newTherapist, name: "Newcomer \(round)")))
                }
                return made
            }()
            let rotated: (KeyRotation.MasterReport, [KeyRotation.PracticeReport], KeyRotation.MasterReport)
            do {
                try await Task.sleep(for: .milliseconds(100))
                let first = try await KeyRotation.rotateMaster(command, pause: .milliseconds(100))
                let practices = try await KeyRotation.rotatePractice(command)
                let second = try await KeyRotation.rotateMaster(command, pause: .milliseconds(100))
                rotated = (first, practices, second)
            } catch {
                await done.set()
                _ = try? await loaded
                _ = try? await newcomers
                try? await command.asyncShutdown()
                throw error
            }
            await done.set()
            let (failures, notes) = try await loaded
            let joined = try await newcomers
            try await command.asyncShutdown()

            #expect(failures.isEmpty, "every request under load succeeded: \(failures.prefix(5))")
            #expect(server.rapport.keys.vault.masterVersions.contains(3), "the serving process learned the new master keys without a restart")
            #expect(notes.count >= 8)
            #expect(rotated.0.newVersion == 2 && rotated.2.newVersion == 3)
            #expect(rotated.0.practiceKeysRewrapped >= 1 && rotated.2.practiceKeysRewrapped >= 2, "each pass re-wraps every practice key")
            #expect(rotated.1.count >= 1 && rotated.1.allSatisfy { $0.newVersion == 2 })
            #expect(joined.count >= 2)

            // The key files: the current key, and the retired ones until the operator destroys them.
            let keyFile = installation.configuration.masterKeyFile
            #expect(!FileManager.default.fileExists(atPath: keyFile + ".next"))
            #expect(FileManager.default.fileExists(atPath: keyFile + ".retired-v1") && FileManager.default.fileExists(atPath: keyFile + ".retired-v2"))
            let retired = try MasterKey.load(from: keyFile + ".retired-v1")
            let wraps = try await MasterKeyRing.storedWraps(on: server.db)
            for key in wraps.practiceKeys {
                #expect(try Vault.masterVersion(ofWrapped: key.wrapped) == 3)
                // Labelled with the wrap's own version, so only the key itself can fail to open it.
                #expect(throws: VaultError.decryptionFailed) { try Vault(masterKey: retired, version: 3).unwrapPracticeKey(practiceID: key.practiceID, version: key.version, wrapped: key.wrapped) }
            }
            try await server.asyncShutdown()

            // A restart with the retired keys destroyed: everything written before and during opens, and signing in
            // still works (blind indexes and password salts come from the index root, which rotation keeps).
            for version in [1, 2] { try FileManager.default.removeItem(atPath: keyFile + ".retired-v\(version)") }
            try await installation.using(try await installation.start()) { restarted in
                let (user, _) = try await People(app: restarted).checkPassword(email: client.email, password: client.password)
                #expect(user.id == client.id)
                let fresh = Browser(sessionToken: try await TestPractice(app: restarted, clock: restarted.rapport.clock).signIn(therapist))
                try await restarted.testing().test(.GET, record, headers: fresh.headers) { response in
                    #expect(response.status == .ok)
                    let html = response.body.string
                    #expect(html.contains("Marker Rotating Client"))
                    #expect(html.contains("Written before the rotation."))
                }
                let scope = ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [therapist.id])
                let record = try await TestPractice(app: restarted, clock: restarted.rapport.clock)
                    .record(therapist.actor, .listProgressNotes, scope)
                let opened = try await Notes.progressNotes(in: record).map(\.body)
                #expect(Set(notes + ["Written before the rotation."]).isSubset(of: Set(opened)), "every acknowledged note opens")
                // Every practice and client that joined during the rotations opens with the new key alone.
                for (newOwner, newClient) in joined {
                    let key = try await restarted.rapport.keys.clientKey(clientID: try #require(newClient.user.clientID),
                                                                         practiceID: newOwner.user.practiceID, on: restarted.db)
                    let row = try #require(try await ClientRow.find(newClient.user.clientID, on: restarted.db))
                    #expect(try restarted.rapport.keys.open(row.nameEnvelope, key: key, ClientRow.schema, "name", row: row.id!).hasPrefix("Newcomer"))
                }
                // A new practice set up after the rotations wraps its key under the newest master key.
                _ = try await TestPractice(app: restarted, clock: restarted.rapport.clock).newPractice("B")
                let newest = try await MasterKeyRing.storedWraps(on: restarted.db).practiceKeys.last
                #expect(try newest.map { try Vault.masterVersion(ofWrapped: $0.wrapped) } == 3)
            }
        } catch {
            try? await installation.remove(server)
            throw error
        }
    }

    @Test func anInterruptedMasterRotationStillStartsAndTheCommandFinishesIt() async throws {
        let installation = Installation.make()
        let server = try await installation.start()
        let practice = TestPractice(app: server, clock: server.rapport.clock)
        do {
            let owner = try await practice.newPractice("A")
            _ = try await practice.newPractice("B")
            // As if the command stopped after writing the next key and re-wrapping one of the two practice keys.
            let keyFile = installation.configuration.masterKeyFile
            let next = try #require(try MasterKey.createNew(at: keyFile + ".next"))
            let vault = try server.rapport.keys.vault.adding(next, version: 2)
            let practiceKey = try await server.rapport.keys.practiceKey(practiceID: owner.user.practiceID, on: server.db)
            let sql = try HotPaths.sql(server.db)
            try await sql.raw("""
                UPDATE "practice_keys" SET "wrapped_key" = \(bind: try vault.rewrapPracticeKey(practiceKey)) WHERE "practice_id" = \(bind: owner.user.practiceID)
                """).run()
            try await server.asyncShutdown()

            try await installation.using(try await installation.start()) { restarted in
                #expect(restarted.rapport.keys.vault.masterVersions == [1, 2], "both halves open after a restart")
                let (user, _) = try await People(app: restarted).checkPassword(email: owner.email, password: owner.password)
                #expect(user.id == owner.id)
                let report = try await KeyRotation.rotateMaster(restarted, pause: .zero)
                #expect(report.newVersion == 2 && report.practiceKeysRewrapped == 1, "the same rotation, finished")
                #expect(try MasterKey.load(from: keyFile).isSame(as: next))
                for key in try await MasterKeyRing.storedWraps(on: restarted.db).practiceKeys {
                    #expect(try Vault.masterVersion(ofWrapped: key.wrapped) == 2)
                }
            }
        } catch {
            try? await installation.remove(server)
            throw error
        }
    }

    @Test func aRotationInterruptedAfterEveryWrapMovedKeepsTheOldKeyUnderItsOwnVersion() async throws {
        let installation = Installation.make()
        try await installation.using(try await installation.start()) { server in
            let owner = try await TestPractice(app: server, clock: server.rapport.clock).newPractice("A")
            let keyFile = installation.configuration.masterKeyFile
            let old = try MasterKey.load(from: keyFile)
            // As if the command stopped after re-wrapping everything under the next key, before renaming the files.
            let next = try #require(try MasterKey.createNew(at: keyFile + ".next"))
            let vault = try server.rapport.keys.vault.adding(next, version: 2)
            let practiceKey = try await server.rapport.keys.practiceKey(practiceID: owner.user.practiceID, on: server.db)
            try await HotPaths.sql(server.db).raw("""
                UPDATE "practice_keys" SET "wrapped_key" = \(bind: try vault.rewrapPracticeKey(practiceKey))
                """).run()
            let report = try await KeyRotation.rotateMaster(server, pause: .zero)
            #expect(report.newVersion == 2 && report.retiredKeyFile.hasSuffix(".retired-v1"))
            #expect(try MasterKey.load(from: keyFile + ".retired-v1").isSame(as: old), "the old key, kept under its own version")
            #expect(try MasterKey.load(from: keyFile).isSame(as: next))
            // The next rotation keeps version 2's key as retired-v2, not over it.
            let third = try await KeyRotation.rotateMaster(server, pause: .zero)
            #expect(third.newVersion == 3)
            #expect(try MasterKey.load(from: keyFile + ".retired-v2").isSame(as: next))
        }
    }

    /// An erasure that reaches backups: after it, the practice's key is rotated with its earlier versions retired (every
    /// practice-level field sealed again first) and the master key rotated with its retired file destroyed. A backup
    /// made before the erasure then opens with nothing that remains, and everything live still opens.
    @Test func retiringEarlierKeysMakesAnErasureReachBackupsAndKeepsEverythingLiveReadable() async throws {
        let installation = Installation.make()
        let server = try await installation.start()
        let practice = TestPractice(app: server, clock: server.rapport.clock)
        do {
            let owner = try await practice.newPractice("A")
            let therapist = try await practice.newTherapist(in: owner, name: "Tom Ward")
            let erased = try await practice.newClient(of: therapist, name: "Marker Backed Up")
            let kept = try await practice.newClient(of: therapist, name: "Kept Client")
            let waiting = try await practice.people.inviteTherapist(by: owner.actor, name: "Wendy Waiting", email: "wendy@example.org")
            _ = waiting
            try await server.rapport.transactions.run(on: server.db) { [keys = server.rapport.keys, now = server.rapport.now] db in
                try await PracticeSettings.save(enabled: [], crisisResources: "Call the practice line on 0100 000 000.", by: owner.actor,
                                                keys: keys, now: now, on: db)
            }
            let keptScope = ClientScope(clientID: try #require(kept.user.clientID), practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let withheld = try await practice.record(therapist.actor, .recordDisclosure, keptScope)
            _ = try await Disclosures.record(.init(limit: "legal", recipient: "A court", shared: "Dates of sessions.", reason: "An order.",
                                                   withheldReason: "The court asked that the client not be told for now."), in: withheld)
            let note = try await practice.record(therapist.actor, .writeProgressNote, keptScope)
            _ = try await Notes.write(.progress, body: "Kept note, still readable.", in: note)

            // A backup made now: the practice's wrapped keys and the erased client's.
            let erasedID = try #require(erased.user.clientID)
            let backupPracticeKeys = try await HotPaths.practiceKeys(practiceID: owner.user.practiceID, on: server.db)
            let backupClientKey = try #require(try await HotPaths.clientKeys([erasedID], on: server.db)[erasedID])

            _ = try await Erasure.erase(clientID: erasedID, by: owner.actor, legalReason: "Court order 2026/77 requires erasure now.",
                                        clientAsked: false, services: server.rapport, on: server.db)
            let command = try await installation.start()
            let rotated = try await KeyRotation.rotatePractice(command)
            #expect(rotated.count == 1 && rotated[0].newVersion == 2)
            let retired = try await KeyRotation.retireEarlierPracticeKeys(command, practiceID: owner.user.practiceID, pause: .zero)
            #expect(retired.versionsDestroyed == [1] && retired.fieldsResealed >= 8, "names, emails, secrets, the practice, crisis, invitation, reason: \(retired.fieldsResealed)")
            _ = try await KeyRotation.rotateMaster(command, pause: .zero)
            try await command.asyncShutdown()
            try await server.asyncShutdown()
            let keyFile = installation.configuration.masterKeyFile
            try FileManager.default.removeItem(atPath: keyFile + ".retired-v1")

            try await installation.using(try await installation.start()) { restarted in
                // The backup opens with nothing that remains: no key file opens its practice key, and the live practice
                // key (version 2 only) does not open its client key.
                for remaining in try MasterKeyRing.keyFiles(beside: keyFile) {
                    for wrap in backupPracticeKeys {
                        #expect(throws: (any Error).self) {
                            try Vault(masterKey: remaining, version: 1).unwrapPracticeKey(practiceID: owner.user.practiceID, version: wrap.version, wrapped: wrap.wrapped)
                        }
                    }
                }
                // Nor does anything the database keeps under the current master key: the kept index root holds derived
                // keys only, none of which is the first master key.
                let state = try #require(try await MasterKeyRing.state(on: restarted.db))
                let current = try MasterKey.load(from: keyFile)
                let kept = try Envelope.open(state.wrappedIndexRoot, key: current.symmetricKey, kind: .master,
                                             version: UInt32(state.masterVersion), context: Vault.indexRootWrapContext)
                for chunk in stride(from: 0, to: kept.count, by: 32) {
                    let candidate = try MasterKey(rawBytes: kept[(kept.startIndex + chunk)..<(kept.startIndex + chunk + 32)])
                    for wrap in backupPracticeKeys {
                        #expect(throws: (any Error).self) {
                            try Vault(masterKey: candidate, version: 1).unwrapPracticeKey(practiceID: owner.user.practiceID, version: wrap.version, wrapped: wrap.wrapped)
                        }
                    }
                }
                let live = try await restarted.rapport.keys.practiceKey(practiceID: owner.user.practiceID, on: restarted.db)
                #expect(live.versions == [2])
                #expect(throws: VaultError.wrongKey) {
                    try restarted.rapport.keys.vault.unwrapClientKey(clientID: erasedID, version: backupClientKey.version, wrapped: backupClientKey.wrapped, under: live)
                }
                #expect(try await HotPaths.sql(restarted.db).raw(#"SELECT 1 AS "one" FROM "practice_keys" WHERE "version" = 1"#).first() == nil)

                // Everything live opens: sign-in, staff and practice names, crisis resources, the invitation, the owner's
                // reason, the kept client's note.
                let again = TestPractice(app: restarted, clock: restarted.rapport.clock)
                let (user, _) = try await People(app: restarted).checkPassword(email: therapist.email, password: therapist.password)
                #expect(user.id == therapist.id)
                let ownerBrowser = Browser(sessionToken: try await again.signIn(owner))
                try await restarted.testing().test(.GET, "/practice", headers: ownerBrowser.headers) { response in
                    let html = response.body.string
                    #expect(response.status == .ok && html.contains("Tom Ward") && html.contains("Practice A") && html.contains("Wendy Waiting"))
                }
                try await restarted.testing().test(.GET, "/practice/disclosures", headers: ownerBrowser.headers) { response in
                    #expect(response.body.string.contains("The court asked that the client not be told for now."))
                }
                try await restarted.testing().test(.GET, "/practice/settings", headers: ownerBrowser.headers) { response in
                    #expect(response.body.string.contains("Call the practice line on 0100 000 000."))
                }
                let record = try await again.record(therapist.actor, .listProgressNotes, keptScope)
                #expect(try await Notes.progressNotes(in: record).map(\.body) == ["Kept note, still readable."])
            }
        } catch {
            try? await installation.remove(server)
            throw error
        }
    }

    @Test func aServerWithoutTheNextKeyOfAnInterruptedRotationRefusesToStartAndSaysWhy() async throws {
        let installation = Installation.make()
        let server = try await installation.start()
        let owner = try await TestPractice(app: server, clock: server.rapport.clock).newPractice("A")
        let keyFile = installation.configuration.masterKeyFile
        let next = try #require(try MasterKey.createNew(at: keyFile + ".next"))
        let practiceKey = try await server.rapport.keys.practiceKey(practiceID: owner.user.practiceID, on: server.db)
        try await HotPaths.sql(server.db).raw("""
            UPDATE "practice_keys" SET "wrapped_key" = \(bind: try server.rapport.keys.vault.adding(next, version: 2).rewrapPracticeKey(practiceKey))
            """).run()
        _ = try await TestPractice(app: server, clock: server.rapport.clock).newPractice("B")
        let nextBytes = try Data(contentsOf: URL(fileURLWithPath: keyFile + ".next"))
        try FileManager.default.removeItem(atPath: keyFile + ".next")
        try await server.asyncShutdown()
        do {
            let started = try await installation.start()
            try? await installation.remove(started)
            Issue.record("started without the key that wrapped one practice's key")
        } catch let error as ConfigurationError {
            #expect(error.message.contains("master key version 2") && error.message.contains(".next"))
        }
        // With the next key back, it starts (and the test's database is removed the usual way).
        #expect(FileManager.default.createFile(atPath: keyFile + ".next", contents: nextBytes, attributes: [.posixPermissions: 0o600]))
        let restored = try await installation.start()
        #expect(restored.rapport.keys.vault.masterVersions == [1, 2])
        try await installation.remove(restored)
    }
}
