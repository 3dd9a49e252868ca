public import Foundation

/// What the therapist records after a session time (PRODUCT.md: attendance is one of the behavioural markers of
/// withdrawal, so it is a code, kept in clear for analytics, never free text).
public enum Attendance: String, Sendable, Codable, CaseIterable {
    case attended
    case late
    case cancelledLate = "cancelled-late"
    case didNotAttend = "did-not-attend"

    public var display: String {
        switch self {
        case .attended: return "Attended"
        case .late: return "Arrived late"
        case .cancelledLate: return "Cancelled late"
        case .didNotAttend: return "Did not attend"
        }
    }
}

public enum AppointmentRules {
    public static let lengths = 10...240
    public static let maximumLateMinutes = 240
    public static let maximumLocationLength = 500

    public static func lengthProblem(_ minutes: Int?) -> FieldProblem? {
        guard let minutes, lengths.contains(minutes) else {
            return FieldProblem(field: "length", message: "Please give the length in minutes, from \(lengths.lowerBound) to \(lengths.upperBound).")
        }
        return nil
    }

    public static func attendanceProblem(_ attendance: Attendance?, lateMinutes: Int?) -> FieldProblem? {
        guard let attendance else {
            return FieldProblem(field: "attendance", message: "Please choose what happened.")
        }
        // Minutes late are needed for "late" and, when sent with anything else, still have to make sense.
        if attendance == .late || lateMinutes != nil {
            guard let lateMinutes, (1...maximumLateMinutes).contains(lateMinutes) else {
                return FieldProblem(field: "late_minutes", message: "Please say how many minutes late, from 1 to \(maximumLateMinutes).")
            }
        }
        return nil
    }
}

/// How a session was cancelled. In good time, it simply isn't held; late, it is also a behavioural marker
/// (PRODUCT.md, "Ruptures"), recorded as the attendance `cancelled-late`.
public enum Cancellation: String, Sendable, Codable, CaseIterable {
    case inGoodTime = "in-good-time"
    case late

    /// What the therapist sees on the record.
    public var display: String {
        switch self {
        case .inGoodTime: return "Cancelled in good time"
        case .late: return "Cancelled late"
        }
    }

    /// What the client sees: the same fact, without the practice's word for it.
    public var clientDisplay: String {
        switch self {
        case .inGoodTime: return "Cancelled"
        case .late: return "Cancelled at short notice"
        }
    }
}

/// Weekly or fortnightly sessions booked in one step.
public enum SessionSeries {
    public static let intervals = 1...2
    public static let counts = 2...52

    /// The sessions' starts: the same time of day in the practice's zone each week, so a 10:00 session stays at
    /// 10:00 when the clocks change (UTC arithmetic would move it by an hour).
    public static func starts(first: Date, everyWeeks: Int, count: Int, in zone: TimeZone) -> [Date] {
        guard intervals.contains(everyWeeks), counts.contains(count) else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let wallTime = calendar.dateComponents([.hour, .minute], from: first)
        var starts = [first]
        for index in 1..<count {
            // The same wall-clock time on that day; a time the clocks skip over moves to the next one that exists.
            guard let day = calendar.date(byAdding: .day, value: 7 * everyWeeks * index, to: first),
                  let start = calendar.date(bySettingHour: wallTime.hour ?? 0, minute: wallTime.minute ?? 0, second: 0, of: day,
                                            matchingPolicy: .nextTime, repeatedTimePolicy: .first, direction: .forward)
            else { return [] }  // all or none: a series with a gap would disagree with its RRULE's COUNT
            starts.append(start)
        }
        return starts
    }

    /// The start an RFC 5545 `RRULE:FREQ=WEEKLY;INTERVAL=n` gives for session `index` when DTSTART is in UTC, as
    /// Rapport's feeds write it: whole weeks of elapsed time. Where this differs from the session's real start
    /// (after the clocks change, or once it is moved) the feed gives the session as an exception with this as
    /// its RECURRENCE-ID.
    public static func ruleStart(first: Date, everyWeeks: Int, index: Int) -> Date {
        first.addingTimeInterval(Double(7 * 86400 * everyWeeks * index))
    }

    public static func rule(everyWeeks: Int, count: Int) -> String {
        "FREQ=WEEKLY;INTERVAL=\(everyWeeks);COUNT=\(count)"
    }
}

/// One event of an iCalendar feed. Only what a calendar needs: the feed leaves Rapport for a phone or a calendar
/// service, so it carries no name and nothing clinical (the summary is just "Session").
public struct CalendarEvent: Sendable, Equatable {
    public let uid: String
    public let start: Date
    public let minutes: Int
    public let summary: String
    public let location: String?
    public let description: String?
    public let cancelled: Bool
    /// For a series: its RRULE value (the event is the series); nil for one session.
    public let rule: String?
    /// For one session of a series given on its own (moved, changed or cancelled): the start the series' rule
    /// gives it, which is how a calendar knows which occurrence this replaces.
    public let recurrenceID: Date?
    /// For a series: occurrences that won't take place (cancelled sessions), by the start the rule gives them.
    /// Given as EXDATE, which every calendar honours; some ignore a cancelled exception.
    public let exceptDates: [Date]

    public init(uid: String, start: Date, minutes: Int, summary: String, location: String?, description: String?, cancelled: Bool,
                rule: String? = nil, recurrenceID: Date? = nil, exceptDates: [Date] = []) {
        self.uid = uid
        self.start = start
        self.minutes = minutes
        self.summary = summary
        self.location = location
        self.description = description
        self.cancelled = cancelled
        self.rule = rule
        self.recurrenceID = recurrenceID
        self.exceptDates = exceptDates
    }
}

/// RFC 5545 text: CRLF line ends, lines folded at 75 octets, TEXT values escaped, times in UTC.
public enum ICalendar {
    public static func feed(name: String, events: [CalendarEvent], stamp: Date) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rapport//Appointments//EN", "CALSCALE:GREGORIAN",
                     "METHOD:PUBLISH", "X-WR-CALNAME:\(escape(name))"]
        for event in events {
            lines += ["BEGIN:VEVENT", "UID:\(event.uid)", "DTSTAMP:\(utc(stamp))"]
            if let recurrenceID = event.recurrenceID { lines.append("RECURRENCE-ID:\(utc(recurrenceID))") }
            lines += ["DTSTART:\(utc(event.start))", "DTEND:\(utc(event.start.addingTimeInterval(Double(event.minutes) * 60)))"]
            if let rule = event.rule { lines.append("RRULE:\(rule)") }
            if !event.exceptDates.isEmpty { lines.append("EXDATE:" + event.exceptDates.sorted().map(utc).joined(separator: ",")) }
            lines.append("SUMMARY:\(escape(event.summary))")
            if let location = event.location, !location.isEmpty { lines.append("LOCATION:\(escape(location))") }
            if let description = event.description, !description.isEmpty { lines.append("DESCRIPTION:\(escape(description))") }
            lines.append("STATUS:\(event.cancelled ? "CANCELLED" : "CONFIRMED")")
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, and newlines as \n.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n", "\r\n": escaped += "\\n"
            case "\r": continue
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Lines longer than 75 octets continue on the next line after CRLF and one space, never inside a character.
    public static func fold(_ line: String) -> String {
        var result = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            if octets + size > 75 {
                result += "\r\n "
                octets = 1
            }
            result.append(character)
            octets += size
        }
        return result
    }

    public static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
