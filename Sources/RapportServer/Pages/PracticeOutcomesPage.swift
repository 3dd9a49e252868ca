import Foundation
import Plot
import RapportCore

/// The owner's practice outcomes (issue 10, point 7): the practice's figures first, a chart of the outcomes per
/// therapist, every figure in a table, and what each one means. Aggregates only, small cells hidden.
struct PracticeOutcomesPage: PageView {
    let report: OutcomesPages.Report?
    let from: String
    let to: String
    let problem: FieldProblem?
    let context: PageContext

    var title: String { "Practice outcomes" }
    var isWide: Bool { true }
    var isRefusal: Bool { problem != nil }

    static func percent(_ share: Double?) -> String {
        guard let share else { return "–" }
        return "\(Int((share * 100).rounded())) %"
    }

    /// "12 (40 %)", or "–" when hidden.
    static func count(_ cell: OutcomeCell, share: Double? = nil, showShare: Bool = true) -> String {
        guard let shown = cell.shown else { return "–" }
        guard showShare, let share else { return "\(shown)" }
        return "\(shown) (\(percent(share)))"
    }

    var content: Node<HTML.BodyContext> {
        .group(
            .h1("Practice outcomes"),
            .p(.class("lead"), "How the practice's episodes of care have gone, from the scores and feedback clients gave. These are counts only: nobody's record is opened, and any figure about fewer than \(PracticeOutcomes.smallestShownGroup) people is hidden (–)."),
            .form(.id("outcomes-range"), .method(.get), .action("/practice/outcomes"), .class("range-form"),
                .unwrap(problem) { problem in
                    .div(.class("form-error"), .attribute(named: "role", value: "alert"), .p(.plain(problem.message)))
                },
                .label(.for("from"), "From"),
                .input(.type(.date), .id("from"), .name("from"), .value(Markup.attribute(from)),
                       .attribute(named: "aria-invalid", value: problem?.field == "from" ? "true" : "false")),
                .label(.for("to"), "To"),
                .input(.type(.date), .id("to"), .name("to"), .value(Markup.attribute(to)),
                       .attribute(named: "aria-invalid", value: problem?.field == "to" ? "true" : "false")),
                .button(.type(.submit), .class("primary"), "Show"),
                .unwrap(report) { report in
                    .a(.id("outcomes-csv"), .href("/practice/outcomes.csv?from=\(report.range.firstDay)&to=\(report.range.lastDay)"),
                       "Download as CSV")
                }),
            .unwrap(report) { report in body(report) }
        )
    }

