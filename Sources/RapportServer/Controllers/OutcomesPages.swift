import Fluent
import Foundation
import RapportCore
import Vapor

/// Practice outcomes for the owner (issue 10, point 7): a page and the same figures as CSV, over a date range.
enum OutcomesPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get("practice", "outcomes", action: .viewPracticeOutcomes, use: page)
        routes.get("practice", "outcomes.csv", action: .viewPracticeOutcomes, use: csv)
    }

    /// The range asked for: whole days in the practice's time zone, both ends included.
    struct Range: Sendable, Equatable {
        let firstDay: String
        let lastDay: String
        let start: Date
        let end: Date
    }

    /// The longest range one report covers: enough for any practice's history, and a bound on the dates' arithmetic.
    static let longestRangeYears = 30

    enum Parsed: Sendable, Equatable {
        case success(Range)
        case failure(FieldProblem)
    }

    /// `from` and `to` as `YYYY-MM-DD`; by default the year up to today. A problem names the field.
    static func range(from: String?, to: String?, now: Date, zone: TimeZone) -> Parsed {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        /// A day typed as `YYYY-MM-DD` in ASCII digits, from 2000 to 2100, that exists; nil for anything else.
        func day(_ text: String) -> Date? {
            let parts = text.split(separator: "-", omittingEmptySubsequences: false)
            guard text.utf8.count == 10, parts.count == 3, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
                  (2000...2100).contains(year), (1...12).contains(month), (1...31).contains(dayOfMonth),
                  let date = calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth)),
                  calendar.component(.day, from: date) == dayOfMonth
            else { return nil }
            return date
        }
        func given(_ text: String?) -> String? { text.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
        func notADay(_ field: String) -> Parsed {
            .failure(FieldProblem(field: field, message: "Please give a date as year-month-day, e.g. 2026-03-31, between 2000 and 2100."))
        }
        var lastDay = calendar.startOfDay(for: now)
        if let text = given(to) {
            guard let date = day(text) else { return notADay("to") }
            lastDay = date
        }
        var firstDay = calendar.date(byAdding: DateComponents(year: -1, day: 1), to: lastDay) ?? lastDay
        if let text = given(from) {
            guard let date = day(text) else { return notADay("from") }
            firstDay = date
        }
        guard firstDay <= lastDay else {
            return .failure(FieldProblem(field: "from", message: "The first day must be on or before the last day."))
        }
        guard let longest = calendar.date(byAdding: .year, value: longestRangeYears, to: firstDay), lastDay < longest else {
            return .failure(FieldProblem(field: "to", message: "Please choose a range of at most \(longestRangeYears) years."))
        }
        let end = calendar.date(byAdding: .day, value: 1, to: lastDay) ?? lastDay
        return .success(Range(firstDay: Formats.dateField(firstDay, in: zone), lastDay: Formats.dateField(lastDay, in: zone),
                              start: firstDay, end: end))
    }

    struct Report: Sendable {
        let range: Range
        let practice: OutcomeLine
        let therapists: [(name: String, line: OutcomeLine)]
    }

    static func report(_ req: Request, _ range: Range) async throws -> Report {
        guard let actor = req.identity.actor else { throw RapportError.denied(.notSignedIn) }
        let definitions = InstrumentCatalogue.shipped
        let outcome = definitions.filter { $0.purpose == .outcome && $0.casenessCutoff != nil && $0.reliableChange != nil }.map(\.id)
        let feedback = definitions.filter { $0.purpose == .sessionFeedback }.map(\.id)
        let episodes = try await PracticeOutcomesData.episodes(practiceID: actor.practiceID, from: range.start, to: range.end,
                                                               outcomeMeasures: outcome, feedbackMeasures: feedback, on: req.db)
        let people = People(req)
        var names: [UUID: String] = [:]
        for therapist in try await people.therapists(practiceID: actor.practiceID, on: req.db) { names[therapist.id] = therapist.name }
        // An owner who sees clients, or someone who has since left the practice's therapists, is named too.
        let others = Set(episodes.map(\.therapistID)).subtracting(names.keys)
        if !others.isEmpty {
            for user in try await UserRow.query(on: req.db).filter(\.$id ~~ Array(others)).filter(\.$practiceID == actor.practiceID).all() {
                names[try user.requireID()] = try await people.name(of: user, on: req.db)
            }
        }
        let therapistOrder = names.sorted { $0.value.localizedStandardCompare($1.value) == .orderedAscending }.map(\.key)
        let lines = PracticeOutcomes.report(episodes, therapists: therapistOrder, definitions: definitions)
        return Report(range: range, practice: lines.practice,
                      therapists: lines.therapists.map { line in
                          guard case .therapist(let id) = line.group else { return ("", line) }
                          return (names[id] ?? "A former colleague", line)
                      })
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        let zone = try await req.practiceZone()
        let from = try? req.query.get(String.self, at: "from")
        let to = try? req.query.get(String.self, at: "to")
        switch range(from: from, to: to, now: req.rapport.now, zone: zone) {
        case .failure(let problem):
            return Layout.render(PracticeOutcomesPage(report: nil, from: String((from ?? "").prefix(40)), to: String((to ?? "").prefix(40)),
                                                      problem: problem, context: req.page), status: .unprocessableEntity)
        case .success(let range):
            let report = try await report(req, range)
            return Layout.render(PracticeOutcomesPage(report: report, from: range.firstDay, to: range.lastDay, problem: nil, context: req.page))
        }
    }

    @Sendable static func csv(_ req: Request) async throws -> Response {
        let zone = try await req.practiceZone()
        switch range(from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"),
                     now: req.rapport.now, zone: zone) {
        case .failure(let problem):
            return Response(status: .unprocessableEntity, headers: ["Content-Type": "text/plain; charset=utf-8"],
                            body: .init(string: "\(problem.field): \(problem.message)\n"))
        case .success(let range):
            let report = try await report(req, range)
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            headers.replaceOrAdd(name: .contentDisposition,
                                 value: "attachment; filename=\"practice-outcomes-\(range.firstDay)-to-\(range.lastDay).csv\"")
            return Response(status: .ok, headers: headers, body: .init(string: OutcomesCSV.text(report)))
        }
    }
}

