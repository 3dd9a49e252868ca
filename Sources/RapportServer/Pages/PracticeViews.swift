import Foundation
import Plot
import RapportCore

/// The last four weeks of practice, a square a day: filled for a day it was done, amber for a day it was tried, an
/// outline for "not this time", pale for a day with nothing logged, and no square before it was agreed. A therapist
/// takes in a fortnight's silence at a glance, and the client sees their own effort.
struct PracticeChart: Sendable {
    let practice: PracticeView
    let now: Date
    let zone: TimeZone
    var id = "chart-practice"
    static let days = 28
    static let left = 4.0

    enum Day: String, Sendable {
        case did, tried
        case notThisTime = "not-this-time"
        case nothing, before
    }

    /// Each of the last `days` days, oldest first, with its start and what was logged (the best of the day).
    var daysShown: [(start: Date, day: Day)] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        let agreedDay = calendar.startOfDay(for: practice.agreedAt)
        return (0..<Self.days).reversed().compactMap { back -> (Date, Day)? in
            guard let start = calendar.date(byAdding: .day, value: -back, to: today),
                  let end = calendar.date(byAdding: .day, value: 1, to: start) else { return nil }
            if start < agreedDay { return (start, .before) }
            let outcomes = Set(practice.attempts.filter { $0.loggedAt >= start && $0.loggedAt < end }.map(\.entry.outcome))
            if outcomes.contains(.did) { return (start, .did) }
            if outcomes.contains(.tried) { return (start, .tried) }
            if outcomes.contains(.notThisTime) { return (start, .notThisTime) }
            return (start, .nothing)
        }
    }

    static let fills: [Day: (fill: String, stroke: String)] = [
        .did: (Charts.accent, Charts.accent), .tried: (Charts.amber, Charts.amber), .notThisTime: ("#ffffff", "#55646c"),
        .nothing: ("#eeeae3", "#eeeae3"),
    ]

    var words: String {
        let shown = daysShown.filter { $0.day != .before }
        let logged = shown.filter { $0.day != .nothing }.count
        let counts = PracticeOutcome.allCases.map { outcome in (outcome, practice.attempts.filter { $0.entry.outcome == outcome }.count) }
        var text = "Logged on \(logged) of the \(shown.count) \(shown.count == 1 ? "day" : "days") shown"
        let parts = counts.filter { $0.1 > 0 }.map { "\($0.0.words.lowercased()) \($0.1 == 1 ? "once" : "\($0.1) times")" }
        text += parts.isEmpty ? "; nothing logged yet." : " (since it was agreed: " + parts.joined(separator: ", ") + ")."
        text += " " + PracticeChart.lastLogged(practice, now: now)
        return text
    }

    /// "Last logged 2 days ago." / "Nothing logged in the 16 days since it was agreed."
    static func lastLogged(_ practice: PracticeView, now: Date) -> String {
        func days(since date: Date) -> Int { max(0, Int((now.timeIntervalSince(date) / 86_400).rounded(.down))) }
        guard let last = practice.attempts.map(\.loggedAt).max() else {
            let quiet = days(since: practice.agreedAt)
            return quiet == 0 ? "Agreed today." : "Nothing logged in the \(quiet) \(quiet == 1 ? "day" : "days") since it was agreed."
        }
        switch days(since: last) {
        case 0: return "Last logged today."
        case 1: return "Last logged yesterday."
        case let count: return "Last logged \(count) days ago."
        }
    }

    /// Whether practice has gone unlogged for the rupture rules' two weeks.
    static func quiet(_ practice: PracticeView, now: Date) -> Bool {
        let last = practice.attempts.map(\.loggedAt).max() ?? practice.agreedAt
        return now.timeIntervalSince(last) >= Double(PracticeRules.quietDays) * 86_400
    }

    /// Two rows of fourteen days, so each square stays big enough to read on a phone; each row's first and last day
    /// named under it.
    var svg: String {
        let shown = daysShown
        let perRow = Self.days / 2
        let step = (Charts.width - 2 * Self.left) / Double(perRow)
        let cell = step * 0.78
        let rowHeight = cell + 26
        var body = ""
        for (index, item) in shown.enumerated() {
            let x = Self.left + Double(index % perRow) * step + (step - cell) / 2
            let y = 4 + Double(index / perRow) * rowHeight
            if item.day == .before {
                body += "<circle cx=\"\(Charts.n(x + cell / 2))\" cy=\"\(Charts.n(y + cell / 2))\" r=\"2\" fill=\"#b9b2a6\"/>"
            } else {
                let colour = Self.fills[item.day] ?? ("#fff", "#55646c")
                body += "<rect x=\"\(Charts.n(x))\" y=\"\(Charts.n(y))\" width=\"\(Charts.n(cell))\" height=\"\(Charts.n(cell))\" rx=\"4\" fill=\"\(colour.fill)\" stroke=\"\(colour.stroke)\" stroke-width=\"2\"/>"
            }
            if index % perRow == 0 || index % perRow == perRow - 1 || index == shown.count - 1 {
                body += Charts.dayLabel(item.start, x: x + cell / 2, y: y + cell + 16, zone: zone)
            }
        }
        let height = 4 + Double((shown.count + perRow - 1) / perRow) * rowHeight
        return Charts.svg(id: id, height: height, title: "Practice over the last four weeks", words: words, body: body)
    }

    var node: Node<HTML.BodyContext> {
        Charts.figure(id: id, svg: svg, caption: words,
                      legend: [("practice-did", "Did it"), ("practice-tried", "Tried"), ("practice-not", "Not this time"),
                               ("practice-nothing", "Nothing logged")],
                      table: nil)
    }
}

