import FluentSQLiteDriver
import Foundation
import RapportVault

/// One row's columns, read by name, whichever driver read them.
///
/// Why two readers: SQLKit decodes every column of every row through `Decoder` (a generic container per value), and
/// on a record page with thirty sessions that was a tenth of the CPU, for the check-ins and sessions alone (`perf
/// record` under `scripts/bench --at-size`, 2026-12-05). On SQLite the rows are read straight from SQLiteNIO's values
/// instead; PostgreSQL rows keep SQLKit's decoding. Both readers give the same values (tested on both databases).
protocol RowCells {
    func uuid(_ column: String) throws -> UUID
    func optionalUUID(_ column: String) throws -> UUID?
    func string(_ column: String) throws -> String
    func optionalString(_ column: String) throws -> String?
    func int(_ column: String) throws -> Int
    func optionalInt(_ column: String) throws -> Int?
    func optionalDouble(_ column: String) throws -> Double?
    func bool(_ column: String) throws -> Bool
    func date(_ column: String) throws -> Date
    func optionalDate(_ column: String) throws -> Date?
    func data(_ column: String) throws -> Data
    func optionalData(_ column: String) throws -> Data?
}

/// A column that isn't in the row, or holds something its reader can't read as the type asked for.
struct UnreadableColumn: Error, CustomStringConvertible {
    let column: String
    var description: String { "The column \(column) could not be read." }
}

/// Rows as SQLKit decodes them (PostgreSQL, and anything else that isn't SQLite).
struct SQLRowCells: RowCells {
    let row: any SQLRow

    func uuid(_ column: String) throws -> UUID { try HotPaths.uuid(row, column) }
    func optionalUUID(_ column: String) throws -> UUID? { try HotPaths.optionalUUID(row, column) }
    func string(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
    func optionalString(_ column: String) throws -> String? { try row.decode(column: column, as: String?.self) }
    func int(_ column: String) throws -> Int { try row.decode(column: column, as: Int.self) }
    func optionalInt(_ column: String) throws -> Int? { try row.decode(column: column, as: Int?.self) }
    func optionalDouble(_ column: String) throws -> Double? { try row.decode(column: column, as: Double?.self) }
    func bool(_ column: String) throws -> Bool { try row.decode(column: column, as: Bool.self) }
    func date(_ column: String) throws -> Date { try row.decode(column: column, as: Date.self) }
    func optionalDate(_ column: String) throws -> Date? { try row.decode(column: column, as: Date?.self) }
    func data(_ column: String) throws -> Data { try row.decode(column: column, as: Data.self) }
    func optionalData(_ column: String) throws -> Data? { try row.decode(column: column, as: Data?.self) }
}

/// Rows as SQLiteNIO hands them over: each value already one of SQLite's five kinds. The conversions are SQLiteNIO's
/// own (`Date(sqliteData:)`, the integer and real accessors), so a value reads as SQLKit would read it.
struct SQLiteRowCells: RowCells {
    let row: SQLiteRow

    private func cell(_ column: String) throws -> SQLiteData {
        guard let value = row.column(column) else { throw UnreadableColumn(column: column) }
        return value
    }

    private func present(_ column: String) throws -> SQLiteData? {
        let value = try cell(column)
        return value.isNull ? nil : value
    }

    func uuid(_ column: String) throws -> UUID {
        guard let id = try optionalUUID(column) else { throw UnreadableColumn(column: column) }
        return id
    }

    func optionalUUID(_ column: String) throws -> UUID? {
        guard let value = try present(column) else { return nil }
        guard case .text(let text) = value, let id = UUID(canonicalText: text) ?? UUID(uuidString: text) else {
            throw UnreadableColumn(column: column)
        }
        return id
    }

    func string(_ column: String) throws -> String {
        guard let text = try optionalString(column) else { throw UnreadableColumn(column: column) }
        return text
    }

    func optionalString(_ column: String) throws -> String? {
        guard let value = try present(column) else { return nil }
        guard case .text(let text) = value else { throw UnreadableColumn(column: column) }
        return text
    }

    func int(_ column: String) throws -> Int {
        guard let number = try optionalInt(column) else { throw UnreadableColumn(column: column) }
        return number
    }

    func optionalInt(_ column: String) throws -> Int? {
        guard let value = try present(column) else { return nil }
        guard case .integer(let number) = value else { throw UnreadableColumn(column: column) }
        return Int(number)
    }

    func optionalDouble(_ column: String) throws -> Double? {
        guard let value = try present(column) else { return nil }
        switch value {
        case .float(let number): return number
        case .integer(let number): return Double(number)
        default: throw UnreadableColumn(column: column)
        }
    }

    func bool(_ column: String) throws -> Bool {
        guard let value = try present(column)?.bool else { throw UnreadableColumn(column: column) }
        return value
    }

    func date(_ column: String) throws -> Date {
        guard let date = try optionalDate(column) else { throw UnreadableColumn(column: column) }
        return date
    }

    func optionalDate(_ column: String) throws -> Date? {
        guard let value = try present(column) else { return nil }
        guard let date = Date(sqliteData: value) else { throw UnreadableColumn(column: column) }
        return date
    }

    func data(_ column: String) throws -> Data {
        guard let bytes = try optionalData(column) else { throw UnreadableColumn(column: column) }
        return bytes
    }

    func optionalData(_ column: String) throws -> Data? {
        guard let value = try present(column) else { return nil }
        guard case .blob(let buffer) = value else { throw UnreadableColumn(column: column) }
        return Data(buffer.readableBytesView)
    }
}

extension HotPaths {
    /// `SELECT <columns> FROM <table> WHERE "client_id" = <clientID> <orderBy>`, each row read as `RowCells`. `table`,
    /// `columns` and `orderBy` come from Rapport's code only; the client's id is bound.
    static func clientRows<T>(_ columns: [String], from table: String, clientID: UUID, orderBy: String = "",
                              on db: any Database, _ read: (any RowCells) throws -> T) async throws -> [T] {
        let select = "SELECT " + columns.map { "\"\($0)\"" }.joined(separator: ", ") + " FROM \"\(table)\" WHERE \"client_id\" = "
        if let sqlite = db as? any SQLiteDatabase {
            let rows = try await sqlite.query(select + "?" + (orderBy.isEmpty ? "" : " ORDER BY " + orderBy),
                                              [try SQLiteDataEncoder().encode(clientID)])
            return try rows.map { try read(SQLiteRowCells(row: $0)) }
        }
        let query = SQLQueryString(select) + "\(bind: clientID)" + SQLQueryString(orderBy.isEmpty ? "" : " ORDER BY " + orderBy)
        return try await sql(db).raw(query).all().map { try read(SQLRowCells(row: $0)) }
    }
}
