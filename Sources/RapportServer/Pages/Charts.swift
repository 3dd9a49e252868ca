import Foundation
import Plot
import RapportCore

/// Charts drawn on the server as SVG text (issue 10, point 5): no script, nothing from anywhere else, and nothing the
/// Content-Security-Policy would have to allow (presentation attributes, never a `style` attribute). Each chart is an
/// image with a title and a description that say the trend in words, and its numbers are in a table under a
/// disclosure beneath it. A chart is a value: the same data always gives the same text, so tests compare it whole.
enum Charts {
    static let width = 640.0
    static let accent = "#2f6f6a"
    static let warn = "#8a2f1d"
    static let amber = "#b7791f"
    static let expectedInk = "#4a6d94"

    /// Coordinates with one decimal: enough for a screen, and stable text for the snapshots.
    /// Written with integer arithmetic, not `String(format:)`: a record page draws a few thousand numbers, and
    /// `printf` was a twentieth of the page (perf record). Anything past ±10¹⁴ (never a coordinate) is drawn as 0.
    static func n(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        guard tenths.isFinite, abs(tenths) < 1e15 else { return "0" }
        let whole = Int(tenths)
        if whole % 10 == 0 { return String(whole / 10) }
        let size = abs(whole)
        return (whole < 0 ? "-" : "") + String(size / 10) + "." + String(size % 10)
    }

    static func day(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.day, .month], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(parts.day ?? 1) \(months[max(0, min(11, (parts.month ?? 1) - 1))])"
    }

    /// A value on the left axis, beside the plot.
    static func axisLabel(_ value: Double, x: Double, y: Double) -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y + 4))\" font-size=\"11\" text-anchor=\"end\" fill=\"#55646c\">\(Scoring.format(value))</text>"
    }

    /// A day under the plot.
    static func dayLabel(_ date: Date, x: Double, y: Double, zone: TimeZone) -> String {
        "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"11\" text-anchor=\"middle\" fill=\"#55646c\">\(day(date, zone))</text>"
    }

    /// The chart as an image: its title and its description (the trend in words) name it, then what is drawn.
    static func svg(id: String, width: Double = width, height: Double, title: String, words: String, body: String) -> String {
        "<svg viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" focusable=\"false\">"
            + "<title id=\"\(id)-title\">\(Markup.escape(title))</title><desc id=\"\(id)-desc\">\(Markup.escape(words))</desc>" + body + "</svg>"
    }

    /// Where each date falls across `width` (the middle when there is only one day).
    static func xScale(_ dates: [Date], left: Double, width: Double) -> (Date) -> Double {
        guard let first = dates.min(), let last = dates.max(), last > first else { return { _ in left + width / 2 } }
        let span = last.timeIntervalSince(first)
        return { left + width * $0.timeIntervalSince(first) / span }
    }

    /// The chart, its caption and its numbers, as one figure; with no table when its numbers are elsewhere on the page.
    /// Written with `Markup.Builder` (the same markup Plot wrote): a record page has three.
    static func figure(id: String, svg: String, caption: String, legend: [(swatch: String, label: String)], table: Node<HTML.BodyContext>?) -> Node<HTML.BodyContext> {
        var out = Markup.Builder(capacity: svg.utf8.count + 1024)
        out.raw("<figure class=\"chart\" id=\"")
        out.value(id)
        out.raw("\">")
        out.append(rendered: svg)
        out.raw("<figcaption>")
        if !legend.isEmpty {
            out.raw("<ul class=\"legend\">")
            for item in legend {
                out.raw("<li><span class=\"swatch ")
                out.value(item.swatch)
                out.raw("\" aria-hidden=\"true\"></span>")
                out.text(item.label)
                out.raw("</li>")
            }
            out.raw("</ul>")
        }
        out.element("p", text: caption)
        out.raw("</figcaption>")
        if let table {
            out.raw("<details><summary>The numbers</summary><div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"")
            out.value("The numbers of the chart: \(caption.prefix(60))")
            out.raw("\">")
            out.append(rendered: table.render(indentedBy: nil))
            out.raw("</div></details>")
        }
        out.raw("</figure>")
        return out.node()
    }
}

