public import Foundation

/// Where a check-in stands for the client and the therapist.
public enum CheckInState: String, Sendable, Codable, CaseIterable {
    /// Too early: an outcome check-in opens three days before its session, feedback when the session ends.
    case notYetOpen = "not-yet-open"
    case due
    /// Past its time but still worth doing (or entering in the room).
    case overdue
    case done
    /// Closed without an answer: too old, superseded by the next session's check-in, or the session did not happen.
    case missed

    /// Whether the client can still answer it: due, or past its time but not closed.
    public var isOpen: Bool { self == .due || self == .overdue }
}

/// A booked session, as far as check-ins care.
public struct AppointmentSlot: Sendable, Equatable {
    public let id: UUID
    public let start: Date
    public let minutes: Int
    public let cancelled: Bool
    public let attendance: Attendance?

    public init(id: UUID, start: Date, minutes: Int, cancelled: Bool, attendance: Attendance?) {
        self.id = id
        self.start = start
        self.minutes = minutes
        self.cancelled = cancelled
        self.attendance = attendance
    }

    public var end: Date { start.addingTimeInterval(Double(minutes) * 60) }
}

/// One measure to be answered for one session.
public struct PlannedCheckIn: Sendable, Equatable {
    public let appointmentID: UUID
    public let instrumentID: String
    public let purpose: InstrumentDefinition.Purpose
    public let opens: Date
    public let dueBy: Date
    public let state: CheckInState
}

/// When check-ins open, fall due and close (PRODUCT.md, "The loop at the heart of it": measured before each
/// session, feedback after it). Pure, so every boundary is tested without a clock or a database.
public enum CheckInSchedule {
    /// An outcome check-in opens this long before the session, so it describes the days just before it.
    public static let outcomeOpensBefore: TimeInterval = 3 * 86400
    /// Session feedback is due within two days of the session's end, while it is fresh.
    public static let feedbackDueWithin: TimeInterval = 2 * 86400
    /// After this long past its session, a check-in closes unanswered.
    public static let closesAfter: TimeInterval = 7 * 86400

    public static func window(_ purpose: InstrumentDefinition.Purpose, for session: AppointmentSlot) -> (opens: Date, dueBy: Date, closes: Date) {
        switch purpose {
        case .outcome:
            return (session.start.addingTimeInterval(-outcomeOpensBefore), session.start, session.start.addingTimeInterval(closesAfter))
        case .sessionFeedback:
            return (session.end, session.end.addingTimeInterval(feedbackDueWithin), session.end.addingTimeInterval(closesAfter))
        }
    }

    /// Whether a session calls for this kind of check-in at all: none for a cancelled session, and no feedback on
    /// a session that did not take place.
    public static func applies(_ purpose: InstrumentDefinition.Purpose, to session: AppointmentSlot) -> Bool {
        if session.cancelled || session.attendance == .cancelledLate { return false }
        if purpose == .sessionFeedback && session.attendance == .didNotAttend { return false }
        return true
    }

    /// Every check-in the client's sessions call for, with its state at `now`.
    ///
    /// Once its session has passed, an unanswered outcome check-in closes as `missed` when the next session's one
    /// opens (or is answered): the client is asked how they are now, never to fill in last week.
    public static func plan(appointments: [AppointmentSlot], measures: [InstrumentDefinition], completed: Set<CheckInKey>, now: Date) -> [PlannedCheckIn] {
        var planned: [PlannedCheckIn] = []
        let ordered = appointments.sorted { $0.start < $1.start }
        for measure in measures {
            let relevant = ordered.filter { applies(measure.purpose, to: $0) }
            for (index, session) in relevant.enumerated() {
                let key = CheckInKey(appointmentID: session.id, instrumentID: measure.id)
                let window = window(measure.purpose, for: session)
                var state: CheckInState
                if completed.contains(key) {
                    state = .done
                } else if now < window.opens {
                    state = .notYetOpen
                } else if now < window.dueBy {
                    state = .due
                } else if now < window.closes {
                    state = .overdue
                } else {
                    state = .missed
                }
                if measure.purpose == .outcome, state == .overdue, index + 1 < relevant.count {
                    let next = relevant[index + 1]
                    let nextKey = CheckInKey(appointmentID: next.id, instrumentID: measure.id)
                    if completed.contains(nextKey) || now >= self.window(.outcome, for: next).opens { state = .missed }
                }
                planned.append(PlannedCheckIn(appointmentID: session.id, instrumentID: measure.id, purpose: measure.purpose,
                                              opens: window.opens, dueBy: window.dueBy, state: state))
            }
        }
        return planned.sorted { ($0.dueBy, $0.instrumentID) < ($1.dueBy, $1.instrumentID) }
    }
}

