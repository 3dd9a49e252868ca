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

    func brokenAt(_ practice: TestPractice) async throws -> Int64? {
        if case .broken(let sequence, _) = try await RapportApp.verifyAuditTrail(practice.app) { return sequence }
        return nil
    }
}
