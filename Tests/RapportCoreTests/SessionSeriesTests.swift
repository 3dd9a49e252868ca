import Foundation
import Testing
@testable import RapportCore

@Suite struct SessionSeriesTests {
    let london = TimeZone(identifier: "Europe/London")!

    func date(_ text: String, _ zone: TimeZone) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    func wallTime(_ date: Date, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// A 10:00 session stays at 10:00 when the clocks go back (25 October 2026 in London), though the hours between
    /// two sessions then aren't a whole number of weeks; the rule's UTC arithmetic would put it at 09:00.
    @Test func aSeriesKeepsItsTimeOfDayAcrossAChangeOfTheClocks() {
        let starts = SessionSeries.starts(first: date("2026-10-14 10:00", london), everyWeeks: 1, count: 4, in: london)
        #expect(starts.map { wallTime($0, london) } == ["2026-10-14 10:00", "2026-10-21 10:00", "2026-10-28 10:00", "2026-11-04 10:00"])
        let ruleThird = SessionSeries.ruleStart(first: starts[0], everyWeeks: 1, index: 2)
        #expect(wallTime(ruleThird, london) == "2026-10-28 09:00")
        #expect(starts[2].timeIntervalSince(ruleThird) == 3600, "so the feed gives it as an exception")
        #expect(SessionSeries.ruleStart(first: starts[0], everyWeeks: 1, index: 1) == starts[1])
    }

    @Test func fortnightlyAndItsLimits() {
        let first = date("2026-03-02 18:00", london)
        let starts = SessionSeries.starts(first: first, everyWeeks: 2, count: 3, in: london)
        #expect(starts.map { wallTime($0, london) } == ["2026-03-02 18:00", "2026-03-16 18:00", "2026-03-30 18:00"])
        for (weeks, count) in [(0, 4), (3, 4), (-1, 4), (1, 1), (1, 53), (2, Int.max), (Int.min, 2)] {
            #expect(SessionSeries.starts(first: first, everyWeeks: weeks, count: count, in: london).isEmpty, "\(weeks) \(count)")
        }
        #expect(SessionSeries.rule(everyWeeks: 2, count: 3) == "FREQ=WEEKLY;INTERVAL=2;COUNT=3")
    }

    /// A time the clocks skip (01:30 on 29 March 2026 in London) moves to the next time that exists.
    @Test func aTimeThatDoesNotExistThatDayMovesForward() {
        let starts = SessionSeries.starts(first: date("2026-03-22 01:30", london), everyWeeks: 1, count: 2, in: london)
        #expect(starts.count == 2)
        #expect(wallTime(starts[1], london).hasPrefix("2026-03-29 02:"))
    }

    @Test func anExceptionNamesTheOccurrenceItReplaces() {
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        let feed = ICalendar.feed(name: "Sessions", events: [
            CalendarEvent(uid: "s@rapport", start: first, minutes: 50, summary: "Session", location: nil, description: nil, cancelled: false,
                          rule: SessionSeries.rule(everyWeeks: 1, count: 3)),
            CalendarEvent(uid: "s@rapport", start: first.addingTimeInterval(7 * 86400 + 3600), minutes: 50, summary: "Session", location: nil,
                          description: nil, cancelled: true, recurrenceID: first.addingTimeInterval(7 * 86400)),
        ], stamp: first)
        let events = feed.components(separatedBy: "BEGIN:VEVENT").dropFirst()
        #expect(events.count == 2)
        #expect(events.first?.contains("RRULE:FREQ=WEEKLY;INTERVAL=1;COUNT=3\r\n") == true)
        #expect(events.first?.contains("RECURRENCE-ID") == false)
        #expect(events.last?.contains("RECURRENCE-ID:\(ICalendar.utc(first.addingTimeInterval(7 * 86400)))\r\n") == true)
        #expect(events.last?.contains("STATUS:CANCELLED") == true)
        #expect(events.last?.contains("RRULE") == false)
        let withGaps = ICalendar.feed(name: "Sessions", events: [
            CalendarEvent(uid: "s@rapport", start: first, minutes: 50, summary: "Session", location: nil, description: nil, cancelled: false,
                          rule: SessionSeries.rule(everyWeeks: 1, count: 4),
                          exceptDates: [first.addingTimeInterval(21 * 86400), first.addingTimeInterval(7 * 86400)]),
        ], stamp: first)
        #expect(withGaps.contains("EXDATE:\(ICalendar.utc(first.addingTimeInterval(7 * 86400))),\(ICalendar.utc(first.addingTimeInterval(21 * 86400)))\r\n"),
                "one EXDATE line, in order")
    }
}
