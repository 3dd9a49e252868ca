import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// A way around (issue 9): every signed-in person has a navigation, each of its pages opens, and the page is marked.
@Suite struct NavigationTests {
    @Test func theCurrentItemIsTheLongestAddressAboveThePage() {
        let owner = Navigation.items(for: Principal(userID: UUID(), role: .owner, practiceID: UUID()), signedIn: true)
        #expect(Navigation.current(owner, path: "/practice")?.label == "Practice")
        #expect(Navigation.current(owner, path: "/practice/settings")?.label == "Settings")
        #expect(Navigation.current(owner, path: "/practice/invitations")?.label == "Practice")
        #expect(Navigation.current(owner, path: "/practices") == nil, "a longer word is not a folder below")
        let therapist = Navigation.items(for: Principal(userID: UUID(), role: .therapist, practiceID: UUID()), signedIn: true)
        #expect(Navigation.current(therapist, path: "/clients/abc/progress-notes/def")?.label == "Clients")
        #expect(Navigation.current(therapist, path: "/account/calendar")?.label == "Calendar")
        #expect(Navigation.current(therapist, path: "/account")?.label == "Account")
        let client = Navigation.items(for: Principal(userID: UUID(), role: .client, practiceID: UUID(), clientID: UUID()), signedIn: true)
        #expect(Navigation.current(client, path: "/me/check-ins/x/phq-9")?.label == "Check-ins")
        #expect(Navigation.current(client, path: "/me")?.label == "Home")
        #expect(Navigation.items(for: Principal(userID: UUID(), role: .therapist, practiceID: UUID()), signedIn: false).isEmpty,
                "half-signed-in: no way around the second step")
    }

    @Test func everyNavigationPageOpensMarkedAsCurrentWithASkipLink() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            for (person, home, count) in [(cast.owner, "/practice", 5), (cast.own, "/clients", 4), (cast.client, "/me", 5)] {
                let browser = Browser(sessionToken: try await practice.signIn(person))
                var links: [String] = []
                try await practice.app.testing().test(.GET, home, headers: browser.headers) { response in
                    let html = response.body.string
                    #expect(html.contains("<a class=\"skip-link\" href=\"#main\">Skip to content</a>"))
                    #expect(html.contains("<main id=\"main\">"))
                    let start = try #require(html.range(of: "aria-label=\"Main\""))
                    let end = try #require(html.range(of: "</nav>", range: start.upperBound..<html.endIndex))
                    let nav = String(html[start.upperBound..<end.lowerBound])
                    links = nav.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"").first.map(String.init) }
                        .filter { $0.hasPrefix("/") && !$0.hasPrefix("/signout") }
                }
                #expect(links.count == count, "\(home): \(links)")
                for link in links {
                    try await practice.app.testing().test(.GET, link, headers: browser.headers) { response in
                        #expect(response.status == .ok, "\(link) from \(home)")
                        #expect(response.body.string.contains("href=\"\(link)\" aria-current=\"page\""), "\(link) is marked as the current page")
                    }
                }
            }
        }
    }

    @Test func aClientsSessionsPageKeepsCancelledSessionsWithTheirStatus() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let record = try await practice.record(cast.own.actor, .scheduleAppointment, cast.scope)
            let later = try await Appointments.schedule(.init(start: Date().addingTimeInterval(5 * 86400), startField: "date", lengthMinutes: 50,
                                                              location: "Room 2"), in: record)
            try await Appointments.recordAttendance(later.id, attendance: .cancelledLate, lateMinutes: nil,
                                                    in: try await practice.record(cast.own.actor, .recordAttendance, cast.scope))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            try await practice.app.testing().test(.GET, "/me/sessions", headers: client.headers) { response in
                let html = response.body.string
                #expect(response.status == .ok)
                // Still to come, so under "Coming up", marked in the client's words.
                let upcoming = try #require(html.range(of: "id=\"upcoming-sessions\""))
                let rest = String(html[upcoming.lowerBound...])
                #expect(rest.contains("session cancelled") && rest.contains(">Cancelled at short notice<"))
            }
            // Another client's sessions page shows their own (none here), never this client's.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await practice.app.testing().test(.GET, "/me/sessions", headers: other.headers) { response in
                #expect(!response.body.string.contains("Room 2"))
            }
        }
    }
}
