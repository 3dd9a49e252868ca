import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// `POST /api/v1/rupture-signals`: the rules on any timeline, no sign-in, nothing stored.
@Suite struct RupturesAPITests {
    func post(_ practice: TestPractice, _ json: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        try await practice.app.testing().test(.POST, "/api/v1/rupture-signals", headers: .json(), body: ByteBuffer(string: json), afterResponse: check)
    }

    @Test func aTimelineGetsItsSignalsAndNothingIsStored() async throws {
        try await TestPractice.run { practice in
            let auditBefore = try await practice.auditCount()
            let timeline = #"{"sessions":[{"attendance":"attended","feedback":{"items":[10,10,10,10],"comment":false},"outcome_check_in":"done"},"#
                + #"{"attendance":"attended","feedback":{"items":[9,8,5,9],"comment":true},"outcome_check_in":"done"},"#
                + #"{"attendance":"late","late_minutes":15,"feedback":null,"outcome_check_in":"missed"}]}"#
            try await post(practice, timeline) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let signals = try #require(json?["signals"] as? [[String: Any]])
                let found = signals.map { "\($0["session"] as? Int ?? -1):\($0["rule"] as? String ?? "")" }
                #expect(found == ["1:feedback-drop", "1:feedback-item-low", "1:feedback-below-36-first", "2:withdrawal-markers"], "\(found)")
                #expect(signals.first?["type"] as? String == "confrontation")
                #expect((signals.last?["evidence"] as? String)?.contains("late by 15 minutes") == true)
            }
            try await post(practice, #"{"sessions":[]}"#) { response in
                #expect(response.status == .ok && response.body.string == #"{"signals":[]}"#)
            }
            // Practice unlogged for two weeks is a withdrawal marker; absent or null, it isn't.
            let quiet = #"{"sessions":[{"attendance":"attended","outcome_check_in":null,"feedback":{"items":[10,10,10,10]}},"#
                + #"{"attendance":"attended","feedback":{"items":[10,10,10,10]},"practice_not_logged":true},"#
                + #"{"attendance":"attended","feedback":{"items":[10,10,10,10]},"practice_not_logged":true}]}"#
            try await post(practice, quiet) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains(#""rule":"withdrawal-markers""#))
                #expect(response.body.string.contains("session 3: practice not logged for two weeks"))
            }
            try await post(practice, quiet.replacingOccurrences(of: "true", with: "null")) { response in
                #expect(response.status == .ok && response.body.string == #"{"signals":[]}"#)
            }
            #expect(try await practice.auditCount() == auditBefore, "nothing about anyone is recorded")
        }
    }

    @Test func badTimelinesAreRefusedWithTheFieldNamed() async throws {
        try await TestPractice.run { practice in
            let cases: [(String, String)] = [
                (#"{"sessions":[{"attendance":"asleep"}]}"#, "sessions[0].attendance"),
                (#"{"sessions":[{"attendance":"late","late_minutes":241}]}"#, "sessions[0].late_minutes"),
                (#"{"sessions":[{"attendance":"late","late_minutes":-1}]}"#, "sessions[0].late_minutes"),
                (#"{"sessions":[{"attendance":"attended","feedback":{"items":[1,2,3]}}]}"#, "sessions[0].feedback.items"),
                (#"{"sessions":[{"attendance":"attended","feedback":{"items":[1,2,3,11]}}]}"#, "sessions[0].feedback.items"),
                (#"{"sessions":[{"attendance":"attended","feedback":{"items":[1,2,3,-0.5]}}]}"#, "sessions[0].feedback.items"),
                (#"{"sessions":[{"attendance":"attended"},{"attendance":"attended","outcome_check_in":"maybe"}]}"#, "sessions[1].outcome_check_in"),
                ("{\"sessions\":[" + Array(repeating: #"{"attendance":"attended"}"#, count: 201).joined(separator: ",") + "]}", "sessions"),
            ]
            for (body, field) in cases {
                try await post(practice, body) { response in
                    #expect(response.status == .unprocessableEntity, "\(body.prefix(80))")
                    #expect(response.body.string.contains(#""field":"\#(field)""#), "\(body.prefix(80)) names \(field)")
                }
            }
            for body in ["", "{}", #"{"sessions":"x"}"#, #"{"sessions":[{"attendance":"attended","practice_not_logged":"yes"}]}"#, #"{"sessions":[{"attendance":"late","late_minutes":1e308}]}"#,
                         #"{"sessions":[{"attendance":"late","late_minutes":9223372036854775808}]}"#] {
                try await post(practice, body) { #expect($0.status == .badRequest, "\(body)") }
            }
        }
    }
}