    func body(_ report: OutcomesPages.Report) -> Node<HTML.BodyContext> {
        let practice = report.practice
        return .group(
            .if(practice.episodes.count == 0,
                .p(.class("card"), "No episode had a session or a score in this range.")),
            .section(.class("tiles"), .id("outcomes-summary"), .attribute(named: "aria-label", value: "The practice"),
                tile("Episodes", Self.count(practice.episodes), "with a session or a score in the range"),
                tile("Measured twice", Self.percent(practice.measuredTwiceShare), "have a first and a later score to compare"),
                tile("Reliable improvement", Self.percent(practice.reliableImprovementShare), "of those measured twice"),
                tile("Reliable recovery", Self.percent(practice.reliableRecoveryShare), "of those who started at caseness"),
                tile("Reliable deterioration", Self.percent(practice.reliableDeteriorationShare), "of those measured twice"),
                tile("Feedback given", Self.percent(practice.feedbackCompletion),
                     practice.feedbackMean.map { "of sessions attended · mean \(String(format: "%.1f", $0)) of 40" } ?? "of sessions attended"),
                tile("Ruptures repaired", practice.rupturesRecorded.shown.map { recorded in
                         practice.rupturesRepaired.shown.map { "\($0) of \(recorded)" } ?? "– of \(recorded)" } ?? "–",
                     "recorded in the range, and resolved"),
                tile("Sustained recovery", Self.percent(practice.sustainedRecoveryShare),
                     "of recovered episodes followed up after the ending, still below caseness then")),
            .section(.class("card"), .id("outcomes-chart-section"),
                .h2("Outcomes by therapist"),
                OutcomesChart(lines: [("The practice", practice)] + report.therapists.map { ($0.name, $0.line) }).node),
            .section(.class("card"), .id("outcomes-table-section"),
                .h2("Every figure"),
                .div(.class("table-scroll"), .attribute(named: "tabindex", value: "0"), .attribute(named: "role", value: "region"),
                     .attribute(named: "aria-label", value: "Every figure, per therapist and for the practice"),
                    .table(.class("scores outcomes"),
                        .thead(.tr(
                            .th(.attribute(named: "scope", value: "col"), "Who"),
                            .th(.attribute(named: "scope", value: "col"), "Episodes"),
                            .th(.attribute(named: "scope", value: "col"), "Measured twice"),
                            .th(.attribute(named: "scope", value: "col"), "Reliable improvement"),
                            .th(.attribute(named: "scope", value: "col"), "Reliable deterioration"),
                            .th(.attribute(named: "scope", value: "col"), "At caseness"),
                            .th(.attribute(named: "scope", value: "col"), "Recovery"),
                            .th(.attribute(named: "scope", value: "col"), "Reliable recovery"),
                            .th(.attribute(named: "scope", value: "col"), "PHQ-9 + GAD-7 paired"),
                            .th(.attribute(named: "scope", value: "col"), "Feedback given"),
                            .th(.attribute(named: "scope", value: "col"), "Mean feedback"),
                            .th(.attribute(named: "scope", value: "col"), "Ruptures recorded"),
                            .th(.attribute(named: "scope", value: "col"), "Repaired"))),
                        .tbody(
                            row("The practice", practice, isPractice: true),
                            .forEach(report.therapists) { row($0.name, $0.line, isPractice: false) })))),
            .section(.class("card"), .id("outcomes-definitions"),
                .h2("What the figures mean"),
                .dl(
                    .dt("An episode"),
                    .dd("A client's care with one therapist. It counts in a range when it had an attended session or a score there. Until Rapport records when an episode ends, its outcome compares its first score with its latest one up to the end of the range."),
                    .dt("Measured twice"),
                    .dd("Episodes with a first and a later score on the same measure. Every outcome below is a share of these (recovery: of those at caseness at the start)."),
                    .dt("Reliable improvement and deterioration"),
                    .dd("NHS Talking Therapies: the score moved by at least the measure's reliable-change amount (PHQ-9 6, GAD-7 4). With both PHQ-9 and GAD-7 measured twice they are paired: improvement needs one to fall that far and neither to rise that far; deterioration the reverse."),
                    .dt("Recovery and reliable recovery"),
                    .dd("At caseness at the start (PHQ-9 10 or more, or GAD-7 8 or more) and below caseness at the latest, on both measures when paired. Reliable recovery is recovery with reliable improvement."),
                    .dt("Sustained recovery"),
                    .dd("Of the episodes that recovered and whose client answered a follow-up check-in after the ending (1, 3 or 6 months on, the latest before the range's end), those still below caseness at it on every measure the recovery rested on."),
                    .dt("Feedback"),
                    .dd("Of the sessions attended in the range, those with feedback given afterwards, and its mean total (of 40)."),
                    .dt("Ruptures"),
                    .dd("Ruptures confirmed or recorded in the range, and those with a repair whose outcome was resolved."),
                    .dt("Hidden figures (–)"),
                    .dd("A figure about fewer than \(PracticeOutcomes.smallestShownGroup) people is hidden, and so is a share that rests on one. Where a single therapist's figure is hidden, the next smallest in that column that is about someone is hidden as well (or else the practice's), so it can't be worked out from the practice's total.")))
        )
    }

    func tile(_ label: String, _ value: String, _ note: String) -> Node<HTML.BodyContext> {
        .div(.class("tile"),
            .p(.class("tile-label"), .plain(label)),
            .p(.class("tile-value"), .plain(value)),
            .p(.class("tile-note"), .plain(note)))
    }

    func row(_ name: String, _ line: OutcomeLine, isPractice: Bool) -> Node<HTML.TableContext> {
        .tr(.class(isPractice ? "practice-line" : "therapist-line"),
            .th(.attribute(named: "scope", value: "row"), .plain(name)),
            .td(.plain(Self.count(line.episodes))),
            .td(.plain(Self.count(line.measuredTwice, share: line.measuredTwiceShare))),
            .td(.plain(Self.count(line.reliableImprovement, share: line.reliableImprovementShare))),
            .td(.plain(Self.count(line.reliableDeterioration, share: line.reliableDeteriorationShare))),
            .td(.plain(Self.count(line.atCaseness))),
            .td(.plain(Self.count(line.recovery, share: line.recoveryShare))),
            .td(.plain(Self.count(line.reliableRecovery, share: line.reliableRecoveryShare))),
            .td(.plain(Self.count(line.paired))),
            .td(.plain(Self.count(line.feedbackGiven, share: line.feedbackCompletion))),
            .td(.plain(line.feedbackMean.map { String(format: "%.1f", $0) } ?? "–")),
            .td(.plain(Self.count(line.rupturesRecorded))),
            .td(.plain(Self.count(line.rupturesRepaired, share: line.rupturesRepairedShare))))
    }
}

