import Foundation

/// Possible ruptures in the working alliance, noticed from session feedback and behaviour (PRODUCT.md,
/// "Ruptures"; issue 10). Pure: a client's timeline in, signals out, each with the session it belongs to, its
/// evidence in plain words and the rule that raised it. A signal is a *possible* rupture for the therapist to look
/// at, never a verdict.
///
/// Types follow Safran & Muran: a **confrontation** rupture is dissatisfaction voiced (here: lower ratings); a
/// **withdrawal** rupture is moving away from the therapist or the work (here: lateness, late cancellations,
/// missed sessions and check-ins, feedback left ungiven, or ratings too perfect to be honest followed by absence).
public enum RuptureType: String, Sendable, Codable, CaseIterable {
    case withdrawal
    case confrontation
}

/// One session of a client's timeline, oldest first.
public struct TimelineSession: Sendable, Equatable {
    public struct Feedback: Sendable, Equatable {
        /// The four session-feedback items, 0–10 each, in the definition's order (heard, goals, approach, overall).
        public let items: [Double]
        public let comment: Bool

        public init(items: [Double], comment: Bool) {
            self.items = items
            self.comment = comment
        }

        public var total: Double { items.reduce(0, +) }
    }

    public enum OutcomeCheckIn: String, Sendable, Codable {
        case done
        case missed
    }

    public let attendance: Attendance
    public let lateMinutes: Int?
    /// Nil: no feedback given (for a session held, itself a withdrawal marker).
    public let feedback: Feedback?
    /// Nil: none was asked for this session.
    public let outcomeCheckIn: OutcomeCheckIn?

    public init(attendance: Attendance, lateMinutes: Int? = nil, feedback: Feedback?, outcomeCheckIn: OutcomeCheckIn?) {
        self.attendance = attendance
        self.lateMinutes = lateMinutes
        self.feedback = feedback
        self.outcomeCheckIn = outcomeCheckIn
    }

    /// Whether the session took place (feedback is asked only then).
    public var held: Bool { attendance == .attended || attendance == .late }
}

/// A possible rupture: which session (index into the timeline, 0 = oldest), its type, the rule and what was seen.
public struct RuptureSignal: Sendable, Equatable, Codable {
    public let session: Int
    public let type: RuptureType
    public let rule: String
    public let evidence: String

    public init(session: Int, type: RuptureType, rule: String, evidence: String) {
        self.session = session
        self.type = type
        self.rule = rule
        self.evidence = evidence
    }
}

/// A rule, as documented data: what it looks for, why, and where that comes from.
public struct RuptureRule: Sendable, Equatable {
    public let id: String
    public let type: RuptureType
    public let summary: String
    public let rationale: String
    public let source: String
}

public enum RuptureRules {
    /// A drop this large from the previous feedback total (of 40) is a signal.
    public static let feedbackDrop: Double = 5
    /// Any single item below this (of 10).
    public static let lowItem: Double = 6
    /// The total below this (of 40), the first time.
    public static let lowTotal: Double = 36
    /// Lateness of at least this many minutes counts as a withdrawal marker.
    public static let lateMarkerMinutes = 10
    /// Markers within this many most recent sessions…
    public static let withdrawalWindow = 3
    /// …at least this many of them.
    public static let withdrawalMarkers = 2
    /// Check-ins missed after feedback that was always perfect.
    public static let missedAfterPerfect = 2

    /// The session-feedback items by position, as the evidence names them.
    public static let itemNames = ["feeling heard, understood and respected", "working on what they wanted to",
                                   "the way of working", "the session overall"]

    public static let all: [RuptureRule] = [
        RuptureRule(
            id: "feedback-drop", type: .confrontation,
            summary: "Session feedback fell by 5 or more points (of 40) from the client's previous feedback.",
            rationale: "A fall in the alliance rating from one session to the next is the client telling the therapist something changed; in feedback-informed practice it is discussed at the start of the next session.",
            source: "PCOMS / OpenFIT practice with the Session Rating Scale (Duncan, Miller et al. 2003; Miller, Hubble & Duncan, feedback-informed treatment manuals): attend to any drop in SRS score."),
        RuptureRule(
            id: "feedback-item-low", type: .confrontation,
            summary: "Any session-feedback item below 6 of 10.",
            rationale: "A single low item names what is off (being heard, the goals, the approach, the session overall) even when the total looks fine.",
            source: "PCOMS convention: an SRS item below 6 of 10 marks a possible alliance problem (Duncan et al. 2003; Bertolino & Miller, ICCE manuals)."),
        RuptureRule(
            id: "feedback-below-36-first", type: .confrontation,
            summary: "Session feedback below 36 of 40 for the first time.",
            rationale: "Most clients rate the alliance highly; a total under the cutoff is uncommon and worth naming, above all the first time it happens.",
            source: "PCOMS: SRS total cutoff of 36 of 40 (Duncan et al. 2003; Miller & Duncan, SRS manual)."),
        RuptureRule(
            id: "withdrawal-markers", type: .withdrawal,
            summary: "Two or more of {late by 10 minutes or more, cancelled late, did not attend, feedback not given, outcome check-in missed} within the last three sessions, when the sessions before were free of them.",
            rationale: "Withdrawal ruptures are the ones therapists notice least: clients move away quietly rather than complain. A new cluster of these behaviours, after a clean record, is a marker to explore.",
            source: "Rupture Resolution Rating System (3RS; Eubanks, Muran & Safran 2015): withdrawal markers include avoidance and disengagement; Safran & Muran (2000), Negotiating the Therapeutic Alliance."),
        RuptureRule(
            id: "perfect-feedback-then-missed", type: .withdrawal,
            summary: "Feedback always 40 of 40, then two outcome check-ins missed.",
            rationale: "Ratings that are always perfect can mean feedback did not feel safe to give honestly; when absence follows, the client may be withdrawing instead of saying so.",
            source: "Feedback-informed treatment: uniformly perfect SRS scores warrant inquiry (Miller, Hubble & Duncan); 3RS withdrawal markers (Eubanks, Muran & Safran 2015)."),
    ]