/// The practice as the client reads it, with the first tap: did it, tried, not this time.
enum PracticeCard {
    static func node(_ practice: PracticeView, context: PageContext, now: Date, heading: String = "Your practice",
                     problem: String? = nil) -> Node<HTML.BodyContext> {
        let agreement = practice.agreement
        let done = practice.doneThisWeek(now: now)
        return .div(.class("card practice"), .id("practice"),
            .h2(.plain(heading)),
            .p(.class("carry"), .plain(agreement.what)),
            .p(.class("muted"), .plain(agreement.frequency.words + " · "
                                      + PracticeRules.weekWords(frequency: agreement.frequency, attemptsThisWeek: done))),
            .if(!agreement.why.isEmpty, .blockquote(.p(.class("muted"), "Why it matters, in your words:"),
                                                    .forEach(Formats.lines(agreement.why)) { .p(.plain($0)) })),
            .unwrap(problem) { .p(.class("error"), .attribute(named: "role", value: "alert"), .plain($0)) },
            .form(.method(.post), .action("/me/practice/attempts"), .class("practice-log"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .fieldset(.element(named: "legend", nodes: [Node<HTML.FormContext>.plain("How did it go?")]),
                            .div(.class("practice-choices"),
                                 .forEach(PracticeOutcome.allCases) { outcome in
                                     .button(.type(.submit), .name("outcome"), .value(outcome.rawValue),
                                             .class(outcome == .did ? "primary" : "secondary-button"), .plain(outcome.words))
                                 }))))
    }
}

/// The client's practice: what was agreed, the first tap to log an attempt, and every attempt so far.
struct OwnPracticePage: PageView {
    let practice: PracticeView?
    let context: PageContext
    let now: Date
    let zone: TimeZone
    var logged = false
    var problem: String? = nil

    var title: String { "Your practice" }

    var content: Node<HTML.BodyContext> {
        .group(
            .p(.a(.href("/me"), "← Your space")),
            .h1("Your practice"),
            .p(.class("lead"), "Something small you and your therapist agreed to try between sessions. Log each go in two taps; your therapist sees it before your next session."),
            .if(logged, .p(.class("notice"), .id("practice-logged"), .attribute(named: "role", value: "status"),
                           "Saved. Trying counts, and so does noticing when it didn't happen.")),
            .unwrap(practice, { practice in
                .group(
                    PracticeCard.node(practice, context: context, now: now, heading: "What you agreed", problem: problem),
                    .div(.class("card"), .id("practice-history"),
                         .h2("So far"),
                         PracticeChart(practice: practice, now: now, zone: zone).node,
                         .if(!practice.attempts.isEmpty, .ul(.class("plain attempts"), .forEach(practice.attempts.prefix(30)) { attempt in
                             .li(PracticeAttemptLine.node(attempt, zone: zone))
                         }))))
            }, else: .group(
                .unwrap(problem) { .p(.class("error"), .attribute(named: "role", value: "alert"), .plain($0)) },
                .p(.class("card muted"), "No practice is agreed right now. When you and your therapist agree one, it will be here.")))
        )
    }
}

/// One attempt in a line: when, how it went, how it felt, the note.
enum PracticeAttemptLine {
    static func node(_ attempt: PracticeAttemptView, zone: TimeZone) -> Node<HTML.BodyContext> {
        let entry = attempt.entry
        return .group(
            .strong(.plain(entry.outcome.words)),
            .plain(entry.feeling.map { " · felt \($0.words.lowercased())" } ?? ""),
            .span(.class("muted"), .plain(" · " + Formats.when(attempt.loggedAt, in: zone))),
            .unwrap(entry.note) { note in .p(.class("attempt-note"), .plain(note)) })
    }
}

/// The second tap: how it felt, with a note if the client wants one. Typing the note first, then tapping a feeling,
/// saves both; "Done" saves the note alone.
struct PracticeFeelingPage: PageView {
    let attempt: PracticeAttemptView
    let context: PageContext
    var draft = ""
    var problems: [FieldProblem] = []

    var title: String { "How did it feel?" }
    var isRefusal: Bool { !problems.isEmpty }

