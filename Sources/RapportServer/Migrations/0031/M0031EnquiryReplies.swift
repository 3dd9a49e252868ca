import Fluent
import SQLKit

/// An enquiry answered by email (issue 11, points 1 and 3): the outbox row names the enquiry, whose sealed address the
/// email goes to.
struct M0031EnquiryReplies: AsyncMigration {
    var name: String { "0031-enquiry-replies" }

    func prepare(on database: any Database) async throws {
        // No foreign key: an enquiry is erased after its retention period, and its sent reply stays as a record.
        try await database.schema("notification_outbox").field("enquiry_id", .uuid).update()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE \"notification_outbox\" DROP COLUMN \"enquiry_id\"").run()
    }
}
