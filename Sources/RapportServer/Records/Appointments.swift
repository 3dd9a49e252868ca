import Fluent
import Foundation
import RapportCore
import RapportVault

/// A session as pages and the API show it.
extension Array where Element == AppointmentView {
    /// Each session's start by its id: where check-ins, feedback and ruptures are placed in time.
    var startsByID: [UUID: Date] { Dictionary(map { ($0.id, $0.startsAt) }, uniquingKeysWith: { first, _ in first }) }
}

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
    /// Where it was before it was last moved.
    var movedFrom: Date? = nil
    var cancelledAt: Date? = nil
    /// The weekly or fortnightly series it was booked in.
    var seriesID: UUID? = nil

    var cancellation: Cancellation? {
        guard cancelled else { return nil }
        return attendance == .cancelledLate ? .late : .inGoodTime
    }

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
        case movedFrom = "moved_from"
        case cancelledAt = "cancelled_at"
        case seriesID = "series_id"
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
        /// Weekly or fortnightly, and how many sessions; nil for one session.
        var repeats: Repeats?
        /// The practice's zone, in which a series keeps its time of day.
        var zone = TimeZone(identifier: "UTC")!
    }

    struct Repeats: Sendable {
        /// 1 or 2; nil when what was sent is not one of them.
        var everyWeeks: Int?
        var count: Int?
    }

    /// A booking that passed its checks.
    private struct CheckedBooking {
        let starts: [Date]
        let minutes: Int
        let location: String
        let everyWeeks: Int?
    }

    /// Every rule a booking or a change must meet, with a message per field.
    private static func check(_ booking: Booking, now: Date) throws -> CheckedBooking {
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
        var starts = start.map { [$0] } ?? []
        if let repeats = booking.repeats {
            if let weeks = repeats.everyWeeks, SessionSeries.intervals.contains(weeks) {
                if let count = repeats.count, SessionSeries.counts.contains(count) {
                    if let start {
                        starts = SessionSeries.starts(first: start, everyWeeks: weeks, count: count, in: booking.zone)
                        if starts.isEmpty {
                            problems.append(FieldProblem(field: booking.startField, message: "Those sessions can't be placed on the calendar from this date. Please choose another."))
                        } else if let last = starts.last, last > now.addingTimeInterval(2 * 366 * 86400) {
                            problems.append(FieldProblem(field: "count", message: "The last of these sessions would be more than two years ahead. Please book fewer."))
                        }
                    }
                } else {
                    problems.append(FieldProblem(field: "count", message: "Please give how many sessions to book, from \(SessionSeries.counts.lowerBound) to \(SessionSeries.counts.upperBound)."))
                }
            } else {
                problems.append(FieldProblem(field: "repeats", message: "Please choose every week or every two weeks."))
            }
        }
        guard problems.isEmpty, let minutes = booking.lengthMinutes, !starts.isEmpty else { throw RecordError.invalid(problems) }
        return CheckedBooking(starts: starts, minutes: minutes, location: location, everyWeeks: booking.repeats?.everyWeeks)
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

    /// Books one session, or a weekly or fortnightly series of them in one step (all or none). Returns the first.
    @discardableResult
    static func schedule(_ booking: Booking, in record: ClientRecord) async throws -> AppointmentView {
        try await scheduleAll(booking, in: record)[0]
    }

    static func scheduleAll(_ booking: Booking, in record: ClientRecord) async throws -> [AppointmentView] {
        let now = record.now
        let checked = try check(booking, now: now)
        var seriesID: UUID?
        if let everyWeeks = checked.everyWeeks {
            let series = AppointmentSeriesRow()
            let id = UUID()
            series.id = id
            series.practiceID = record.practiceID
            series.clientID = record.clientID
            series.therapistID = record.actor.userID
            series.startsAt = checked.starts[0]
            series.durationMinutes = checked.minutes
            series.intervalWeeks = everyWeeks
            series.count = checked.starts.count
            series.locationEnvelope = checked.location.isEmpty ? nil
                : try record.seal(checked.location, AppointmentSeriesRow.schema, "location", row: id)
            series.createdAt = now
            try await series.create(on: record.db)
            seriesID = id
        }
        var booked: [AppointmentView] = []
        for (index, start) in checked.starts.enumerated() {
            let row = AppointmentRow()
            let id = UUID()
            row.id = id
            row.practiceID = record.practiceID
            row.clientID = record.clientID
            row.therapistID = record.actor.userID
            row.startsAt = start
            row.durationMinutes = checked.minutes
            row.locationEnvelope = checked.location.isEmpty ? nil : try record.seal(checked.location, AppointmentRow.schema, "location", row: id)
            row.cancelled = false
            row.createdAt = now
            row.seriesID = seriesID
            row.seriesIndex = seriesID == nil ? nil : index
            row.refreshAttendedKey()
            try await row.create(on: record.db)
            booked.append(try view(row, in: record))
        }
        try await record.noteChange()
        return booked
    }

    /// Moves a session, or changes its length or place. Only a session still to come and not cancelled can change;
    /// the client sees the new time, and that it moved from the old one.
    static func change(_ appointmentID: UUID, to booking: Booking, in record: ClientRecord) async throws -> AppointmentView {
        let row = try await lockedForChange(appointmentID, in: record)
        let checked = try check(Booking(start: booking.start, startField: booking.startField, lengthMinutes: booking.lengthMinutes,
                                        location: booking.location), now: record.now)
        // Moving a session into the past would rewrite what happened; that is recorded as attendance instead.
        guard checked.starts[0] > record.now else {
            throw RecordError.invalid([FieldProblem(field: booking.startField,
                message: "A session can only be moved to a time still to come. For one that has happened, record what happened instead.")])
        }
        // The same minute is the same time: a form shows minutes, so saving only a new place doesn't "move" it.
        if (checked.starts[0].timeIntervalSince1970 / 60).rounded(.down) != (row.startsAt.timeIntervalSince1970 / 60).rounded(.down) {
            row.movedFrom = row.startsAt
            row.startsAt = checked.starts[0]
            // Check-ins answered ahead of the session move with it (their copy of its time and their outcome key,
            // migrations 0019 and 0021): a session has one per measure, so a handful of rows.
            for checkIn in try await CheckInRow.query(on: record.db).filter(\.$appointmentID == appointmentID).all() {
                checkIn.sessionStartsAt = checked.starts[0]
                checkIn.refreshOutcomeKey()
                try await checkIn.update(on: record.db)
            }
        }
        row.durationMinutes = checked.minutes
        row.locationEnvelope = checked.location.isEmpty ? nil
            : try record.seal(checked.location, AppointmentRow.schema, "location", row: appointmentID)
        row.refreshAttendedKey()
        try await row.update(on: record.db)
        try await record.noteChange()
        return try view(row, in: record)
    }

    /// Cancels a session still to come: in good time, or late (then it counts as a late cancellation, a behavioural
    /// marker). It stays in both histories with its status; no check-in is asked for it.
    static func cancel(_ appointmentID: UUID, _ cancellation: Cancellation, in record: ClientRecord) async throws -> AppointmentView {
        let row = try await lockedForChange(appointmentID, in: record)
        row.cancelled = true
        row.cancelledAt = record.now
        row.attendance = cancellation == .late ? Attendance.cancelledLate.rawValue : nil
        row.lateMinutes = nil
        row.refreshAttendedKey()
        try await row.update(on: record.db)
        try await record.noteChange()
        return try view(row, in: record)
    }

    /// The session, read after taking its row lock, and only if it can still change: a move and a cancellation sent
    /// at once run one after the other, and the second sees the first (a cancelled session is not moved afterwards).
    private static func lockedForChange(_ appointmentID: UUID, in record: ClientRecord) async throws -> AppointmentRow {
        // Locked by id before it is known to be this client's: the lock writes nothing, and the one read after it
        // (scoped to the client) decides.
        try await RowLock.take(AppointmentRow.schema, id: appointmentID, column: "cancelled", on: record.db)
        guard let row = try await one(appointmentID, in: record) else { throw RecordError.notFound }
        try changeable(row, now: record.now)
        return row
    }

    /// Why a session that has started can no longer change: said when a change is refused, and on its page.
    static let alreadyStarted = "This session has already started, so it can't be moved or cancelled. Record what happened instead."

    private static func changeable(_ row: AppointmentRow, now: Date) throws {
        if row.cancelled { throw RecordError.conflict("This session has been cancelled, so it can't be changed. Book a new one instead.") }
        if row.startsAt <= now { throw RecordError.conflict(alreadyStarted) }
    }

    static func view(_ row: AppointmentRow, in record: ClientRecord) throws -> AppointmentView {
        let id = try row.requireID()
        return AppointmentView(
            id: id, clientID: row.clientID, therapistID: row.therapistID, startsAt: row.startsAt, durationMinutes: row.durationMinutes,
            location: try row.locationEnvelope.map { try record.open($0, AppointmentRow.schema, "location", row: id) },
            cancelled: row.cancelled, attendance: row.attendance.flatMap(Attendance.init(rawValue:)), lateMinutes: row.lateMinutes,
            movedFrom: row.movedFrom, cancelledAt: row.cancelledAt, seriesID: row.seriesID)
    }

    /// The client's sessions, oldest first.
    static func all(in record: ClientRecord) async throws -> [AppointmentView] {
        let rows = try await AppointmentRow.all(clientID: record.clientID, on: record.db)
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
        // Cancelled in good time, it was never going to be held: recording attendance would quietly un-cancel it in
        // the client's lists and calendar, and count a withdrawal marker that isn't one.
        if row.cancelled && row.attendance != Attendance.cancelledLate.rawValue {
            throw RecordError.conflict("This session was cancelled in good time, so there is no attendance to record.")
        }
        // A late cancellation is known before the session; everything else only once it has started.
        guard row.startsAt <= now || attendance == .cancelledLate else {
            throw RecordError.conflict("This session hasn't started yet. Record attendance once it has, or mark it as cancelled late.")
        }
        row.attendance = attendance?.rawValue
        row.lateMinutes = attendance == .late ? lateMinutes : nil
        // A late cancellation recorded afterwards is a cancellation like any other: in both histories with its status,
        // and cancelled in calendars.
        row.cancelled = attendance == .cancelledLate
        if row.cancelled, row.cancelledAt == nil { row.cancelledAt = now }
        if !row.cancelled { row.cancelledAt = nil }
        row.refreshAttendedKey()
        try await row.update(on: record.db)
        try await record.noteChange()
    }
}