/// The practice outcomes as CSV: one line for the practice, then one per therapist. A hidden cell says `suppressed`.
enum OutcomesCSV {
    static func text(_ report: OutcomesPages.Report) -> String {
        var columns = ["group", "therapist", "from", "to"]
        columns += OutcomeLine.columns.map(\.name)
        columns += ["measured_twice_share", "reliable_improvement_share", "reliable_deterioration_share", "recovery_share",
                    "reliable_recovery_share", "feedback_completion", "feedback_mean", "ruptures_repaired_share", "sustained_recovery_share"]
        var lines = [columns.joined(separator: ",")]
        let all = [("practice", "", report.practice)] + report.therapists.map { ("therapist", $0.name, $0.line) }
        for (group, name, line) in all {
            var fields = [group, field(name), report.range.firstDay, report.range.lastDay]
            fields += OutcomeLine.columns.map { line[keyPath: $0.cell].shown.map(String.init) ?? "suppressed" }
            let shares = [line.measuredTwiceShare, line.reliableImprovementShare, line.reliableDeteriorationShare, line.recoveryShare,
                          line.reliableRecoveryShare, line.feedbackCompletion]
            fields += shares.map { $0.map { String(format: "%.3f", $0) } ?? "" }
            fields.append(line.feedbackMean.map { String(format: "%.2f", $0) } ?? "")
            fields.append(line.rupturesRepairedShare.map { String(format: "%.3f", $0) } ?? "")
            fields.append(line.sustainedRecoveryShare.map { String(format: "%.3f", $0) } ?? "")
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A text field quoted when it must be, and never read as a formula by a spreadsheet.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
