import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

@Suite struct AppointmentTests {
    func localDate(_ date: Date, _ zone: TimeZone) -> (String, String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return (String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!), String(format: "%02d:%02d", c.hour!, c.minute!))
    }

    @Test func aTherapistBooksASessionAndTheClientSeesIt() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let (date, _) = localDate(Date().addingTimeInterval(3 * 86400), practice.configuration.timeZone)
            let (headers, body) = therapist.form(["date": date, "time": "14:30", "length": "50", "location": "Room 4, Harbour Street"])
            try await practice.app.testing().test(.POST, "\(record)/appointments", headers: headers, body: body) { response in
                #expect(response.status == .seeOther)
            }
            let booked = try #require(try await AppointmentRow.query(on: practice.app.db).sort(\.$createdAt, .descending).first())
            #expect(booked.durationMinutes == 50)
            #expect(localDate(booked.startsAt, practice.configuration.timeZone) == (date, "14:30"))
            #expect(booked.locationEnvelope.map { !$0.contains(Data("Harbour".utf8)) } == true, "the place is sealed")
            try await practice.app.testing().test(.GET, "/me", headers: Browser(sessionToken: try await practice.signIn(cast.client)).headers) { response in
                let html = response.body.string
                let showsSession = html.contains("Room 4, Harbour Street") && html.contains("50 minutes")
                #expect(showsSession, "the client sees the session")
            }
        }
    }

    @Test func badBookingsAreRefusedInlineAndNothingIsWritten() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let path = "/clients/\(cast.clientID.uuidString.lowercased())/appointments"
            let cases: [([String: String], String)] = [
                (["date": "2026-02-30", "time": "10:00", "length": "50"], "date"),
                (["date": "soon", "time": "10:00", "length": "50"], "date"),
                (["date": "2020-01-01", "time": "10:00", "length": "50"], "date"),
                (["date": "2030-01-01", "time": "25:00", "length": "50"], "date"),
                (["date": "2099-01-01", "time": "10:00", "length": "50"], "date"),
                (["date": "20266-01-01", "time": "10:00", "length": "50"], "date"),
                (["date": "2030-01-01", "time": "10:00", "length": "5"], "length"),
                (["date": "2030-01-01", "time": "10:00", "length": "fifty"], "length"),
                (["date": "2030-01-01", "time": "10:00", "length": "50", "location": String(repeating: "x", count: 501)], "location"),
            ]
            let before = try await AppointmentRow.query(on: practice.app.db).count()
            for (fields, field) in cases {
                let (headers, body) = therapist.form(fields)
                try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(fields)")
                    let marked = response.body.string.contains(#"id="\#(field)-error""#)
                    #expect(marked, "\(fields): no message beside \(field)")
                }
            }
            #expect(try await AppointmentRow.query(on: practice.app.db).count() == before)
        }
    }

    /// On the record page the same refusal is a message beside the session, not an error page, and nothing is written.
    @Test func attendanceBeforeTheSessionIsRefusedInlineOnThePage() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let session = AppointmentRow()
            let appointmentID = UUID()
            session.id = appointmentID
            session.practiceID = cast.owner.user.practiceID
            session.clientID = cast.clientID
            session.therapistID = cast.own.id
            session.startsAt = Date().addingTimeInterval(2 * 86400)
            session.durationMinutes = 50
            session.cancelled = false
            session.createdAt = Date()
            try await session.create(on: practice.app.db)
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let (headers, body) = therapist.form(["attendance": "attended", "late_minutes": ""])
            try await practice.app.testing().test(.POST, "/clients/\(cast.clientID.uuidString.lowercased())/appointments/\(appointmentID.uuidString.lowercased())/attendance",
                                                  headers: headers, body: body) { response in
                #expect(response.status == .unprocessableEntity)
                let page = response.body.string
                #expect(page.contains("started yet"), "\(page.components(separatedBy: "attendance").count) mentions of attendance")
            }
            #expect(try await AppointmentRow.find(appointmentID, on: practice.app.db)?.attendance == nil)
        }
    }

    @Test func attendanceIsRecordedOnlyOnceASessionHasStarted() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let token = try await practice.signIn(cast.own, kind: .api)
            let base = "/api/v1/clients/\(cast.clientID.uuidString.lowercased())/appointments"
            var futureID = ""
            let tomorrow = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86400))
            try await practice.app.testing().test(.POST, base, headers: .json(bearer: token),
                                                  body: ByteBuffer(string: #"{"starts_at":"\#(tomorrow)","duration_minutes":45}"#)) { response in
                #expect(response.status == .created)
                futureID = (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["id"] as? String ?? ""
            }
            func attend(_ id: String, _ json: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
                try await practice.app.testing().test(.POST, "\(base)/\(id.lowercased())/attendance", headers: .json(bearer: token),
                                                      body: ByteBuffer(string: json), afterResponse: check)
            }
            try await attend(futureID, #"{"attendance":"attended"}"#) { #expect($0.status == .conflict) }
            let past = cast.appointmentID.uuidString
            try await attend(past, #"{"attendance":"late"}"#) { #expect($0.status == .unprocessableEntity) }
            try await attend(past, #"{"attendance":"asleep"}"#) { #expect($0.status == .unprocessableEntity) }
            try await attend(UUID().uuidString, #"{"attendance":"attended"}"#) { #expect($0.status == .notFound) }
            try await attend(past, #"{"attendance":"late","late_minutes":12}"#) { #expect($0.status == .noContent) }
            let row = try #require(try await AppointmentRow.find(cast.appointmentID, on: practice.app.db))
            #expect(row.attendance == "late" && row.lateMinutes == 12)
            // The trail names the session, not just the client.
            let entry = try #require(try await AuditEntryRow.query(on: practice.app.db).sort(\.$sequence, .descending).first())
            #expect(entry.action == Action.recordAttendance.rawValue && entry.resourceID == past.lowercased())

            // A late cancellation can be recorded ahead: the client's list keeps it, marked, and the calendar shows it cancelled.
            try await attend(futureID, #"{"attendance":"cancelled-late"}"#) { #expect($0.status == .noContent) }
            let cancelled = try #require(try await AppointmentRow.find(UUID(uuidString: futureID)!, on: practice.app.db))
            #expect(cancelled.cancelled && cancelled.attendance == "cancelled-late")
            try await practice.app.testing().test(.GET, "/me", headers: Browser(sessionToken: try await practice.signIn(cast.client)).headers) { response in
                let html = response.body.string
                let marked = html.contains("45 minutes") && html.contains("Cancelled at short notice")
                #expect(marked, "a cancelled session is listed with what happened to it")
            }
            let feed = try await CalendarFeeds.renew(for: cast.client.id, services: practice.app.rapport, on: practice.app.db)
            try await practice.app.testing().test(.GET, "/calendar/\(feed).ics") { response in
                #expect(response.body.string.contains("STATUS:CANCELLED"))
            }
        }
    }

    /// A therapist's feed holds only sessions of clients still on their care team, and every fetch is audited per client.
    @Test func theTherapistsFeedFollowsTheCareTeamAndIsAudited() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let token = try await CalendarFeeds.renew(for: cast.own.id, services: practice.app.rapport, on: practice.app.db)
            let before = try await AuditEntryRow.query(on: practice.app.db).filter(\.$resourceType == "calendar-feed").count()
            try await practice.app.testing().test(.GET, "/calendar/\(token).ics") { response in
                #expect(response.body.string.contains("LOCATION:Room 2"))
            }
            let audited = try await AuditEntryRow.query(on: practice.app.db).filter(\.$resourceType == "calendar-feed").all()
            #expect(audited.count == before + 1 && audited.last?.clientID == cast.clientID && audited.last?.actorID == cast.own.id)
            try await CareTeamMemberRow.query(on: practice.app.db).filter(\.$therapistID == cast.own.id).delete()
            try await practice.app.testing().test(.GET, "/calendar/\(token).ics") { response in
                #expect(response.status == .ok)
                #expect(!response.body.string.contains("BEGIN:VEVENT"), "no sessions once off the care team")
            }
        }
    }

    @Test func theCalendarFeedIsSecretRevocableAndCarriesNoNames() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            func newLink() async throws -> String {
                var link = ""
                let (headers, body) = client.form([:])
                try await practice.app.testing().test(.POST, "/account/calendar", headers: headers, body: body) { response in
                    let html = response.body.string
                    let start = try #require(html.range(of: "/calendar/"))
                    link = String(html[start.lowerBound...].prefix { $0 != "\"" && $0 != "<" })
                }
                return link
            }
            let first = try await newLink()
            #expect(first.hasSuffix(".ics"))
            try await practice.app.testing().test(.GET, first) { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .contentType) == "text/calendar; charset=utf-8")
                let text = response.body.string
                #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
                #expect(text.contains("SUMMARY:Session\r\n") && text.contains("LOCATION:Room 2\r\n"))
                #expect(text.range(of: #"DTSTART:\d{8}T\d{6}Z"#, options: .regularExpression) != nil)
                for name in ["Cleo", "Client", "Theo", "Therapist", "progress", "private"] {
                    #expect(!text.contains(name), "the feed mentions \(name)")
                }
            }
            let second = try await newLink()
            #expect(second != first)
            try await practice.app.testing().test(.GET, first) { #expect($0.status == .notFound, "the old address stops working") }
            try await practice.app.testing().test(.GET, second) { #expect($0.status == .ok) }
            let (headers, body) = client.form([:])
            try await practice.app.testing().test(.POST, "/account/calendar/revoke", headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await practice.app.testing().test(.GET, second) { #expect($0.status == .notFound) }
        }
    }
}
