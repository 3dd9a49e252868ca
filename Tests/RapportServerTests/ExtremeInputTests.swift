import Fluent
import Foundation
import NIOHTTP1
import RapportCore
@testable import RapportServer
import Testing
import Vapor
import VaporTesting

/// No request may stop the server. A Swift trap (an overflow, an index out of range, a date from a year of Int.max)
/// ends the process for every practice on it, so every route Vapor has is sent extreme values in every
/// integer-looking place — path segments, query strings, form fields and JSON members — by each kind of person,
/// and must answer without a 5xx. A trap here ends the test run itself, which is the failure this guards against.
@Suite struct ExtremeInputTests {
    static let extremes = [
        "-9223372036854775808", "9223372036854775807", "-1", "1e308", "NaN",
        String(repeating: "9", count: 100_000), "",
    ]

    /// Every query parameter the pages read.
    static let queryFields = ["q", "saved", "reset"]

    /// Every form field of every page, the integer-looking ones first.
    static let numericFormFields = ["q", "answer", "length", "late_minutes", "date", "time", "code"]
        + (1...10).map { "item-\($0)" }
    static let otherFormFields = ["finish", "comment", "location", "attendance", "body", "name", "email", "password",
                                  "password_confirmation", "practice_name", "secret_shown", "crisis_resources",
                                  "measure-phq-9", "enable-ors"]

    /// Every member of every JSON body, the integer-looking ones first.
    static let numericJSONFields = ["duration_minutes", "late_minutes", "answers", "before", "after", "starts_at", "code", "token"]
    static let otherJSONFields = ["practice_name", "name", "email", "password", "body", "location", "attendance",
                                  "appointment_id", "instrument", "comment"]

    static let personas: [Persona] = [.ownTherapist, .ownerOfPractice, .theClient, .signedOut]