/// One outcome measure over time: its severity bands as strips, the clinical cutoff, the expected course and its
/// band, the scores (those off track marked), and along the top the possible ruptures, confirmed ruptures and repairs.
struct MeasureChart: Sendable {
    struct Point: Sendable { let date: Date; let score: Double }
    enum EventKind: String, Sendable { case possibleRupture = "possible", rupture, repair }
    struct Event: Sendable { let date: Date; let kind: EventKind; let label: String }

    /// One point per scored check-in, at its session's start (when it was answered, for one without a session).
    static func points(_ series: [CheckInView], starts: [UUID: Date]) -> [Point] {
        series.compactMap { view in view.total.map { Point(date: starts[view.appointmentID] ?? view.completedAt ?? view.startedAt, score: $0) } }
    }

    let definition: InstrumentDefinition
    let points: [Point]
    /// Aligned with `points`; nil for a measure without an expected course.
    let expectedCourse: ExpectedCourse?
    let events: [Event]
    let zone: TimeZone
    /// The client's own chart: their measure's plain title and the words they read, no band names, no course.
    var clientWords: String? = nil

    var id: String { "chart-\(definition.id)" }

    /// The course only when it has one entry per point, so no index can fall outside it.
    var course: ExpectedCourse? {
        guard let expectedCourse, expectedCourse.expected.count == points.count, expectedCourse.upper.count == points.count,
              expectedCourse.lower.count == points.count, expectedCourse.notOnTrack.count == points.count else { return nil }
        return expectedCourse
    }
    static let height = 250.0
    static let left = 34.0, top = 26.0, bottom = 30.0
    /// Room at the right for the bands' names, which the client's own chart doesn't show.
    var right: Double { clientWords == nil ? 118 : 20 }
    var plotWidth: Double { Charts.width - Self.left - right }
    var plotHeight: Double { Self.height - Self.top - Self.bottom }

    /// `range` is the measure's `totalRange`, worked out once per chart by the caller (it adds up every item's range:
    /// once per point it was 3 % of the record page's CPU, `perf record`).
    func y(_ value: Double, range: ClosedRange<Double>) -> Double {
        let span = max(range.upperBound - range.lowerBound, 1)
        return Self.top + plotHeight * (1 - (min(max(value, range.lowerBound), range.upperBound) - range.lowerBound) / span)
    }

    /// The trend in words: the change so far, and where the latest score stands against the expected course.
    var words: String {
        if let clientWords { return clientWords }
        let scores = points.map(\.score)
        var text = ChangeWords.summary(definition, scores: scores)
        if let course, scores.count >= 2, let last = course.notOnTrack.last {
            let run = course.latestRunNotOnTrack
            text += last
                ? " Not on track: the latest score is \(definition.direction == .lowerIsBetter ? "above" : "below") the expected course's band"
                    + (run > 1 ? " for the last \(run) scores." : ".")
                : " On track: the latest score is within or better than the expected course's band."
        }
        return text
    }

