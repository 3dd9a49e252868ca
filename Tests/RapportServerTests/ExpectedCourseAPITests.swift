import Foundation
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// `POST /api/v1/instruments/{id}/expected-course`: the default model on any scores, no sign-in, nothing stored.
@Suite struct ExpectedCourseAPITests {
    func post(_ practice: TestPractice, _ instrument: String, _ json: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        try await practice.app.testing().test(.POST, "/api/v1/instruments/\(instrument)/expected-course", headers: .json(),
                                              body: ByteBuffer(string: json), afterResponse: check)
    }

    @Test func scoresGetTheirCourseBandAndNotOnTrackAndNothingIsStored() async throws {
        try await TestPractice.run { practice in
            let auditBefore = try await practice.auditCount()
            try await post(practice, "phq-9", #"{"scores":[15,13,12,14,15]}"#) { response in
                #expect(response.status == .ok)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(json["expected"] as? [Double] == [15, 13.09, 11.98, 11.19, 10.57])
                #expect(json["upper"] as? [Double] == [18.92, 17.01, 15.9, 15.11, 14.49])
                #expect(json["lower"] as? [Double] == [11.08, 9.17, 8.06, 7.26, 6.65])
                #expect(json["not_on_track"] as? [Bool] == [false, false, false, false, true])
                #expect(json["model"] as? String == "rapport-default-2026")
            }
            try await post(practice, "gad-7", #"{"scores":[3]}"#) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains(#""not_on_track":[false]"#))
            }
            #expect(try await practice.auditCount() == auditBefore, "nothing about anyone is recorded")
        }
    }

    @Test func badScoresAreRefusedWithTheFieldNamed() async throws {
        try await TestPractice.run { practice in
            let cases: [(String, String, String)] = [
                ("phq-9", #"{"scores":[]}"#, "scores"),
                ("phq-9", #"{"scores":[15,28]}"#, "scores[1]"),
                ("phq-9", #"{"scores":[15,-1]}"#, "scores[1]"),
                ("gad-7", #"{"scores":[22]}"#, "scores[0]"),
                ("phq-9", #"{"scores":[15,12.5]}"#, "scores[1]"),
                ("phq-9", "{\"scores\":[" + Array(repeating: "9", count: 201).joined(separator: ",") + "]}", "scores"),
                ("session-feedback", #"{"scores":[30,31]}"#, "instrument"),
            ]
            for (instrument, body, field) in cases {
                try await post(practice, instrument, body) { response in
                    #expect(response.status == .unprocessableEntity, "\(instrument) \(body.prefix(60))")
                    #expect(response.body.string.contains(#""field":"\#(field)""#), "\(body.prefix(60)) names \(field)")
                }
            }
            for body in ["", "{}", #"{"scores":"x"}"#, #"{"scores":[1e999]}"#, #"{"scores":[null]}"#] {
                try await post(practice, "phq-9", body) { #expect($0.status == .badRequest, "\(body)") }
            }
            try await post(practice, "no-such-measure", #"{"scores":[1]}"#) { #expect($0.status == .notFound) }
            try await post(practice, "ors", #"{"scores":[18,20]}"#) { #expect($0.status == .notFound, "licensed: not served here") }
        }
    }
}