public struct CheckInKey: Hashable, Sendable {
    public let appointmentID: UUID
    public let instrumentID: String

    public init(appointmentID: UUID, instrumentID: String) {
        self.appointmentID = appointmentID
        self.instrumentID = instrumentID
    }
}

/// First against latest score, said in words a therapist reads at a glance before a session.
public enum ChangeWords {
    public static func summary(_ definition: InstrumentDefinition, scores: [Double]) -> String {
        guard let first = scores.first, let latest = scores.last else { return "No scores yet." }
        let name = definition.name
        func scored(_ total: Double) -> String {
            let band = Scoring.band(for: total, in: definition).map { " (\($0.display.lowercased()))" } ?? ""
            return Scoring.format(total) + band
        }
        guard scores.count > 1 else { return "\(name): one score so far, \(scored(first)). Change shows from the second." }
        guard let result = try? ChangeStatistics.change(definition, before: first, after: latest),
              let threshold = definition.reliableChange, let cutoff = definition.casenessCutoff
        else { return "\(name) went from \(scored(first)) to \(scored(latest)) over \(scores.count) check-ins." }

        let gap = Scoring.roundToStep(abs(latest - first))
        let better = definition.direction == .lowerIsBetter ? latest < first : latest > first
        let moved = "\(Scoring.format(gap)) point\(gap == 1 ? "" : "s") \(better ? "better" : "worse")"
        var sentence = "\(name) went from \(scored(first)) to \(scored(latest)) over \(scores.count) check-ins: "
        switch result.reliableChange {
        case .improvement:
            sentence += "a reliable improvement (\(moved); \(Scoring.format(threshold)) or more counts as reliable)."
        case .deterioration:
            sentence += "a reliable deterioration (\(moved); \(Scoring.format(threshold)) or more counts as reliable)."
        case .none:
            sentence += gap == 0
                ? "no change."
                : "\(moved), less than the \(Scoring.format(threshold)) that counts as reliable."
        }
        // Which side of the cutoff counts as clinical depends on the measure's direction.
        let clinicalSide = definition.direction == .lowerIsBetter ? "at or above" : "below"
        let otherSide = definition.direction == .lowerIsBetter ? "below" : "at or above"
        let cut = Scoring.format(cutoff)
        // Recovery is judged on this measure alone; the NHS paired PHQ-9 + GAD-7 rule is not applied here.
        if result.reliableRecovery {
            sentence += " Reliable recovery on this measure: \(clinicalSide) the clinical cutoff of \(cut) at the start, \(otherSide) it now, and reliably improved."
        } else if result.recovery {
            sentence += " Recovery on this measure: \(clinicalSide) the clinical cutoff of \(cut) at the start, \(otherSide) it now (the change itself is not yet reliable)."
        } else if !result.casenessBefore && result.casenessAfter {
            sentence += " It started \(otherSide) the clinical cutoff of \(cut) and is now \(clinicalSide) it."
        } else if !result.casenessBefore {
            sentence += " It started \(otherSide) the clinical cutoff of \(cut), so recovery does not apply."
        } else {
            sentence += " Still \(clinicalSide) the clinical cutoff of \(cut)."
        }
        return sentence
    }
}
