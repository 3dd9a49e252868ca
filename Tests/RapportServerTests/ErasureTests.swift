import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import RapportVault
import SQLKit
import Testing
import Vapor
import VaporTesting

/// Erasure that really erases (issue 12, point 5): after `rapport keys erase-client`, nothing of the client opens,
/// even with the master key; no row of theirs is left in any table; the wrapped key is not left in the database
/// file's free space; the audit trail keeps its entries and verifies; other clients are untouched.
@Suite struct ErasureTests {
    /// Every table with a `client_id` column, from the live schema (so a table added later is checked too).
    static func tablesWithClientColumn(_ db: any Database) async throws -> [String] {
        let sql = try HotPaths.sql(db)
        if TestDatabase.postgresURL == nil {
            let tables = try await sql.raw(#"SELECT "name" FROM "sqlite_master" WHERE "type" = 'table'"#).all()
                .map { try $0.decode(column: "name", as: String.self) }
            var found: [String] = []
            for table in tables where !table.hasPrefix("sqlite_") {
                let columns = try await sql.raw("SELECT \"name\" FROM pragma_table_info(\(bind: table))").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                if columns.contains("client_id") { found.append(table) }
            }
            return found
        }
        return try await sql.raw("""
            SELECT "table_name" FROM "information_schema"."columns" WHERE "column_name" = 'client_id' AND "table_schema" = current_schema()
            """).all().map { try $0.decode(column: "table_name", as: String.self) }
    }

    static func bytes(of path: String) -> Data {
        (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
    }

    @Test func afterErasureNothingOfTheClientOpensAndTheTrailStillVerifies() async throws {
        let installation = KeyRotationTests.Installation.make()
        try await installation.using(try await installation.start()) { app in
            let practice = TestPractice(app: app, clock: app.rapport.clock)
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist, name: "Marker Erasable Client")
            let kept = try await practice.newClient(of: therapist, name: "Kept Client")
            let clientID = try #require(client.user.clientID)
            let keptID = try #require(kept.user.clientID)
            let record = "/clients/\(clientID.uuidString.lowercased())"
            let browser = Browser(sessionToken: try await practice.signIn(therapist))
            for (path, text) in [("\(record)/progress-notes", "MARKER-ERASE-NOTE"), ("\(record)/psychotherapy-notes", "MARKER-ERASE-PROCESS"),
                                 ("/clients/\(keptID.uuidString.lowercased())/progress-notes", "Kept note.")] {
                let (headers, body) = browser.form(["body": text])
                try await app.testing().test(.POST, path, headers: headers, body: body) { #expect($0.status == .seeOther) }
            }
            try await app.testing().test(.GET, record, headers: browser.headers) { #expect($0.status == .ok) }
            // A held session with a PHQ-9 entered in the room (a risk answer, so a risk alert too), and a message: rows in
            // the tables that hang off each other, deleted in order on both databases.
            let booking = try await practice.record(therapist.actor, .scheduleAppointment,
                                                    ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [therapist.id]))
            let held = try await Appointments.schedule(.init(start: Date().addingTimeInterval(-2 * 3600), startField: "date", lengthMinutes: 50,
                                                             location: ""), in: booking).id
            var fields = ["comment": ""]
            for (index, value) in [1, 2, 1, 0, 1, 2, 1, 0, 1].enumerated() { fields["item-\(index + 1)"] = String(value) }
            let (entryHeaders, entryBody) = browser.form(fields)
            try await app.testing().test(.POST, "\(record)/check-ins/\(held.lowercasedText)/phq-9", headers: entryHeaders, body: entryBody) {
                #expect($0.status == .seeOther)
            }
            #expect(try await RiskAlertRow.query(on: app.db).filter(\.$clientID == clientID).count() == 1)
            let clientBrowser = Browser(sessionToken: try await practice.signIn(client))
            let (messageHeaders, messageBody) = clientBrowser.form(["body": "MARKER-ERASE-MESSAGE"])
            try await app.testing().test(.POST, "/me/messages", headers: messageHeaders, body: messageBody) { #expect($0.status == .seeOther) }
            try await app.testing().test(.GET, "/me", headers: clientBrowser.headers) { #expect($0.status == .ok) }

            // What a copy of the database made now would hold of theirs: the wrapped key and a sealed note.
            let sql = try HotPaths.sql(app.db)
            let wrappedKey = try #require(try await sql.raw(#"SELECT "wrapped_key" FROM "client_keys" WHERE "client_id" = \#(bind: clientID)"#)
                .first()).decode(column: "wrapped_key", as: Data.self)
            let noteRow = try #require(try await ProgressNoteRow.query(on: app.db).filter(\.$clientID == clientID).first())
            let scope = ClientScope(clientID: clientID, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            let opened = try await practice.record(therapist.actor, .listProgressNotes, scope)
            #expect(try await Notes.progressNotes(in: opened).map(\.body) == ["MARKER-ERASE-NOTE"])
            let databaseFile: String? = if case .sqliteFile(let path) = installation.configuration.database { path } else { nil }
            if let databaseFile {
                try await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
                #expect(Self.bytes(of: databaseFile).range(of: wrappedKey) != nil, "the check below can fail: the key is in the file now")
            }

            // Refused first: the client has not asked and the retention period has not passed. Nothing changes.
            let entriesBefore = try await practice.auditCount()
            await #expect(throws: Erasure.Refused.self) {
                try await Erasure.erase(clientID: clientID, by: nil, legalReason: nil, clientAsked: false, services: app.rapport, on: app.db)
            }
            try await sql.raw("UPDATE \"clients\" SET \"ended_at\" = \(bind: Date().addingTimeInterval(-2 * 365 * 86_400)) WHERE \"id\" = \(bind: clientID)").run()
            do {
                _ = try await Erasure.erase(clientID: clientID, by: nil, legalReason: nil, clientAsked: true, services: app.rapport, on: app.db)
                Issue.record("erased two years after the ending, with seven years to keep")
            } catch let refused as Erasure.Refused {
                #expect(refused.description.contains("7 years") && refused.description.contains("may not be erased before"))
            }
            #expect(try await practice.auditCount() == entriesBefore)
            #expect(try await sql.raw(#"SELECT 1 AS "one" FROM "client_keys" WHERE "client_id" = \#(bind: clientID)"#).first() != nil)

            // Eight years after the ending, at the client's request: erased.
            try await sql.raw("UPDATE \"clients\" SET \"ended_at\" = \(bind: Date().addingTimeInterval(-8 * 366 * 86_400)) WHERE \"id\" = \(bind: clientID)").run()
            let report = try await Erasure.erase(clientID: clientID, by: nil, legalReason: nil, clientAsked: true, services: app.rapport, on: app.db)
            #expect(report.basis == .retentionPassed)

            // No row of theirs anywhere but the trail and the ledger of erasures.
            for table in try await Self.tablesWithClientColumn(app.db) where !["audit_entries", "client_erasures"].contains(table) {
                let left = try await sql.raw("SELECT COUNT(*) AS \"n\" FROM \(ident: table) WHERE \"client_id\" = \(bind: clientID)").first()?
                    .decode(column: "n", as: Int.self)
                #expect(left == 0, "rows left in \(table)")
            }
            for (table, column) in [("clients", "id"), ("check_in_plans", "id")] {
                #expect(try await sql.raw("SELECT 1 AS \"one\" FROM \(ident: table) WHERE \(ident: column) = \(bind: clientID)").first() == nil)
            }
            #expect(try await UserRow.find(client.id, on: app.db) == nil, "their account is gone: nobody signs in as them")

            // Even with the master key: no key of theirs is left to unwrap, so the copied note stays sealed.
            await #expect(throws: (any Error).self) {
                _ = try await app.rapport.keys.clientKey(clientID: clientID, practiceID: owner.user.practiceID, on: app.db)
            }
            #expect(try await HotPaths.clientKeys([clientID], on: app.db).isEmpty, "no wrapped key of theirs is left to open the copied note")
            _ = noteRow
            if let databaseFile {
                #expect(Self.bytes(of: databaseFile).range(of: wrappedKey) == nil, "the wrapped key is not left in the file's free space")
                #expect(Self.bytes(of: databaseFile + "-wal").range(of: wrappedKey) == nil, "nor in the write-ahead log")
            }

            // The trail keeps its entries about them and still verifies; the erasure is the newest.
            #expect(try await AuditVerifier.verify(on: app.db) == .ok(count: entriesBefore + 1))
            let newest = try #require(try await AuditEntryRow.query(on: app.db).sort(\.$sequence, .descending).first())
            #expect(newest.action == Action.eraseClientRecord.rawValue && newest.clientID == clientID && newest.actorRole == "operator")
            #expect(try await AuditEntryRow.query(on: app.db).filter(\.$clientID == clientID).count() > 3)

            // The therapist's caseload goes on without them; their record is not there; the other client is whole.
            try await app.testing().test(.GET, "/clients", headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("Kept Client") && !response.body.string.contains("Marker Erasable"))
            }
            try await app.testing().test(.GET, record, headers: browser.headers) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/me", headers: clientBrowser.headers) { #expect($0.status != .ok) }
            let keptScope = ClientScope(clientID: keptID, practiceID: owner.user.practiceID, careTeam: [therapist.id])
            #expect(try await Notes.progressNotes(in: try await practice.record(therapist.actor, .listProgressNotes, keptScope)).map(\.body) == ["Kept note."])

            // Once erased, asked again: said so, and nothing written.
            do {
                _ = try await Erasure.erase(clientID: clientID, by: nil, legalReason: "A court order requires it.", clientAsked: false, services: app.rapport, on: app.db)
                Issue.record("erased twice")
            } catch let refused as Erasure.Refused {
                #expect(refused.description.contains("already erased"))
            }
        }
    }

    @Test func anOwnersLegalReasonAllowsAnEarlyErasureAndIsKeptSealed() async throws {
        try await TestPractice.run { practice in
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            let client = try await practice.newClient(of: therapist)
            let clientID = try #require(client.user.clientID)
            do {
                _ = try await Erasure.erase(clientID: clientID, by: owner.actor, legalReason: "too short", clientAsked: false,
                                            services: practice.app.rapport, on: practice.app.db)
                Issue.record("a reason of nine characters was accepted")
            } catch let refused as Erasure.Refused {
                #expect(refused.description.contains("10 to 1000 characters"))
            }
            let other = try await practice.newPractice("B")
            await #expect(throws: Erasure.Refused.self) {
                try await Erasure.erase(clientID: clientID, by: other.actor, legalReason: "Court order 123 says so.", clientAsked: false,
                                        services: practice.app.rapport, on: practice.app.db)
            }
            let reason = "Court order 2026/77 requires erasure now."
            let report = try await Erasure.erase(clientID: clientID, by: owner.actor, legalReason: reason, clientAsked: false,
                                                 services: practice.app.rapport, on: practice.app.db)
            #expect(report.basis == .legalReason)
            let sql = try HotPaths.sql(practice.app.db)
            let row = try #require(try await sql.raw(#"SELECT "id", "reason_envelope", "erased_by" FROM "client_erasures" WHERE "client_id" = \#(bind: clientID)"#).first())
            let envelope = try row.decode(column: "reason_envelope", as: Data.self)
            #expect(envelope.range(of: Data(reason.utf8)) == nil)
            let key = try await practice.app.rapport.keys.practiceKey(practiceID: owner.user.practiceID, on: practice.app.db)
            #expect(try practice.app.rapport.keys.open(envelope, key: key, "client_erasures", "reason", row: try row.decode(column: "id", as: UUID.self)) == reason)
            #expect(try row.decode(column: "erased_by", as: UUID?.self) == owner.id)
            let newest = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(newest.action == Action.eraseClientRecord.rawValue && newest.actorID == owner.id && newest.actorRole == "owner")
        }
    }
}