    var content: Node<HTML.BodyContext> {
        let id = attempt.id.uuidString.lowercased()
        let problem = problems.first
        return .group(
            .p(.a(.href("/me/practice"), "← Your practice")),
            .h1("How did it feel?"),
            .p(.class("notice"), .attribute(named: "role", value: "status"), .plain("Logged: \(attempt.entry.outcome.words.lowercased()).")),
            .form(.method(.post), .action("/me/practice/attempts/\(id)"), .class("stack"), .id("feeling-form"),
                  .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                  .div(.class(problem == nil ? "field" : "field has-error"),
                       .label(.for("attempt-note"), "A note, if you want one (only you and your therapist see it)"),
                       .unwrap(problem) { .p(.class("error"), .id("attempt-note-error"), .plain($0.message)) },
                       .textarea(.name("note"), .id("attempt-note"), .rows(3),
                                 .if(problem != nil, .group(.attribute(named: "aria-invalid", value: "true"),
                                                            .attribute(named: "aria-describedby", value: "attempt-note-error"))),
                                 .plain(draft))),
                  .fieldset(.element(named: "legend", nodes: [Node<HTML.FormContext>.plain("How it felt")]),
                            .div(.class("practice-choices"),
                                 .forEach(PracticeFeeling.allCases) { feeling in
                                     .button(.type(.submit), .name("feeling"), .value(feeling.rawValue), .class("secondary-button"), .plain(feeling.words))
                                 })),
                  .button(.type(.submit), .name("feeling"), .value("none"), .class("link-button"), "Done, without a feeling"))
        )
    }
}

extension RecordPage {
    /// Practice between sessions: what was agreed, the last four weeks at a glance, the latest attempts in the client's
    /// words, and the forms to agree a new practice or stop this one.
    var practicePart: Node<HTML.BodyContext> {
        let formID = "practice-form"
        let formProblems = problems[formID] ?? []
        let first = InputRules.firstName(of: contents.name)
        let practice = contents.practice
        let chosen = drafts["practice-frequency"] ?? practice?.agreement.frequency.rawValue ?? PracticeFrequency.threeTimesAWeek.rawValue
        let frequencyProblem = formProblems.first { $0.field == "frequency" }
        return .section(.id("practice"),
            .h2("Practice between sessions"),
            .unwrap(practice, { practice in
                .group(
                    .div(.class(PracticeChart.quiet(practice, now: now) ? "card practice quiet" : "card practice"),
                         .p(.class("carry"), .plain(practice.agreement.what)),
                         .p(.class("muted"), .plain("\(practice.agreement.frequency.words) · agreed \(Charts.day(practice.agreedAt, zone)) · "
                                                   + PracticeRules.weekWords(frequency: practice.agreement.frequency,
                                                                             attemptsThisWeek: practice.doneThisWeek(now: now)))),
                         .if(!practice.agreement.why.isEmpty,
                             .blockquote(.p(.class("muted"), .plain("Why it matters, in \(first)'s words:")),
                                         .forEach(Formats.lines(practice.agreement.why)) { .p(.plain($0)) })),
                         PracticeChart(practice: practice, now: now, zone: zone).node,
                         .if(PracticeChart.quiet(practice, now: now),
                             .p(.class("flag"), .plain("Not logged for two weeks or more: a possible sign of withdrawal to ask about, gently."))),
                         .if(!practice.attempts.isEmpty, .ul(.class("plain attempts"), .forEach(practice.attempts.prefix(5)) { attempt in
                             .li(PracticeAttemptLine.node(attempt, zone: zone))
                         })),
                         .form(.method(.post), .action("\(base)/practice/stop"), .class("inline"),
                               .input(.type(.hidden), .name(CSRF.fieldName), .value(context.csrfToken)),
                               .button(.type(.submit), .class("link-button"), "Stop this practice"))))
            }, else: .p(.class("muted"), .plain("Nothing agreed yet. Agree something small with \(first) to try before the next session."))),
            opener(practice == nil ? "Agree a practice" : "Agree a new practice (it replaces this one)", id: formID,
                   open: problems[formID] != nil,
                FormParts.form(id: formID, action: "\(base)/practice", context, problems: formProblems, submit: "Agree this practice",
                    FormParts.field("what", label: "What \(first) will practise", value: drafts["practice-what"] ?? "",
                                    hint: "One thing, in a line they'll recognise: \"Say no to one request I'd usually agree to.\"",
                                    problems: formProblems, id: "practice-what"),
                    .div(.class(frequencyProblem == nil ? "field" : "field has-error"),
                         .label(.for("practice-frequency"), "How often"),
                         .unwrap(frequencyProblem) { .p(.class("error"), .id("practice-frequency-error"), .plain($0.message)) },
                         .select(.attribute(named: "name", value: "frequency"), .attribute(named: "id", value: "practice-frequency"),
                                 .forEach(PracticeFrequency.allCases) { frequency in
                                     .option(.value(frequency.rawValue), .label(frequency.words), .isSelected(frequency.rawValue == chosen))
                                 })),
                    FormParts.textArea("why", id: "practice-why", label: "Why it matters, in \(first)'s own words (optional)",
                                       value: drafts["practice-why"] ?? "", problems: formProblems, required: false, rows: 3))))
    }
}
