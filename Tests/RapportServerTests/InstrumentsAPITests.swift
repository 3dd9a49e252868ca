import Foundation
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

@Suite struct InstrumentsAPITests {
    func post(_ practice: TestPractice, _ path: String, _ json: String, _ check: @escaping (TestingHTTPResponse) async throws -> Void) async throws {
        try await practice.app.testing().test(.POST, "/api/v1/instruments/\(path)", headers: .json(), body: ByteBuffer(string: json), afterResponse: check)
    }

    func object(_ response: TestingHTTPResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Cases worked out by hand from the published scoring rules, through HTTP, with no sign-in.
    @Test(arguments: [
        ("phq-9", "[1,2,1,0,1,2,1,0,1]", 9, "mild", ["risk"]),
        ("phq-9", "[0,0,0,0,0,0,0,0,0]", 0, "minimal", []),
        ("phq-9", "[3,3,3,3,3,3,3,3,3]", 27, "severe", ["risk"]),
        ("phq-9", "[2,2,2,2,2,2,2,1,0]", 15, "moderately-severe", []),
        ("phq-9", "[2,2,2,2,2,0,0,0,0]", 10, "moderate", []),
        ("gad-7", "[1,1,1,1,1,0,0]", 5, "mild", []),
        ("gad-7", "[3,3,3,3,3,0,0]", 15, "severe", []),
        ("gad-7", "[2,2,2,2,2,0,0]", 10, "moderate", []),
    ])
    func scoresAsPublished(id: String, answers: String, total: Int, band: String, flags: [String]) async throws {
        try await TestPractice.run { practice in
            try await post(practice, "\(id)/score", #"{"answers":\#(answers)}"#) { response in
                #expect(response.status == .ok)
                let body = try object(response)
                #expect(body["instrument"] as? String == id)
                #expect(body["total"] as? Int == total)
                #expect(body["band"] as? String == band)
                #expect(body["flags"] as? [String] == flags)
                #expect(!response.body.string.contains("\(total).0"), "totals print as whole numbers")
            }
        }
    }

    @Test func sessionFeedbackHasANullBandAndAnAllianceFlag() async throws {
        try await TestPractice.run { practice in
            try await post(practice, "session-feedback/score", #"{"answers":[9,9,9,8],"comment":"It felt rushed"}"#) { response in
                let body = try object(response)
                #expect(body["total"] as? Int == 35)
                #expect(body.keys.contains("band") && body["band"] is NSNull)
                #expect(body["flags"] as? [String] == ["alliance-concern"])
            }
        }
    }

    @Test func changeIsClassifiedByTheNHSRulesWithTheRCI() async throws {
        try await TestPractice.run { practice in
            try await post(practice, "phq-9/change", #"{"before":15,"after":8}"#) { response in
                let body = try object(response)
                #expect(body["reliable_change"] as? String == "improvement")
                #expect(body["caseness_before"] as? Bool == true && body["caseness_after"] as? Bool == false)
                #expect(body["recovery"] as? Bool == true && body["reliable_recovery"] as? Bool == true)
                // (8 − 15) / (√2 · 5.41 · √0.16) = −2.2873
                #expect(body["rci"] as? Double == -2.2873)
            }
            // A change of exactly 6 on PHQ-9: RC = −1.9606, shown so that |rci| > 1.96 agrees with rci_reliable.
            try await post(practice, "phq-9/change", #"{"before":15,"after":9}"#) { response in
                let body = try object(response)
                #expect(body["rci"] as? Double == -1.9606 && body["rci_reliable"] as? Bool == true)
            }
            try await post(practice, "gad-7/change", #"{"before":9,"after":12}"#) { response in
                let body = try object(response)
                #expect(body["reliable_change"] as? String == "none")
                #expect(body["recovery"] as? Bool == false && body["reliable_recovery"] as? Bool == false)
            }
        }
    }

    @Test func badRequestsGetProblemDetailsAndNothingElse() async throws {
        try await TestPractice.run { practice in
            let cases: [(String, String, UInt, String?)] = [
                ("phq-9/score", #"{"answers":[1,2,3]}"#, 422, "answers"),
                ("phq-9/score", #"{"answers":[0,0,0,0,0,0,0,0,4]}"#, 422, "answers[8]"),
                ("gad-7/score", #"{"answers":[0,0,0,0,0,0,-1]}"#, 422, "answers[6]"),
                ("phq-9/score", #"{"answers":[0,0,0,0,0,0,0,0,0.5]}"#, 422, "answers[8]"),
                ("phq-9/score", #"{"answers":"none"}"#, 400, nil),
                ("phq-9/score", #"{}"#, 400, nil),
                ("unknown/score", #"{"answers":[1]}"#, 404, nil),
                ("phq-9/change", #"{"before":10,"after":30}"#, 422, "after"),
                ("phq-9/change", #"{"before":10}"#, 400, nil),
                ("session-feedback/change", #"{"before":30,"after":38}"#, 422, "instrument"),
                ("phq-9/change", #"{"before":9.5,"after":3}"#, 422, "before"),
                ("srs/score", #"{"answers":[9,9,9,9]}"#, 404, nil),
            ]
            for (path, json, status, field) in cases {
                try await post(practice, path, json) { response in
                    #expect(response.status.code == status, "\(path) \(json)")
                    #expect(response.headers.first(name: .contentType) == "application/problem+json")
                    let problem = try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
                    #expect(problem.errors?.first?.field == field, "\(path) \(json)")
                    #expect(!problem.detail.isEmpty)
                }
            }
        }
    }

    @Test func theCatalogueListsEveryMeasureWithItsLicence() async throws {
        try await TestPractice.run { practice in
            try await practice.app.testing().test(.GET, "/api/v1/instruments") { response in
                let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                #expect(list.map { $0["id"] as? String } == ["phq-9", "gad-7", "session-feedback", "ors", "srs", "core-10"])
                #expect(list.filter { $0["enabled_by_default"] as? Bool == true }.count == 3)
                #expect(list.allSatisfy { !(($0["licence"] as? String) ?? "").isEmpty })
            }
            try await practice.app.testing().test(.GET, "/api/v1/instruments/ors") { response in
                #expect(response.status == .notFound, "licensed text is not served while disabled")
                #expect(!response.body.string.contains("Individually"))
            }
            try await practice.app.testing().test(.GET, "/api/v1/instruments/phq-9") { response in
                #expect(response.body.string.contains(#""resourceType":"Questionnaire""#))
                #expect(response.body.string.contains("44261-6"))
            }
        }
    }
}

/// A path the API has, asked with a method it doesn't answer: 405 with the methods it does, not 404.
@Suite struct MethodNotAllowedTests {
    @Test func undeclaredMethodsAnswer405WithAllow() async throws {
        try await TestPractice.run { practice in
            for (method, path, allow) in [(HTTPMethod.DELETE, "/api/v1/instruments", "GET"), (.PUT, "/api/v1/instruments/phq-9/score", "POST"),
                                          (.PATCH, "/api/v1/clients", "GET, POST"), (.DELETE, "/signin", "GET, POST")] {
                try await practice.app.testing().test(method, path) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers.first(name: .allow) == allow, "\(method) \(path)")
                    if path.hasPrefix("/api/") {
                        #expect(response.headers.first(name: .contentType) == "application/problem+json")
                    }
                }
            }
            try await practice.app.testing().test(.GET, "/api/v1/no-such-thing") { #expect($0.status == .notFound) }
            try await practice.app.testing().test(.DELETE, "/api/v1/no-such-thing") { #expect($0.status == .notFound) }
        }
    }
}
