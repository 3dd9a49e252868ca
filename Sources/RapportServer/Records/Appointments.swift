import Fluent
import Foundation
import RapportCore
import RapportVault

/// A session as pages and the API show it.
struct AppointmentView: Sendable, Codable {
    let id: UUID
    let clientID: UUID
    let therapistID: UUID
    let startsAt: Date
    let durationMinutes: Int
    let location: String?
    let cancelled: Bool
    let attendance: Attendance?
    let lateMinutes: Int?

    /// The session as check-ins see it: times and attendance, nothing sealed.
    var slot: AppointmentSlot {
        AppointmentSlot(id: id, start: startsAt, minutes: durationMinutes, cancelled: cancelled, attendance: attendance)
    }

    enum CodingKeys: String, CodingKey {
        case id, location, cancelled, attendance
        case clientID = "client_id"
        case therapistID = "therapist_id"
        case startsAt = "starts_at"
        case durationMinutes = "duration_minutes"
        case lateMinutes = "late_minutes"
    }
}

/// Scheduling and attendance, on the `ClientRecord` that `withClientRecord` opened (policy asked, access audited).
enum Appointments {
    /// A session as asked for, before it is checked. (Not "Request": that is Vapor's HTTP request.)
    struct Booking: Sendable {
        /// Nil when what was typed is not a date and time.
        var start: Date?
        /// The field to blame when `start` is missing: `date` on the page, `starts_at` in the API.
        var startField: String
        var lengthMinutes: Int?
        var location: String
    }

    /// Parses the practice-local date and time a therapist typed.
    static func start(date: String, time: String, in zone: TimeZone) -> Date? {
        // Every part is range-checked before it becomes a date component: a year of Int.max must not reach Calendar.
        let dateParts = date.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let timeParts = time.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard dateParts.count == 3, (2...3).contains(timeParts.count),
              let year = InputRules.integer(dateParts[0], in: 1900...9999),
              let month = InputRules.integer(dateParts[1], in: 1...12),
              let day = InputRules.integer(dateParts[2], in: 1...31),
              let hour = InputRules.integer(timeParts[0], in: 0...23),
              let minute = InputRules.integer(timeParts[1], in: 0...59)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    static func schedule(_ booking: Booking, in record: ClientRecord) async throws -> AppointmentView {
        let now = record.now
        var problems: [FieldProblem] = []
        let start = booking.start
        if start == nil {
            problems.append(FieldProblem(field: booking.startField, message: "Please give the date and time of the session, e.g. 2026-12-01 and 14:00."))
        } else if let start, start < now.addingTimeInterval(-7 * 86400) {
            problems.append(FieldProblem(field: booking.startField, message: "That date is more than a week ago. Please check the year and month."))
        } else if let start, start > now.addingTimeInterval(2 * 366 * 86400) {
            problems.append(FieldProblem(field: booking.startField, message: "That date is more than two years ahead. Please check the year."))
        }
        if let problem = AppointmentRules.lengthProblem(booking.lengthMinutes) { problems.append(problem) }
        let location = booking.location.trimmingCharacters(in: .whitespacesAndNewlines)
        if InputRules.isTooLong(booking.location, maximum: AppointmentRules.maximumLocationLength) {
            problems.append(FieldProblem(field: "location", message: "Please keep the place under \(AppointmentRules.maximumLocationLength) characters."))
        }
        guard problems.isEmpty, let start, let minutes = booking.lengthMinutes else { throw RecordError.invalid(problems) }
        let row = AppointmentRow()
        let id = UUID()
        row.id = id
        row.practiceID = record.practiceID
        row.clientID = record.clientID
        row.therapistID = record.actor.userID
        row.startsAt = start
        row.durationMinutes = minutes
        row.locationEnvelope = location.isEmpty ? nil : try record.seal(location, AppointmentRow.schema, "location", row: id)
        row.cancelled = false
        row.createdAt = now
        try await row.create(on: record.db)
        return try view(row, in: record)
    }

    static func view(_ row: AppointmentRow, in record: ClientRecord) throws -> AppointmentView {
        let id = try row.requireID()
        return AppointmentView(
            id: id, clientID: row.clientID, therapistID: row.therapistID, startsAt: row.startsAt, durationMinutes: row.durationMinutes,
            location: try row.locationEnvelope.map { try record.open($0, AppointmentRow.schema, "location", row: id) },
            cancelled: row.cancelled, attendance: row.attendance.flatMap(Attendance.init(rawValue:)), lateMinutes: row.lateMinutes)
    }

    /// The client's sessions, oldest first.
    static func all(in record: ClientRecord) async throws -> [AppointmentView] {
        let rows = try await AppointmentRow.query(on: record.db).filter(\.$clientID == record.clientID).sort(\.$startsAt).all()
        return try rows.map { try view($0, in: record) }
    }

    /// One of the client's sessions, or nil when the id is not theirs.
    static func one(_ appointmentID: UUID, in record: ClientRecord) async throws -> AppointmentRow? {
        try await AppointmentRow.query(on: record.db).filter(\.$id == appointmentID).filter(\.$clientID == record.clientID).first()
    }

    static func recordAttendance(_ appointmentID: UUID, attendance: Attendance?, lateMinutes: Int?, in record: ClientRecord) async throws {
        let now = record.now
        guard let row = try await one(appointmentID, in: record)
        else { throw RecordError.notFound }
        if let problem = AppointmentRules.attendanceProblem(attendance, lateMinutes: lateMinutes) { throw RecordError.invalid([problem]) }
        // A late cancellation is known before the session; everything else only once it has started.
        guard row.startsAt <= now || attendance == .cancelledLate else {
            throw RecordError.conflict("This session hasn't started yet. Record attendance once it has, or mark it as cancelled late.")
        }
        row.attendance = attendance?.rawValue
        row.lateMinutes = attendance == .late ? lateMinutes : nil
        // Cancelled sessions leave the client's list and show as cancelled in calendars.
        row.cancelled = attendance == .cancelledLate
        try await row.update(on: record.db)
    }
}