    var svg: String {
        let range = definition.totalRange
        func y(_ value: Double) -> Double { self.y(value, range: range) }
        let x = Charts.xScale(points.map(\.date) + events.map(\.date), left: Self.left + 8, width: plotWidth - 16)
        var body = ""
        // Severity bands, mildest palest; their names at the right.
        let palette = ["#eef5f0", "#f3f5e6", "#faf2df", "#f9e8dc", "#f5dfdb", "#f1d5d5"]
        let bands = definition.direction == .lowerIsBetter ? definition.band : definition.band.reversed()
        for (index, band) in bands.enumerated() {
            // Whole-score bands meet half-way between their ends (PHQ-9: 4 | 5 at 4.5).
            let top = y(min(band.max + 0.5, range.upperBound))
            let bottom = y(max(band.min - 0.5, range.lowerBound))
            let fill = palette[min(index * palette.count / max(bands.count, 1), palette.count - 1)]
            body += "<rect x=\"\(Charts.n(Self.left))\" y=\"\(Charts.n(top))\" width=\"\(Charts.n(plotWidth))\" height=\"\(Charts.n(max(bottom - top, 0)))\" fill=\"\(fill)\"/>"
            if clientWords == nil {
                body += "<text x=\"\(Charts.n(Self.left + plotWidth + 6))\" y=\"\(Charts.n((top + bottom) / 2 + 4))\" font-size=\"11\" fill=\"#55646c\">\(Markup.escape(band.display))</text>"
            }
        }
        // The clinical cutoff.
        if let cutoff = definition.casenessCutoff {
            let line = y(cutoff - (definition.direction == .lowerIsBetter ? 0.5 : 0))
            body += "<line x1=\"\(Charts.n(Self.left))\" x2=\"\(Charts.n(Self.left + plotWidth))\" y1=\"\(Charts.n(line))\" y2=\"\(Charts.n(line))\" stroke=\"\(Charts.warn)\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>"
        }
        // The expected course and its band.
        if let course, points.count >= 2 {
            let xs = points.map { x($0.date) }
            let upper = zip(xs, course.upper).map { "\(Charts.n($0)),\(Charts.n(y($1)))" }
            let lower = zip(xs, course.lower).map { "\(Charts.n($0)),\(Charts.n(y($1)))" }.reversed()
            body += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"#dbe6f2\" fill-opacity=\"0.75\"/>"
            body += "<polyline points=\"\(zip(xs, course.expected).map { "\(Charts.n($0)),\(Charts.n(y($1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(Charts.expectedInk)\" stroke-width=\"1.5\" stroke-dasharray=\"5 4\"/>"
        }
        // The scores.
        if points.count >= 2 {
            body += "<polyline points=\"\(points.map { "\(Charts.n(x($0.date))),\(Charts.n(y($0.score)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(Charts.accent)\" stroke-width=\"2.5\"/>"
        }
        for (index, point) in points.enumerated() {
            let off = course?.notOnTrack.indices.contains(index) == true && course?.notOnTrack[index] == true
            body += "<circle cx=\"\(Charts.n(x(point.date)))\" cy=\"\(Charts.n(y(point.score)))\" r=\"\(Charts.n(off ? 6 : 4.5))\" fill=\"\(off ? Charts.warn : Charts.accent)\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
        }
        // Ruptures and repairs along the top.
        for event in events {
            let cx = x(event.date), cy = 12.0
            // Each mark carries its words as a tooltip for a pointer; the description and the numbers say it for everyone.
            let tip = "<title>\(Markup.escape(event.label))</title>"
            switch event.kind {
            case .possibleRupture:
                body += "<path d=\"M\(Charts.n(cx)) \(Charts.n(cy - 6))l6 6l-6 6l-6 -6z\" fill=\"#fff\" stroke=\"\(Charts.amber)\" stroke-width=\"2\">\(tip)</path>"
            case .rupture:
                body += "<path d=\"M\(Charts.n(cx)) \(Charts.n(cy - 6))l6 6l-6 6l-6 -6z\" fill=\"\(Charts.amber)\">\(tip)</path>"
            case .repair:
                body += "<circle cx=\"\(Charts.n(cx))\" cy=\"\(Charts.n(cy))\" r=\"5\" fill=\"\(Charts.accent)\">\(tip)</circle>"
            }
        }
        // Axes: the range at the left, the first and last day below.
        for value in [range.lowerBound, range.upperBound] + (definition.casenessCutoff.map { [$0] } ?? []) {
            body += Charts.axisLabel(value, x: Self.left - 6, y: y(value))
        }
        let days = Array(Set((points.map(\.date) + events.map(\.date)).map { Charts.day($0, zone) }))
        if let first = points.first?.date, let last = points.last?.date {
            body += Charts.dayLabel(first, x: x(first), y: Self.height - 8, zone: zone)
            if days.count > 1, last > first {
                body += Charts.dayLabel(last, x: x(last), y: Self.height - 8, zone: zone)
            }
        }
        return Charts.svg(id: id, height: Self.height,
                          title: clientWords == nil ? "\(definition.name) over time" : "\(definition.clientTitle), over time", words: words, body: body)
    }

    var node: Node<HTML.BodyContext> {
        var legend: [(swatch: String, label: String)] = [("score", clientWords == nil ? "Score" : "Your answers")]
        if course != nil && points.count >= 2 { legend += [("expected", "Expected course and its band"), ("off-track", "Not on track")] }
        if definition.casenessCutoff != nil {
            legend.append(("cutoff", clientWords == nil ? "Clinical cutoff"
                : "\(definition.direction == .lowerIsBetter ? "Above" : "Below") this line, these difficulties usually get in the way"))
        }
        let kinds = Set(events.map(\.kind))
        if kinds.contains(.possibleRupture) { legend.append(("possible", "Possible rupture")) }
        if kinds.contains(.rupture) { legend.append(("rupture", "Rupture")) }
        if kinds.contains(.repair) { legend.append(("repair", "Repair")) }
        let table: Node<HTML.BodyContext>
        if let course {
            table = Markup.table(headers: ["Session", "Score", "Expected", "Band's edge", "On track"], rows: points.indices.map { index in
                let point = points[index]
                let edge = definition.direction == .lowerIsBetter ? course.upper[index] : course.lower[index]
                return [Formats.when(point.date, in: zone), Scoring.format(point.score), Charts.n(course.expected[index]), Charts.n(edge),
                        course.notOnTrack[index] ? "No" : (index == 0 ? "Start" : "Yes")]
            })
        } else {
            table = Markup.table(headers: ["When", clientWords == nil ? "Score" : "Your answers"],
                                 rows: points.map { [Formats.when($0.date, in: zone), Scoring.format($0.score)] })
        }
        return Charts.figure(id: id, svg: svg, caption: words, legend: legend, table: table)
    }
}

/// Session feedback over time with the 36-of-40 line, and an attendance strip beneath: attended, late, cancelled,
/// did not attend.
struct FeedbackChart: Sendable {
    struct Session: Sendable {
        let date: Date
        let attendance: Attendance?
        let cancelled: Bool
        let feedback: Double?
    }

    let name: String
    let sessions: [Session]
    let zone: TimeZone
    var id: String { "chart-feedback" }
    static let height = 210.0
    static let left = 34.0, right = 20.0, top = 14.0, bottom = 62.0
    var plotWidth: Double { Charts.width - Self.left - Self.right }
    var plotHeight: Double { Self.height - Self.top - Self.bottom }
    func y(_ value: Double) -> Double { Self.top + plotHeight * (1 - min(max(value, 0), 40) / 40) }

    static func attendanceWords(_ session: Session) -> String {
        if session.cancelled && session.attendance != .cancelledLate { return "Cancelled in good time" }
        return session.attendance?.display ?? "Not recorded"
    }

    static func swatch(_ session: Session) -> String {
        if session.cancelled && session.attendance != .cancelledLate { return "cancelled" }
        switch session.attendance {
        case .attended: return "attended"
        case .late: return "late"
        case .cancelledLate: return "cancelled-late"
        case .didNotAttend: return "did-not-attend"
        case nil: return "unrecorded"
        }
    }

    static let fills = ["attended": "#2f6f6a", "late": "#b7791f", "cancelled-late": "#c2562f", "did-not-attend": "#8a2f1d",
                        "cancelled": "#b9b2a6", "unrecorded": "#ffffff"]

    var words: String {
        let totals = sessions.compactMap(\.feedback)
        guard let last = totals.last else { return "No feedback yet." }
        let below = totals.filter { $0 < RuptureRules.lowTotal }.count
        var text = "Feedback after \(totals.count) \(totals.count == 1 ? "session" : "sessions"): "
            + totals.suffix(8).map(Scoring.format).joined(separator: ", ") + " of 40; the latest \(Scoring.format(last))"
            + (last < RuptureRules.lowTotal ? ", below 36." : ".")
        if below > 0 { text += " Below 36 \(below == 1 ? "once" : "\(below) times")." }
        let missed = sessions.filter { $0.attendance == .didNotAttend || $0.attendance == .cancelledLate || $0.attendance == .late }.count
        if missed > 0 { text += " \(missed) \(missed == 1 ? "session" : "sessions") late, cancelled late or missed." }
        return text
    }

    var svg: String {
        let x = Charts.xScale(sessions.map(\.date), left: Self.left + 8, width: plotWidth - 16)
        var body = "<rect x=\"\(Charts.n(Self.left))\" y=\"\(Charts.n(Self.top))\" width=\"\(Charts.n(plotWidth))\" height=\"\(Charts.n(plotHeight))\" fill=\"#f7f5f1\"/>"
        let line = y(RuptureRules.lowTotal)
        body += "<line x1=\"\(Charts.n(Self.left))\" x2=\"\(Charts.n(Self.left + plotWidth))\" y1=\"\(Charts.n(line))\" y2=\"\(Charts.n(line))\" stroke=\"\(Charts.warn)\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>"
        for value in [0.0, 36, 40] {
            body += Charts.axisLabel(value, x: Self.left - 6, y: y(value))
        }
        let given = sessions.compactMap { session in session.feedback.map { (x(session.date), $0) } }
        if given.count >= 2 {
            body += "<polyline points=\"\(given.map { "\(Charts.n($0.0)),\(Charts.n(y($0.1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(Charts.accent)\" stroke-width=\"2.5\"/>"
        }
        for (cx, total) in given {
            let low = total < RuptureRules.lowTotal
            body += "<circle cx=\"\(Charts.n(cx))\" cy=\"\(Charts.n(y(total)))\" r=\"\(Charts.n(low ? 5.5 : 4.5))\" fill=\"\(low ? Charts.warn : Charts.accent)\" stroke=\"#fff\" stroke-width=\"1.5\"/>"
        }
        // The attendance strip.
        let strip = Self.height - Self.bottom + 14
        for session in sessions {
            let fill = Self.fills[Self.swatch(session)] ?? "#fff"
            body += "<rect x=\"\(Charts.n(x(session.date) - 6))\" y=\"\(Charts.n(strip))\" width=\"12\" height=\"12\" rx=\"2\" fill=\"\(fill)\" stroke=\"#55646c\" stroke-width=\"0.75\"/>"
        }
        if let first = sessions.first?.date, let last = sessions.last?.date {
            body += Charts.dayLabel(first, x: x(first), y: Self.height - 8, zone: zone)
            if last > first {
                body += Charts.dayLabel(last, x: x(last), y: Self.height - 8, zone: zone)
            }
        }
        return Charts.svg(id: id, height: Self.height, title: "\(name) and attendance over time", words: words, body: body)
    }

    var node: Node<HTML.BodyContext> {
        let present = Set(sessions.map(Self.swatch))
        let legend: [(swatch: String, label: String)] = [("score", "Feedback total"), ("cutoff", "36 of 40")]
            + [("attended", "Attended"), ("late", "Late"), ("cancelled-late", "Cancelled late"), ("did-not-attend", "Did not attend"),
               ("cancelled", "Cancelled in good time"), ("unrecorded", "Not recorded")].filter { present.contains($0.0) }
        let table: Node<HTML.BodyContext> = Markup.table(headers: ["Session", "Attendance", "Feedback"], rows: sessions.map { session in
            [Formats.when(session.date, in: zone), Self.attendanceWords(session), session.feedback.map { "\(Scoring.format($0)) of 40" } ?? "–"]
        })
        return Charts.figure(id: id, svg: svg, caption: words, legend: legend, table: table)
    }
}
