import Fluent
import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// "Who opened my record" (issue 12, point 2): read from the audit trail, entry for entry, newest first, refusals
/// included; psychotherapy notes left out; the therapist sees the same list on the record.
@Suite struct RecordAccessTests {
    static func entries(_ html: String) -> [String] {
        html.components(separatedBy: "<li class=\"access").dropFirst().map { String($0.prefix { $0 != "\n" }.prefix(400)) }
    }

    @Test func theClientSeesEveryAccessTheTrailHoldsAndTheTherapistTheSame() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let colleague = Browser(sessionToken: try await practice.signIn(cast.colleague))
            let stranger = Browser(sessionToken: try await practice.signIn(cast.otherTherapist))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))

            try await app.testing().test(.GET, "/me/record-access", headers: client.headers) { response in
                #expect(response.status == .ok)
                // Only the invitation so far.
                #expect(Self.entries(response.body.string).count == 1)
                #expect(response.body.string.contains("Theo Therapist, therapist</strong> invited you to join Rapport"))
            }
            try await app.testing().test(.GET, record, headers: therapist.headers) { #expect($0.status == .ok) }
            try await app.testing().test(.GET, record, headers: colleague.headers) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, record, headers: stranger.headers) { #expect($0.status == .notFound) }
            let (headers, body) = therapist.form(["body": "A private process note."])
            try await app.testing().test(.POST, "\(record)/psychotherapy-notes", headers: headers, body: body) { #expect($0.status == .seeOther) }
            try await app.testing().test(.GET, "\(record)/progress-notes/\(cast.progressNoteID.uuidString.lowercased())",
                                         headers: therapist.headers) { #expect($0.status == .ok) }

            // Another client guessing at this record's address is refused and written down, but is nobody at the practice.
            let other = Browser(sessionToken: try await practice.signIn(cast.anotherClient))
            try await app.testing().test(.GET, record, headers: other.headers) { #expect($0.status == .forbidden) }

            let trail = try await AuditEntryRow.query(on: app.db).filter(\.$clientID == cast.clientID).sort(\.$sequence, .descending).all()
            let shown = trail.filter { AccessPolicy.accessLogShows(action: $0.action, actorRole: $0.actorRole) }
            #expect(trail.count == shown.count + 2, "the psychotherapy note and the other client's guess are in the trail, not on the page")
            try await app.testing().test(.GET, "/me/record-access", headers: client.headers) { response in
                let html = response.body.string
                let lines = Self.entries(html)
                #expect(lines.count == shown.count, "entry for entry: \(lines)")
                #expect(lines.first?.contains("Theo Therapist, therapist</strong> read a progress note") == true)
                #expect(lines.contains { $0.contains("Theo Therapist, therapist</strong> opened your record") })
                #expect(lines.contains { $0.contains("Refused") && $0.contains("Colleague, therapist</strong>")
                        && $0.contains("not on your care team") })
                #expect(lines.contains { $0.contains("Someone from another practice</strong>") && $0.contains("not part of your practice") })
                #expect(!html.contains("psychotherapy note") && !html.contains("process note."))
                #expect(!html.contains("Earlier"))
            }
            // The therapist reads the same list; reading it is reading the record, and is written down too.
            let before = try await practice.auditCount()
            try await app.testing().test(.GET, "\(record)/access", headers: therapist.headers) { response in
                #expect(response.status == .ok)
                #expect(Self.entries(response.body.string).count == shown.count)
            }
            #expect(try await practice.auditCount() == before + 1)
            try await app.testing().test(.GET, "\(record)/access", headers: colleague.headers) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/me/record-access", headers: therapist.headers) { #expect($0.status == .forbidden) }
            // Another client's list has none of this.
            try await app.testing().test(.GET, "/me/record-access", headers: other.headers) { response in
                let lines = Self.entries(response.body.string)
                #expect(lines.count == 1 && lines[0].contains("Colleague, therapist</strong> invited you to join Rapport"))
            }
        }
    }

    @Test func aLongListComesAPageAtATimeAndABadPageIsRefused() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let app = practice.app
            let record = "/clients/\(cast.clientID.uuidString.lowercased())"
            let therapist = Browser(sessionToken: try await practice.signIn(cast.own))
            let client = Browser(sessionToken: try await practice.signIn(cast.client))
            for _ in 0..<(RecordAccessLog.pageSize + 5) {
                try await app.testing().test(.GET, record, headers: therapist.headers) { #expect($0.status == .ok) }
            }
            var earlier: String?
            try await app.testing().test(.GET, "/me/record-access", headers: client.headers) { response in
                let html = response.body.string
                #expect(Self.entries(html).count == RecordAccessLog.pageSize)
                earlier = html.components(separatedBy: "href=\"/me/record-access?before=").dropFirst().first?.prefix { $0 != "\"" }.description
            }
            let next = try #require(earlier)
            try await app.testing().test(.GET, "/me/record-access?before=\(next)", headers: client.headers) { response in
                #expect(Self.entries(response.body.string).count == 5 + 1, "the rest of the reads, and the invitation")
                #expect(!response.body.string.contains("Earlier"))
            }
            try await app.testing().test(.GET, "/me/record-access?before=1", headers: client.headers) { response in
                #expect(response.status == .ok && response.body.string.contains("Nothing earlier."))
            }
            for bad in ["abc", "0", "-3", "99999999999999999999", "1.5", "%EF%BC%91"] {
                try await app.testing().test(.GET, "/me/record-access?before=\(bad)", headers: client.headers) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
