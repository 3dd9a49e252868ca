import Fluent
import SQLKit

/// The client's own progress page (issue 10, point 6): each client chooses whether it shows their scores as numbers
/// and words, or in words only. Existing clients see both, as before.
struct M0018ProgressInWords: AsyncMigration {
    var name: String { "0018-progress-in-words" }

    func prepare(on database: any Database) async throws {
        try await database.schema("clients").field("progress_words_only", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("clients").deleteField("progress_words_only").update()
    }
}