/// Reliable improvement, reliable recovery and reliable deterioration as bars, for the practice and each therapist.
/// A hidden share is drawn as no bar and says so.
struct OutcomesChart {
    let lines: [(name: String, line: OutcomeLine)]

    static let measures: [(label: String, colour: String, share: @Sendable (OutcomeLine) -> Double?)] = [
        ("Reliable improvement", Charts.accent, { $0.reliableImprovementShare }),
        ("Reliable recovery", Charts.expectedInk, { $0.reliableRecoveryShare }),
        ("Reliable deterioration", Charts.warn, { $0.reliableDeteriorationShare }),
    ]

    var words: String {
        lines.map { entry in
            "\(entry.name): " + Self.measures.map { "\($0.label.lowercased()) \(PracticeOutcomesPage.percent($0.share(entry.line)))" }
                .joined(separator: ", ")
        }.joined(separator: "; ") + "."
    }

    /// Each line's name above its three bars, so the chart reads on a phone as well as on a desk.
    var svg: String {
        let width = 480.0, left = 4.0, right = width - 52, barHeight = 14.0, gap = 4.0, nameHeight = 22.0, groupGap = 14.0, top = 26.0
        let groupHeight = nameHeight + Double(Self.measures.count) * (barHeight + gap) + groupGap
        let height = top + Double(lines.count) * groupHeight
        let scale = (right - left) / 100
        var body = ""
        for tick in stride(from: 0, through: 100, by: 25) {
            let x = left + Double(tick) * scale
            body += "<line x1=\"\(Charts.n(x))\" y1=\"\(Charts.n(top - 6))\" x2=\"\(Charts.n(x))\" y2=\"\(Charts.n(height - groupGap))\" stroke=\"#e1ddd5\"/>"
            let anchor = tick == 0 ? "start" : tick == 100 ? "end" : "middle"
            body += "<text x=\"\(Charts.n(x))\" y=\"15\" font-size=\"13\" text-anchor=\"\(anchor)\" fill=\"#55646c\">\(tick) %</text>"
        }
        for (index, entry) in lines.enumerated() {
            let y = top + Double(index) * groupHeight
            let name = entry.name.count > 48 ? String(entry.name.prefix(47)) + "…" : entry.name
            body += "<text x=\"\(Charts.n(left))\" y=\"\(Charts.n(y + nameHeight - 6))\" font-size=\"15\" fill=\"#1d2b33\""
                + (index == 0 ? " font-weight=\"600\"" : "") + ">\(Markup.escape(name))</text>"
            for (row, measure) in Self.measures.enumerated() {
                let barY = y + nameHeight + Double(row) * (barHeight + gap)
                if let share = measure.share(entry.line) {
                    let barWidth = max(1, share * 100 * scale)
                    body += "<rect x=\"\(Charts.n(left))\" y=\"\(Charts.n(barY))\" width=\"\(Charts.n(barWidth))\" height=\"\(Charts.n(barHeight))\" fill=\"\(measure.colour)\"/>"
                    body += "<text x=\"\(Charts.n(left + barWidth + 4))\" y=\"\(Charts.n(barY + barHeight - 2))\" font-size=\"13\" fill=\"#1d2b33\">\(PracticeOutcomesPage.percent(share))</text>"
                } else {
                    body += "<text x=\"\(Charts.n(left + 4))\" y=\"\(Charts.n(barY + barHeight - 2))\" font-size=\"13\" fill=\"#55646c\">\(measure.label.lowercased()): hidden or none</text>"
                }
            }
        }
        return Charts.svg(id: "outcomes-chart", width: width, height: height, title: "Outcomes by therapist", words: words, body: body)
    }

    /// Its numbers are the page's table, so the figure has none of its own.
    var node: Node<HTML.BodyContext> {
        Charts.figure(id: "outcomes-chart", svg: svg,
                      caption: "Shares of the episodes measured twice (reliable recovery: of those who started at caseness). Every figure is in the table below.",
                      legend: Self.measures.map { (swatch: $0.label.lowercased().replacingOccurrences(of: " ", with: "-"), label: $0.label) },
                      table: nil)
    }
}
