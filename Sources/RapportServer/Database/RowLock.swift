import Fluent
import Foundation
import SQLKit

/// A row's write lock, taken by writing a column to itself: a transaction that reads a row to decide a change
/// (is this session still on? does this owner still see clients?) takes it first, so two such transactions on the
/// same row run one after the other and the second decides on what the first left (PostgreSQL's read committed
/// would otherwise let both read the old row; SQLite runs one writer at a time anyway).
enum RowLock {
    static func take(_ table: String, id: UUID, column: String, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.update(table)
            .set(SQLIdentifier(column), to: SQLIdentifier(column))
            .where(SQLIdentifier("id"), .equal, SQLBind(id))
            .run()
    }
}
