import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// Sessions that can be changed (issue 9): moved, lengthened, cancelled in good time or late after a confirmation
/// step, kept in both histories with their status, booked weekly or fortnightly in one step, and given to calendars
/// as one recurring event with its exceptions.
@Suite struct SessionChangeTests {
    func local(_ date: Date, _ zone: TimeZone) -> (date: String, time: String) {
        (Formats.dateField(date, in: zone), Formats.timeField(date, in: zone))
    }

    struct Setting {
        let practice: TestPractice
        let cast: Cast
        let therapist: Browser
        let client: Browser
        var record: String { "/clients/\(cast.clientID.uuidString.lowercased())" }
        var zone: TimeZone { practice.configuration.timeZone }

        func path(_ id: UUID) -> String { "\(record)/appointments/\(id.uuidString.lowercased())" }

        func post(_ path: String, _ fields: [String: String], as browser: Browser? = nil,
                  _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
            let (headers, body) = (browser ?? therapist).form(fields)
            try await practice.app.testing().test(.POST, path, headers: headers, body: body, afterResponse: check)
        }

        func get(_ path: String, as browser: Browser? = nil, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
            try await practice.app.testing().test(.GET, path, headers: (browser ?? therapist).headers, afterResponse: check)
        }

        func row(_ id: UUID) async throws -> AppointmentRow { try #require(try await AppointmentRow.find(id, on: practice.app.db)) }

        /// The client's own open check-ins, as their home page lists them.
        func clientCheckIns() async throws -> [DueCheckIn] {
            let record = try await ClientRecord.open(ClientAccess(actor: cast.client.actor, action: .viewOwnPortal, scope: cast.scope, noteID: nil),
                                                     keys: practice.app.rapport.keys, now: Date(), on: practice.app.db)
            return try await CheckIns.open(in: record)
        }
    }

    func setting(_ practice: TestPractice) async throws -> Setting {
        let cast = try await Cast.assemble(practice)
        return Setting(practice: practice, cast: cast, therapist: Browser(sessionToken: try await practice.signIn(cast.own)),
                       client: Browser(sessionToken: try await practice.signIn(cast.client)))
    }