    /// Every signal the timeline raises, ordered by session and then rule. A signal only ever concerns its own
    /// session and the ones before it, so adding later sessions never changes an earlier signal.
    public static func signals(_ sessions: [TimelineSession]) -> [RuptureSignal] {
        var found: [RuptureSignal] = []
        var previousTotal: Double?
        var lowTotalSeen = false
        var perfectOnly: Bool?  // nil until the first feedback
        var missedSincePerfect = 0
        var perfectRaised = false
        let marks = sessions.map(markers(of:))
        let firstMarked = marks.firstIndex { !$0.isEmpty } ?? sessions.count
        for (index, session) in sessions.enumerated() {
            let number = index + 1
            if let feedback = session.feedback, feedback.items.count == itemNames.count {
                let total = feedback.total
                if let previous = previousTotal, previous - total >= feedbackDrop {
                    found.append(RuptureSignal(session: index, type: .confrontation, rule: "feedback-drop",
                        evidence: "Session \(number): feedback fell from \(format(previous)) to \(format(total)) of 40."))
                }
                let low = feedback.items.enumerated().filter { $0.element < lowItem }
                if !low.isEmpty {
                    let named = low.map { "\(itemNames[$0.offset]) \(format($0.element)) of 10" }.joined(separator: "; ")
                    found.append(RuptureSignal(session: index, type: .confrontation, rule: "feedback-item-low",
                        evidence: "Session \(number): \(named)."))
                }
                if total < lowTotal && !lowTotalSeen {
                    found.append(RuptureSignal(session: index, type: .confrontation, rule: "feedback-below-36-first",
                        evidence: "Session \(number): feedback \(format(total)) of 40, below 36 for the first time."))
                }
                if total < lowTotal { lowTotalSeen = true }
                previousTotal = total
                perfectOnly = (perfectOnly ?? true) && total >= 40
            }
            if perfectOnly == true, session.outcomeCheckIn == .missed {
                missedSincePerfect += 1
                if missedSincePerfect == missedAfterPerfect && !perfectRaised {
                    perfectRaised = true
                    found.append(RuptureSignal(session: index, type: .withdrawal, rule: "perfect-feedback-then-missed",
                        evidence: "Session \(number): a second outcome check-in missed, after feedback that was always 40 of 40."))
                }
            }
            if let signal = withdrawal(at: index, marks: marks, firstMarked: firstMarked) { found.append(signal) }
        }
        return found
    }

    /// The behavioural markers of one session, in plain words.
    public static func markers(of session: TimelineSession) -> [String] {
        var markers: [String] = []
        switch session.attendance {
        case .late where (session.lateMinutes ?? 0) >= lateMarkerMinutes: markers.append("late by \(session.lateMinutes ?? 0) minutes")
        case .cancelledLate: markers.append("cancelled late")
        case .didNotAttend: markers.append("did not attend")
        case .attended, .late: break
        }
        if session.held && session.feedback == nil { markers.append("feedback not given") }
        if session.outcomeCheckIn == .missed { markers.append("outcome check-in missed") }
        return markers
    }

    /// Raised at the session that completes a new cluster: this session has a marker, the last three hold two or
    /// more, the two before it alone didn't, and every session before the three was free of markers.
    /// `marks` are every session's markers, `firstMarked` the first session that has any.
    static func withdrawal(at index: Int, marks: [[String]], firstMarked: Int) -> RuptureSignal? {
        let own = marks[index]
        guard !own.isEmpty else { return nil }
        let start = max(0, index - (withdrawalWindow - 1))
        let window = (start...index).map { (session: $0, markers: marks[$0]) }
        let total = window.reduce(0) { $0 + $1.markers.count }
        let before = total - own.count
        guard total >= withdrawalMarkers, before < withdrawalMarkers, firstMarked >= start else { return nil }
        let evidence = window.filter { !$0.markers.isEmpty }
            .map { "session \($0.session + 1): \($0.markers.joined(separator: ", "))" }.joined(separator: "; ")
        return RuptureSignal(session: index, type: .withdrawal, rule: "withdrawal-markers",
                             evidence: "In the last \(window.count) sessions, " + evidence + ".")
    }

    static func format(_ value: Double) -> String {
        // Only whole numbers in range become an Int: a value from outside must never trap the conversion.
        guard value.isFinite, abs(value) < 1_000_000 else { return "?" }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
