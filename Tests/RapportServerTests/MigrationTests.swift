import Fluent
import Foundation
@testable import RapportServer
import Testing
import Vapor

@Suite struct MigrationTests {
    /// Every migration reverts cleanly and applies again, on whichever database the suite runs against.
    @Test func migrationsRevertAndReapply() async throws {
        try await TestPractice.run { practice in
            _ = try await practice.newPractice()
            try await practice.app.autoRevert()
            try await practice.app.autoMigrate()
            #expect(try await PracticeRow.query(on: practice.app.db).count() == 0)
            // The fresh schema works end to end: a practice, a therapist and a client again.
            let owner = try await practice.newPractice()
            let therapist = try await practice.newTherapist(in: owner)
            _ = try await practice.newClient(of: therapist)
            #expect(try await RapportApp.verifyAuditTrail(practice.app) == .ok(count: 1))
        }
    }
}