    @Test func aMovedSessionShowsWhereItMovedFromAndItsCheckInMovesWithIt() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            // A session in two days: its outcome check-in (PHQ-9) is open now.
            let soon = try await Appointments.schedule(.init(start: Date().addingTimeInterval(2 * 86400), startField: "date", lengthMinutes: 50,
                                                             location: ""), in: try await practice.record(s.cast.own.actor, .scheduleAppointment, s.cast.scope)).id
            #expect(try await s.clientCheckIns().contains { $0.planned.appointmentID == soon && $0.definition.id == "phq-9" })
            let before = try await s.row(soon).startsAt
            let later = local(Date().addingTimeInterval(12 * 86400), s.zone)
            try await s.get(s.path(soon)) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("Move it or change it") && html.contains("Cancel it"))
                #expect(html.contains(#"value="\#(local(before, s.zone).date)""#), "the form starts from the session as booked")
            }
            try await s.post(s.path(soon), ["date": later.date, "time": "16:15", "length": "80", "location": "Room 5"]) { response in
                #expect(response.status == .seeOther)
            }
            let moved = try await s.row(soon)
            #expect(local(moved.startsAt, s.zone) == (later.date, "16:15"))
            #expect(moved.movedFrom == before && moved.durationMinutes == 80 && !moved.cancelled)
            try await s.get("/me/sessions", as: s.client) { response in
                let html = response.body.string
                #expect(html.contains("Moved from \(Formats.when(before, in: s.zone))"))
                #expect(html.contains("80 minutes") && html.contains("Room 5"))
            }
            // Twelve days away, its check-in isn't open yet: the client isn't asked now about a session next fortnight.
            #expect(try await !s.clientCheckIns().contains { $0.planned.appointmentID == soon })
        }
    }

    @Test func badChangesAreRefusedInlineAndChangeNothing() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            let before = try await s.row(s.cast.upcomingID)
            let soon = local(Date().addingTimeInterval(5 * 86400), s.zone)
            for (fields, field) in [
                (["date": "2026-02-30", "time": "10:00", "length": "50"], "date"),
                (["date": soon.date, "time": "25:00", "length": "50"], "date"),
                (["date": soon.date, "time": "10:00", "length": "0"], "length"),
                (["date": soon.date, "time": "10:00", "length": "9223372036854775808"], "length"),
                (["date": soon.date, "time": "10:00", "length": "50", "location": String(repeating: "x", count: 600)], "location"),
                (["date": "99999-01-01", "time": "10:00", "length": "50"], "date"),
            ] {
                try await s.post(s.path(s.cast.upcomingID), fields) { response in
                    #expect(response.status == .unprocessableEntity, "\(fields)")
                    #expect(response.body.string.contains("id=\"\(field)-error\""), "\(fields) blames \(field)")
                }
            }
            let after = try await s.row(s.cast.upcomingID)
            #expect(after.startsAt == before.startsAt && after.durationMinutes == before.durationMinutes && after.movedFrom == nil)
            // A session that has started can't be moved or cancelled; its page says why.
            try await s.post(s.path(s.cast.appointmentID), ["date": soon.date, "time": "10:00", "length": "50"]) { response in
                #expect(response.status == .conflict)
                #expect(response.body.string.contains("already started"))
            }
            try await s.post("\(s.path(s.cast.appointmentID))/cancel", ["cancellation": "late", "confirm": "yes"]) { #expect($0.status == .conflict) }
            #expect(try await s.row(s.cast.appointmentID).cancelled == false)
            // Another client's session id under this client is not found.
            try await s.get(s.path(UUID())) { #expect($0.status == .notFound) }
            try await s.get("\(s.record)/appointments/not-a-uuid") { #expect($0.status == .notFound) }
        }
    }

    @Test func cancellingAsksFirstThenKeepsTheSessionInBothHistories() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            let cancelPath = "\(s.path(s.cast.upcomingID))/cancel"
            for value in ["", "sometime", String(repeating: "late", count: 5000)] {
                try await s.post(cancelPath, ["cancellation": value, "confirm": "yes"]) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.body.string.contains("Please choose whether it was cancelled in good time or late."))
                }
            }
            // The first step only says what will happen.
            try await s.post(cancelPath, ["cancellation": "late"]) { response in
                #expect(response.status == .ok)
                let html = response.body.string
                #expect(html.contains("will see it in their sessions as “Cancelled at short notice”"))
                #expect(html.contains("counts as a late cancellation"))
                #expect(html.contains(#"name="confirm" value="yes""#))
            }
            #expect(try await s.row(s.cast.upcomingID).cancelled == false, "nothing changes before the confirmation")
            try await s.post(cancelPath, ["cancellation": "late", "confirm": "yes"]) { response in
                #expect(response.status == .seeOther)
            }
            let cancelled = try await s.row(s.cast.upcomingID)
            #expect(cancelled.cancelled && cancelled.attendance == Attendance.cancelledLate.rawValue && cancelled.cancelledAt != nil)
            try await s.get("/me", as: s.client) { response in
                #expect(response.body.string.contains("Cancelled at short notice"))
            }
            try await s.get("/me/sessions", as: s.client) { response in
                #expect(response.body.string.contains("Cancelled at short notice"))
                #expect(!response.body.string.contains("Cancelled late"), "the client doesn't get the practice's word for it")
            }
            try await s.get(s.record) { response in
                #expect(response.body.string.contains("Cancelled late"))
            }
            #expect(try await !s.clientCheckIns().contains { $0.planned.appointmentID == s.cast.upcomingID }, "no check-in for a cancelled session")
            // Once cancelled, it can be neither cancelled again nor moved.
            try await s.post(cancelPath, ["cancellation": "in-good-time", "confirm": "yes"]) { #expect($0.status == .conflict) }
            let soon = local(Date().addingTimeInterval(5 * 86400), s.zone)
            try await s.post(s.path(s.cast.upcomingID), ["date": soon.date, "time": "10:00", "length": "50"]) { #expect($0.status == .conflict) }
            #expect(try await s.row(s.cast.upcomingID).attendance == Attendance.cancelledLate.rawValue)

            // In good time: no attendance mark, and the client reads just "Cancelled".
            let other = try await Appointments.schedule(.init(start: Date().addingTimeInterval(6 * 86400), startField: "date", lengthMinutes: 50,
                                                              location: ""), in: try await practice.record(s.cast.own.actor, .scheduleAppointment, s.cast.scope))
            try await s.post("\(s.path(other.id))/cancel", ["cancellation": "in-good-time", "confirm": "yes"]) { #expect($0.status == .seeOther) }
            let inGoodTime = try await s.row(other.id)
            #expect(inGoodTime.cancelled && inGoodTime.attendance == nil)
            try await s.get(s.record) { #expect($0.body.string.contains("Cancelled in good time")) }
        }
    }

    @Test func aWeeklySeriesIsBookedInOneStepAndTheFeedSaysItAsOneRule() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            let first = local(Date().addingTimeInterval(2 * 86400), s.zone)
            // Anything but the three choices, or a count outside 2–52, books nothing.
            let before = try await AppointmentRow.query(on: practice.app.db).count()
            for (repeats, count, field) in [("daily", "4", "repeats"), ("weekly", "1", "count"), ("weekly", "53", "count"),
                                            ("fortnightly", "-1", "count"), ("weekly", "99999999999999999999", "count"), ("weekly", "", "count")] {
                try await s.post("\(s.record)/appointments", ["date": first.date, "time": "09:30", "length": "50", "repeats": repeats, "count": count]) { response in
                    #expect(response.status == .unprocessableEntity, "\(repeats) \(count)")
                    #expect(response.body.string.contains("id=\"\(field)-error\""), "\(repeats) \(count) blames \(field)")
                }
            }
            #expect(try await AppointmentRow.query(on: practice.app.db).count() == before)
            #expect(try await AppointmentSeriesRow.query(on: practice.app.db).count() == 0)

            try await s.post("\(s.record)/appointments", ["date": first.date, "time": "09:30", "length": "50", "location": "Room 1",
                                                          "repeats": "fortnightly", "count": "4"]) { #expect($0.status == .seeOther) }
            let series = try #require(try await AppointmentSeriesRow.query(on: practice.app.db).first())
            #expect(series.intervalWeeks == 2 && series.count == 4)
            let sessions = try await AppointmentRow.query(on: practice.app.db).filter(\.$seriesID == series.id).sort(\.$startsAt).all()
            #expect(sessions.map(\.seriesIndex) == [0, 1, 2, 3])
            #expect(sessions.allSatisfy { local($0.startsAt, s.zone).time == "09:30" && $0.durationMinutes == 50 })
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = s.zone
            for pair in zip(sessions, sessions.dropFirst()) {
                #expect(calendar.dateComponents([.day], from: pair.0.startsAt, to: pair.1.startsAt).day == 14)
            }
            // One moved, one cancelled: the feed gives the series once, and those two as exceptions.
            let second = try #require(sessions[1].id), third = try #require(sessions[2].id)
            let moveTo = local(sessions[1].startsAt.addingTimeInterval(86400), s.zone)
            try await s.post(s.path(second), ["date": moveTo.date, "time": "11:00", "length": "50", "location": "Room 1"]) { #expect($0.status == .seeOther) }
            try await s.post("\(s.path(third))/cancel", ["cancellation": "in-good-time", "confirm": "yes"]) { #expect($0.status == .seeOther) }
            let token = try await CalendarFeeds.renew(for: s.cast.client.id, services: practice.app.rapport, on: practice.app.db)
            try await practice.app.testing().test(.GET, "/calendar/\(token).ics") { response in
                let feed = response.body.string
                let uid = "UID:\(series.id!.uuidString.lowercased())@rapport"
                #expect(feed.components(separatedBy: "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4\r\n").count == 2, "one recurring event")
                let ruleStart = ICalendar.utc(SessionSeries.ruleStart(first: series.startsAt, everyWeeks: 2, index: 1))
                #expect(feed.contains("RECURRENCE-ID:\(ruleStart)"), "the moved session replaces its place in the rule")
                let cancelledStart = ICalendar.utc(SessionSeries.ruleStart(first: series.startsAt, everyWeeks: 2, index: 2))
                #expect(feed.contains("EXDATE:\(cancelledStart)\r\n"), "the cancelled session is left out of the rule")
                #expect(!feed.contains("RECURRENCE-ID:\(cancelledStart)"), "and not also given as an exception")
                let exceptions = feed.components(separatedBy: "BEGIN:VEVENT").filter { $0.contains(uid) && $0.contains("RECURRENCE-ID") }
                #expect(exceptions.count == 1)
                #expect(!feed.contains("Cleo"), "no names in a feed")
            }
        }
    }

    @Test func theAPIMovesCancelsAndBooksASeries() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            let token = try await practice.signIn(s.cast.own, kind: .api)
            let base = "/api/v1/clients/\(s.cast.clientID.uuidString.lowercased())/appointments"
            func post(_ path: String, _ json: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
                try await practice.app.testing().test(.POST, path, headers: .json(bearer: token), body: ByteBuffer(string: json), afterResponse: check)
            }
            func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
                try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
            }
            let upcoming = "\(base)/\(s.cast.upcomingID.uuidString.lowercased())"
            let newStart = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 9 * 86400).rounded()))
            try await post(upcoming, #"{"starts_at":"\#(newStart)","duration_minutes":45,"location":"Video"}"#) { response in
                #expect(response.status == .ok)
                let session = try object(response)
                #expect(session["starts_at"] as? String == newStart && session["duration_minutes"] as? Int == 45)
                #expect(session["moved_from"] is String)
            }
            try await post(upcoming, #"{"starts_at":"\#(newStart)","duration_minutes":45,"repeats":{"every_weeks":1,"count":3}}"#) {
                #expect($0.status == .unprocessableEntity)
            }
            try await post("\(upcoming)/cancel", #"{"cancellation":"whenever"}"#) { #expect($0.status == .unprocessableEntity) }
            try await post("\(upcoming)/cancel", #"{}"#) { #expect($0.status == .badRequest) }
            try await post("\(upcoming)/cancel", #"{"cancellation":"late"}"#) { response in
                #expect(response.status == .ok)
                let session = try object(response)
                #expect(session["cancelled"] as? Bool == true && session["attendance"] as? String == "cancelled-late")
            }
            try await post("\(upcoming)/cancel", #"{"cancellation":"late"}"#) { #expect($0.status == .conflict) }
            try await post("\(base)/\(UUID().uuidString)/cancel", #"{"cancellation":"late"}"#) { #expect($0.status == .notFound) }

            let first = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 20 * 86400).rounded()))
            for repeats in [#"{"every_weeks":3,"count":4}"#, #"{"every_weeks":1,"count":53}"#, #"{"every_weeks":1,"count":-9223372036854775808}"#] {
                try await post(base, #"{"starts_at":"\#(first)","duration_minutes":50,"repeats":\#(repeats)}"#) {
                    #expect($0.status == .unprocessableEntity, "\(repeats)")
                }
            }
            try await post(base, #"{"starts_at":"\#(first)","duration_minutes":50,"repeats":{"every_weeks":1,"count":5}}"#) { response in
                #expect(response.status == .created)
                let session = try object(response)
                let seriesID = try #require((session["series_id"] as? String).flatMap(UUID.init(uuidString:)))
                #expect(try await AppointmentRow.query(on: practice.app.db).filter(\.$seriesID == seriesID).count() == 5)
            }
        }
    }

    /// From the review of this change: nothing un-cancels a session, nothing moves one into the past, and a step that
    /// writes nothing is not audited as a write.
    @Test func aCancelledSessionStaysCancelledAndNothingMovesIntoThePast() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            // A session cancelled in good time whose time has passed: no attendance can be recorded for it.
            let past = try await s.row(s.cast.appointmentID)
            past.cancelled = true
            past.cancelledAt = Date()
            try await past.update(on: practice.app.db)
            try await s.get(s.record) { response in
                let html = response.body.string
                #expect(html.contains("Cancelled in good time"))
                #expect(!html.contains("id=\"attendance-\(s.cast.appointmentID.uuidString.lowercased())\""), "no attendance form for it")
            }
            try await s.post("\(s.path(s.cast.appointmentID))/attendance", ["attendance": "did-not-attend"]) { #expect($0.status == .unprocessableEntity || $0.status == .conflict) }
            let still = try await s.row(s.cast.appointmentID)
            #expect(still.cancelled && still.attendance == nil, "still cancelled, no withdrawal marker")

            // A session still to come can't be moved to yesterday.
            let yesterday = local(Date().addingTimeInterval(-86400), s.zone)
            try await s.post(s.path(s.cast.upcomingID), ["date": yesterday.date, "time": "10:00", "length": "50"]) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("only be moved to a time still to come"))
            }
            #expect(try await s.row(s.cast.upcomingID).movedFrom == nil)

            // The confirmation step is a look, not a change, in the trail.
            try await s.post("\(s.path(s.cast.upcomingID))/cancel", ["cancellation": "late"]) { #expect($0.status == .ok) }
            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.listAppointments.rawValue)

            // Saving the same time with a new place doesn't tell the client it moved.
            let row = try await s.row(s.cast.upcomingID)
            let same = local(row.startsAt, s.zone)
            try await s.post(s.path(s.cast.upcomingID), ["date": same.date, "time": same.time, "length": "50", "location": "Room 9"]) {
                #expect($0.status == .seeOther)
            }
            #expect(try await s.row(s.cast.upcomingID).movedFrom == nil)
        }
    }

    @Test func thePortalShowsTheNextFourSessionsStillOnWithCancelledOnesAmongThem() {
        let now = Date()
        func session(_ days: Double, cancelled: Bool = false) -> AppointmentView {
            AppointmentView(id: UUID(), clientID: UUID(), therapistID: UUID(), startsAt: now.addingTimeInterval(days * 86400), durationMinutes: 50,
                            location: nil, cancelled: cancelled, attendance: nil, lateMinutes: nil)
        }
        let sessions = [session(-1), session(1, cancelled: true), session(2, cancelled: true), session(3, cancelled: true),
                        session(4, cancelled: true), session(5), session(6), session(7), session(8), session(9)]
        let shown = PortalPage.nextSessions(sessions.shuffled(), after: now)
        #expect(shown.count == 8 && shown.filter { !$0.cancelled }.count == 4)
        #expect(shown.first?.startsAt == sessions[1].startsAt && shown.last?.startsAt == sessions[8].startsAt)
    }

    /// A move and a cancellation of one session sent at once run one after the other (the row is locked before it is
    /// read): the session ends cancelled or moved-then-cancelled, never "cancelled" by one and un-cancelled by the other,
    /// and two cancellations give one success and one refusal.
    @Test func twoChangesAtOnceRunOneAfterTheOther() async throws {
        try await TestPractice.run { practice in
            let s = try await setting(practice)
            let token = try await practice.signIn(s.cast.own, kind: .api)
            let path = "/api/v1/clients/\(s.cast.clientID.uuidString.lowercased())/appointments/\(s.cast.upcomingID.uuidString.lowercased())/cancel"
            let app = practice.app
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for kind in ["late", "in-good-time"] {
                    group.addTask {
                        var status: UInt = 0
                        try await app.testing().test(.POST, path, headers: .json(bearer: token),
                                                                                         body: ByteBuffer(string: #"{"cancellation":"\#(kind)"}"#)) {
                            status = $0.status.code
                        }
                        return status
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 409], "\(statuses)")
            let row = try await s.row(s.cast.upcomingID)
            #expect(row.cancelled && row.cancelledAt != nil)
        }
    }
}