    @Test func noRouteFailsOnExtremeNumbersFromAnyone() async throws {
        try await TestPractice.run(adjust: { $0.signedOutRequestsPerMinute = 1_000_000 }) { practice in
            let cast = try await Cast.assemble(practice)
            var tokens: [Persona: (browser: String, api: String)] = [:]
            for persona in Self.personas {
                if let person = cast.person(persona) {
                    tokens[persona] = (try await practice.signIn(person), try await practice.signIn(person, kind: .api))
                }
            }
            var failures: [String] = []
            var sent = 0
            for route in practice.app.routes.all {
                let basePath = cast.concretePath(route)
                let isAPI = basePath.hasPrefix("/api/")
                let baseline = Self.baseline(route, path: basePath, isAPI: isAPI, cast: cast)
                for persona in Self.personas {
                    let token = isAPI ? tokens[persona]?.api : tokens[persona]?.browser
                    // Field by field only for whoever the policy lets through: everyone else is refused before a
                    // field is read, which the path and all-at-once attempts already show.
                    // Public routes treat everyone alike, so one persona walks their fields.
                    let reachesHandler = route.rapportAction == .usePublicPage
                        ? persona == .signedOut
                        : route.rapportAction.flatMap { allowedPersonas[$0]?.contains(persona) } ?? true
                    for value in Self.extremes {
                        for attempt in Self.attempts(route, basePath: basePath, isAPI: isAPI, baseline: baseline, value: value,
                                                     fieldByField: reachesHandler) {
                            sent += 1
                            let status = try await Self.send(attempt, method: route.method, isAPI: isAPI, token: token, practice)
                            if status >= 500 {
                                failures.append("\(persona) \(route.method) \(attempt.label) with \(value.prefix(24)): \(status)")
                            }
                        }
                    }
                }
                // The server is still there and still answers.
                try await practice.app.testing().test(.GET, "/healthz") { #expect($0.status == .ok) }
            }
            print("extreme-input requests sent: \(sent)")
            #expect(sent > 3_000)
            #expect(failures.isEmpty, "\(failures.count) requests failed with a 5xx, e.g. \(failures.prefix(15).joined(separator: "; "))")
        }
    }

    /// The client's own check-in, page by page, with the question number from a hostile address bar.
    @Test func checkInQuestionNumberOutOfRangeIsAnInlineMessage() async throws {
        try await TestPractice.run { practice in
            let cast = try await Cast.assemble(practice)
            let browser = Browser(sessionToken: try await practice.signIn(cast.client))
            let path = "/me/check-ins/\(cast.appointmentID.uuidString.lowercased())/phq-9"
            for q in ["-9223372036854775808", "9223372036854775807", "0", "10", "abc", String(repeating: "9", count: 5_000)] {
                try await practice.app.testing().test(.GET, "\(path)?q=\(q)", headers: browser.headers) { response in
                    #expect(response.status == .badRequest, "q=\(q.prefix(20))")
                    #expect(response.body.string.contains("This check-in has questions 1 to 9"))
                    #expect(response.body.string.contains("Question 1 of 9"))
                }
                let (headers, body) = browser.form(["q": q, "answer": "1"])
                try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .unprocessableEntity, "POST q=\(q.prefix(20))")
                    #expect(response.body.string.contains("This check-in has questions 1 to 9"))
                }
            }
            #expect(try await CheckInRow.query(on: practice.app.db).count() == 0, "an out-of-range question saved an answer")
            let (headers, body) = browser.form(["q": "1", "answer": "NaN"])
            try await practice.app.testing().test(.POST, path, headers: headers, body: body) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("Please choose one of the answers."))
            }
            // A real answer still goes through.
            let (okHeaders, okBody) = browser.form(["q": "1", "answer": "1"])
            try await practice.app.testing().test(.POST, path, headers: okHeaders, body: okBody) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location)?.hasSuffix("?q=2") == true)
            }
        }
    }

    /// Dates typed into the booking form: each part is range-checked before it reaches the calendar.
    @Test func sessionDatesOutOfRangeAreRefusedNotTrapped() {
        let zone = TimeZone(identifier: "Europe/London")!
        for (date, time) in [("9223372036854775807-01-01", "10:00"), ("-9223372036854775808-01-01", "10:00"),
                             ("2026-9223372036854775807-01", "10:00"), ("2026-01-01", "9223372036854775807:00"),
                             ("2026-02-30", "10:00"), ("0-1-1", "10:00"), ("2026-01-01", "24:00"), ("2026--01", "10:00"),
                             (String(repeating: "9", count: 100_000) + "-01-01", "10:00")] {
            #expect(Appointments.start(date: date, time: time, in: zone) == nil, "\(date.prefix(30)) \(time)")
        }
        #expect(Appointments.start(date: "2026-12-01", time: "14:00", in: zone) != nil)
        #expect(Appointments.start(date: "2026-12-01", time: "14:00:00", in: zone) != nil)
    }

    // MARK: Building the attempts

    struct Attempt {
        let label: String
        let path: String
        let query: [String: String]
        let form: [String: String]?
        let json: String?
    }

    /// A body that the persona allowed would accept, so the extreme value is the only thing wrong.
    static func baseline(_ route: Route, path: String, isAPI: Bool, cast: Cast) -> (form: [String: String], json: [String: String]) {
        if path.hasPrefix("/me/check-ins/") { return (["q": "1", "answer": "0"], [:]) }
        let valid = RouteMatrixTests.validBody(path, isAPI: isAPI, appointmentID: cast.appointmentID, alertID: nil)
        var json: [String: String] = [:]
        if let data = valid.json.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for (key, value) in object {
                if let text = value as? String { json[key] = "\"\(text)\"" }
                else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                    json[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        return (route.method == .POST ? valid.form : [:], json)
    }

    /// The value as a JSON literal: a bare number where it is one (JSON allows 100,000 digits), else a string.
    static func jsonLiteral(_ value: String, for field: String) -> String {
        let number = Double(value) != nil && value.lowercased() != "nan" && !value.isEmpty
        let literal = number ? value : "\"\(value)\""
        return field == "answers" ? "[\(Array(repeating: literal, count: 9).joined(separator: ","))]" : literal
    }

    static func jsonObject(_ members: [String: String]) -> String {
        "{" + members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    static func attempts(_ route: Route, basePath: String, isAPI: Bool, baseline: (form: [String: String], json: [String: String]),
                         value: String, fieldByField: Bool) -> [Attempt] {
        var attempts: [Attempt] = []
        let isPost = route.method == .POST
        let short = value.count < 1_000
        // 1. Each path parameter replaced by the value.
        let components = basePath.split(separator: "/").map(String.init)
        for (index, component) in route.path.enumerated() where component.description.hasPrefix(":") && !value.isEmpty {
            var replaced = components
            replaced[index] = value
            attempts.append(Attempt(label: "/" + replaced.joined(separator: "/").prefix(120), path: "/" + replaced.joined(separator: "/"),
                                    query: [:], form: isPost && !isAPI ? baseline.form : nil,
                                    json: isPost && isAPI ? jsonObject(baseline.json) : nil))
        }
        // 2. Every query parameter at once (short values), then each alone.
        if short {
            attempts.append(Attempt(label: "\(basePath)?all", path: basePath, query: Dictionary(uniqueKeysWithValues: queryFields.map { ($0, value) }),
                                    form: isPost && !isAPI ? baseline.form : nil, json: isPost && isAPI ? jsonObject(baseline.json) : nil))
        }
        for field in queryFields where !isPost && fieldByField {
            attempts.append(Attempt(label: "\(basePath)?\(field)", path: basePath, query: [field: value], form: nil, json: nil))
        }
        guard isPost, fieldByField else { return attempts }
        // 3. Every body field at once (short values), then each integer-looking one alone on top of a valid body.
        if isAPI {
            if short {
                var all = baseline.json
                for field in numericJSONFields + otherJSONFields { all[field] = jsonLiteral(value, for: field) }
                attempts.append(Attempt(label: "\(basePath) {all}", path: basePath, query: [:], form: nil, json: jsonObject(all)))
            }
            for field in numericJSONFields {
                var one = baseline.json
                one[field] = jsonLiteral(value, for: field)
                attempts.append(Attempt(label: "\(basePath) {\(field)}", path: basePath, query: [:], form: nil, json: jsonObject(one)))
            }
        } else {
            if short {
                var all = baseline.form
                for field in numericFormFields + otherFormFields { all[field] = value }
                attempts.append(Attempt(label: "\(basePath) form(all)", path: basePath, query: [:], form: all, json: nil))
            }
            for field in numericFormFields {
                var one = baseline.form
                one[field] = value
                attempts.append(Attempt(label: "\(basePath) form(\(field))", path: basePath, query: [:], form: one, json: nil))
            }
        }
        return attempts
    }

    static func send(_ attempt: Attempt, method: HTTPMethod, isAPI: Bool, token: String?, _ practice: TestPractice) async throws -> UInt {
        var components = URLComponents()
        components.percentEncodedPath = attempt.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? "" }
            .joined(separator: "/")
        if !attempt.query.isEmpty {
            components.queryItems = attempt.query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        }
        let uri = components.string ?? attempt.path
        var status: UInt = 0
        if isAPI {
            var headers = HTTPHeaders.json(bearer: token)
            if token == nil { headers.remove(name: .authorization) }
            try await practice.app.testing().test(method, uri, headers: headers, body: attempt.json.map { ByteBuffer(string: $0) }) {
                status = $0.status.code
            }
        } else {
            let browser = Browser(sessionToken: token)
            if let form = attempt.form {
                let (headers, body) = browser.form(form)
                try await practice.app.testing().test(method, uri, headers: headers, body: body) { status = $0.status.code }
            } else {
                try await practice.app.testing().test(method, uri, headers: browser.headers) { status = $0.status.code }
            }
        }
        return status
    }
}
