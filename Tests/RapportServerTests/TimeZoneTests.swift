import Fluent
import Foundation
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// The practice's time zone is the owner's setting (issue 9), used for every time typed and shown.
@Suite struct TimeZoneTests {
    @Test func theOwnersZoneIsWhereSessionTimesAreTypedAndShown() async throws {
        try await TestPractice.run(adjust: { $0.timeZone = TimeZone(identifier: "UTC")! }) { practice in
            let cast = try await Cast.assemble(practice)
            let owner = Browser(sessionToken: try await practice.signIn(cast.owner))
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"

            // Until the owner chooses, the server's zone is used, and the practice page says so.
            try await practice.app.testing().test(.GET, "/practice", headers: owner.headers) { response in
                #expect(response.body.string.contains("id=\"time-zone-notice\""))
            }
            // A zone that isn't an IANA name is refused beside the field, and nothing is saved.
            for wrong in ["Mars/Olympus", "EST", "+05:00", String(repeating: "A/", count: 100)] {
                let (headers, body) = owner.form(["time_zone": wrong])
                try await practice.app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "\(wrong)")
                    #expect(response.body.string.contains("Please choose the practice&#39;s time zone from the list.")
                            || response.body.string.contains("Please choose the practice's time zone from the list."), "\(wrong)")
                }
            }
            #expect(try await PracticeSettingsRow.query(on: practice.app.db).count() == 0, "a refused zone changes nothing")
            try await practice.app.testing().test(.GET, "/practice/settings", headers: owner.headers) { response in
                // Plot leaves out an empty value; an option without one submits its (empty) text.
                #expect(response.body.string.contains("<option label=\"Choose the practice's time zone\" selected/>"))
            }

            // Saving other settings with "choose" left as it is picks no zone.
            let (leaveHeaders, leaveBody) = owner.form(["time_zone": "", "crisis_resources": ""])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: leaveHeaders, body: leaveBody) { #expect($0.status == .seeOther) }
            #expect(try await PracticeSettingsRow.query(on: practice.app.db).first()?.timeZone == nil)

            let (headers, body) = owner.form(["time_zone": "America/New_York"])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await practice.app.testing().test(.GET, "/practice/settings", headers: owner.headers) { response in
                #expect(response.body.string.contains("value=\"America/New_York\" label=\"America/New York\" selected"))
            }
            try await practice.app.testing().test(.GET, "/practice", headers: owner.headers) { response in
                #expect(!response.body.string.contains("id=\"time-zone-notice\""))
            }

            // 14:00 typed on a January day in New York is 19:00 UTC, and shows as 2:00 PM again.
            let (bookHeaders, bookBody) = therapist.form(["date": "2027-01-15", "time": "14:00", "length": "50", "location": ""])
            try await practice.app.testing().test(.POST, "\(record)/appointments", headers: bookHeaders, body: bookBody) {
                #expect($0.status == .seeOther)
            }
            let booked = try #require(try await AppointmentRow.query(on: practice.app.db).sort(\.$startsAt, .descending).first())
            #expect(booked.startsAt == ISO8601DateFormatter().date(from: "2027-01-15T19:00:00Z"))
            try await practice.app.testing().test(.GET, record, headers: therapist.headers) { response in
                let html = response.body.string
                #expect(html.contains("Time (America/New_York)"))
                #expect(html.contains("15 Jan 2027") && html.contains("2:00"), "the session reads in the practice's zone")
                #expect(!html.contains("Time (UTC)"))
            }
            // A settings form without the zone (an older page) leaves it as it was.
            let (keepHeaders, keepBody) = owner.form(["crisis_resources": ""])
            try await practice.app.testing().test(.POST, "/practice/settings", headers: keepHeaders, body: keepBody) { #expect($0.status == .seeOther) }
            #expect(try await PracticeSettingsRow.query(on: practice.app.db).first()?.timeZone == "America/New_York")
        }
    }
}
