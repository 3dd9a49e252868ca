import Foundation

/// Possible ruptures in the working alliance, noticed from session feedback and behaviour (PRODUCT.md,
/// "Ruptures"; issue 10). Pure: a client's timeline in, signals out, each with the session it belongs to, its
/// evidence in plain words and the rule that raised it. A signal is a *possible* rupture for the therapist to look
/// at, never a verdict.
///
/// Types follow Safran & Muran: a **confrontation** rupture is dissatisfaction voiced (here: lower ratings); a
/// **withdrawal** rupture is moving away from the therapist or the work (here: lateness, late cancellations,
/// missed sessions and check-ins, feedback left ungiven, practice between sessions left unlogged, or ratings too
/// perfect to be honest followed by absence).
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

        /// False when only the total and whether an answer was below 6 are known (`summarised`).
        public let itemsKnown: Bool

        public init(items: [Double], comment: Bool) {
            self.items = items
            self.comment = comment
            self.itemsKnown = true
        }

        private init(summarised items: [Double]) {
            self.items = items
            self.comment = false
            self.itemsKnown = false
        }

        /// Feedback known by its total and by whether any answer was below 6 (the plain `low-item` flag), as the
        /// caseload reads it without opening anyone's answers. The items stand in with that total and that property,
        /// which is all any rule reads: totals (drop, below 36, always 40) and whether an item is below `lowItem`.
        /// Evidence that names an item is not available for these (`brief` says "a feedback answer below 6").
        public static func summarised(total: Double, lowItem: Bool) -> Feedback {
            let total = min(max(total, 0), 40)
            guard lowItem else { return Feedback(summarised: Array(repeating: total / 4, count: 4)) }
            // One answer below 6 and the rest spread over three answers of at most 10 (a total with a low answer is
            // at most 5 + 30).
            let low = min(total, 5)
            let rest = min(total - low, 30) / 3
            return Feedback(summarised: [low, rest, rest, rest])
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
    /// Whether feedback was asked after this session: a client who is not asked for feedback has not withheld it.
    public let feedbackAsked: Bool
    /// Whether, by this session, practice agreed between sessions had gone unlogged for `PracticeRules.quietDays`.
    public let practiceNotLogged: Bool

    public init(attendance: Attendance, lateMinutes: Int? = nil, feedback: Feedback?, outcomeCheckIn: OutcomeCheckIn?,
                feedbackAsked: Bool = true, practiceNotLogged: Bool = false) {
        self.attendance = attendance
        self.lateMinutes = lateMinutes
        self.feedback = feedback
        self.outcomeCheckIn = outcomeCheckIn
        self.feedbackAsked = feedbackAsked || feedback != nil
        self.practiceNotLogged = practiceNotLogged
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
            summary: "Two or more of {late by 10 minutes or more, cancelled late, did not attend, feedback not given, outcome check-in missed, practice not logged for two weeks} within the last three sessions, when the sessions before were free of them.",
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

    /// A signal in a few words, for a list that says *why* at a glance ("feedback fell 30 → 24").
    public static func brief(_ signal: RuptureSignal, in sessions: [TimelineSession]) -> String {
        guard sessions.indices.contains(signal.session) else { return signal.rule }
        let session = sessions[signal.session]
        let total = session.feedback?.total
        switch signal.rule {
        case "feedback-drop":
            let previous = sessions[..<signal.session].last { $0.feedback != nil }?.feedback?.total
            return "feedback fell \(previous.map(format) ?? "?") → \(total.map(format) ?? "?")"
        case "feedback-item-low":
            guard session.feedback?.itemsKnown == true else { return "a feedback answer below 6" }
            let low = session.feedback?.items.enumerated().first { $0.element < lowItem }
                .flatMap { itemNames.indices.contains($0.offset) ? $0 : nil }
            return low.map { "feedback: \(itemNames[$0.offset]) \(format($0.element)) of 10" } ?? "a feedback answer below 6"
        case "feedback-below-36-first":
            return "feedback \(total.map(format) ?? "?") of 40, first time below 36"
        case "withdrawal-markers":
            let start = max(0, signal.session - (withdrawalWindow - 1))
            // Each marker once, in the order first seen, with how often when more than once.
            let seen = sessions[start...signal.session].flatMap(markers(of:))
            var order: [String] = []
            for marker in seen where !order.contains(marker) { order.append(marker) }
            return "withdrawal: " + order.map { marker in
                let count = seen.filter { $0 == marker }.count
                return count > 1 ? "\(marker) ×\(count)" : marker
            }.joined(separator: ", ")
        case "perfect-feedback-then-missed":
            return "feedback always 40, then \(missedAfterPerfect) check-ins missed"
        default:
            return signal.rule
        }
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
        if session.held && session.feedbackAsked && session.feedback == nil { markers.append("feedback not given") }
        if session.outcomeCheckIn == .missed { markers.append("outcome check-in missed") }
        if session.practiceNotLogged { markers.append("practice not logged for two weeks") }
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

// MARK: The rupture → repair log's words

/// What the therapist saw in the room, after the Rupture Resolution Rating System (3RS; Eubanks, Muran & Safran
/// 2015): its withdrawal and confrontation markers, in plain words.
public enum RuptureMarker: String, Sendable, Codable, CaseIterable {
    // Withdrawal: moving away from the therapist or the work.
    case minimalResponse = "minimal-response"
    case shiftingTopic = "shifting-topic"
    case deferring
    case contentAffectSplit = "content-affect-split"
    case abstractTalk = "abstract-talk"
    case denial
    case selfCriticism = "self-criticism"
    // Confrontation: moving against the therapist or the work.
    case complaintAboutTherapist = "complaint-about-therapist"
    case complaintAboutWork = "complaint-about-work"
    case complaintAboutArrangements = "complaint-about-arrangements"
    case complaintAboutProgress = "complaint-about-progress"
    case rejectingIntervention = "rejecting-intervention"
    case defendingAgainstTherapist = "defending-against-therapist"
    case pressuringTherapist = "pressuring-therapist"

    public var type: RuptureType {
        switch self {
        case .minimalResponse, .shiftingTopic, .deferring, .contentAffectSplit, .abstractTalk, .denial, .selfCriticism:
            return .withdrawal
        case .complaintAboutTherapist, .complaintAboutWork, .complaintAboutArrangements, .complaintAboutProgress,
             .rejectingIntervention, .defendingAgainstTherapist, .pressuringTherapist:
            return .confrontation
        }
    }

    public var display: String {
        switch self {
        case .minimalResponse: return "Minimal response"
        case .shiftingTopic: return "Shifting the topic, avoidant storytelling"
        case .deferring: return "Deferring, appeasing"
        case .contentAffectSplit: return "Content/affect split"
        case .abstractTalk: return "Abstract or intellectual talk"
        case .denial: return "Denying a feeling that shows"
        case .selfCriticism: return "Self-criticism, hopelessness"
        case .complaintAboutTherapist: return "Complaint about the therapist"
        case .complaintAboutWork: return "Complaint about the work or its tasks"
        case .complaintAboutArrangements: return "Complaint about the arrangements (times, fees, rules)"
        case .complaintAboutProgress: return "Complaint about progress"
        case .rejectingIntervention: return "Rejecting an intervention"
        case .defendingAgainstTherapist: return "Defending against the therapist"
        case .pressuringTherapist: return "Trying to control or pressure the therapist"
        }
    }
}

/// What the therapist did to repair a rupture (Safran & Muran's immediate and expressive strategies; 3RS resolution
/// strategies).
public enum RepairAction: String, Sendable, Codable, CaseIterable {
    case namedIt = "named-it"
    case invitedExploration = "invited-exploration"
    case clarifiedMisunderstanding = "clarified-misunderstanding"
    case changedTaskOrGoal = "changed-task-or-goal"
    case acknowledgedOwnPart = "acknowledged-own-part"
    case validated
    case linkedToPattern = "linked-to-pattern"

    public var display: String {
        switch self {
        case .namedIt: return "Named what was happening between us"
        case .invitedExploration: return "Invited the client to explore it"
        case .clarifiedMisunderstanding: return "Clarified a misunderstanding"
        case .changedTaskOrGoal: return "Changed the task or the goal"
        case .acknowledgedOwnPart: return "Acknowledged my own part"
        case .validated: return "Validated the client's experience"
        case .linkedToPattern: return "Linked it to a pattern in the client's life"
        }
    }
}

public enum RepairOutcome: String, Sendable, Codable, CaseIterable {
    case resolved
    case partly
    case notYet = "not-yet"

    public var display: String {
        switch self {
        case .resolved: return "Resolved"
        case .partly: return "Partly resolved"
        case .notYet: return "Not yet resolved"
        }
    }
}

/// Whether feedback came back after a rupture: the last feedback before its session, the feedback at it, and every
/// total since. Pure, so the record, the API and the tests agree.
public struct FeedbackRecovery: Sendable, Equatable, Codable {
    public let before: Double?
    public let at: Double?
    public let since: [Double]

    /// Back to where it was before the rupture, or to the 36-of-40 line, in a later session.
    public var recovered: Bool? {
        guard !since.isEmpty else { return nil }
        let line = min(before ?? RuptureRules.lowTotal, RuptureRules.lowTotal)
        return since.contains { $0 >= line }
    }

    /// `totals` are the feedback totals of the timeline's sessions (nil where none was given), `index` the
    /// rupture's session.
    public static func around(_ index: Int, totals: [Double?]) -> FeedbackRecovery {
        guard totals.indices.contains(index) else { return FeedbackRecovery(before: nil, at: nil, since: []) }
        return FeedbackRecovery(before: totals[..<index].last { $0 != nil } ?? nil, at: totals[index],
                                since: totals[(index + 1)...].compactMap { $0 })
    }

    enum CodingKeys: String, CodingKey {
        case before, at, since, recovered
    }

    public init(before: Double?, at: Double?, since: [Double]) {
        self.before = before
        self.at = at
        self.since = since
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(before: try container.decodeIfPresent(Double.self, forKey: .before),
                  at: try container.decodeIfPresent(Double.self, forKey: .at),
                  since: try container.decode([Double].self, forKey: .since))
    }

    /// Every key always present, `null` where there is nothing, and `recovered` worked out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(before, forKey: .before)
        try container.encode(at, forKey: .at)
        try container.encode(since, forKey: .since)
        try container.encode(recovered, forKey: .recovered)
    }

    /// "Feedback 38 before, 30 at it; since: 33, 37. Back to where it was."
    public var words: String {
        var parts: [String] = []
        var around: [String] = []
        if let before { around.append("\(RuptureRules.format(before)) before") }
        if let at { around.append("\(RuptureRules.format(at)) at it") }
        if !around.isEmpty { parts.append("Feedback " + around.joined(separator: ", ") + ".") }
        if since.isEmpty {
            parts.append("No feedback since yet.")
        } else {
            parts.append("Since: " + since.map(RuptureRules.format).joined(separator: ", ") + ".")
            parts.append(recovered == true ? "Feedback recovered." : "Feedback has not recovered yet.")
        }
        return parts.joined(separator: " ")
    }
}
