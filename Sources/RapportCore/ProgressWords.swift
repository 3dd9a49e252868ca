import Foundation

/// What a client reads about their own progress (issue 10, point 6; seed: "is anything really happening?"): warm,
/// plain words, never a measure's code, and the same classification the therapist sees (NHS Talking Therapies
/// reliable change and recovery), so the two never disagree. With `numbers` off, no score appears at all.
public enum ProgressWords {
    /// "your answers about your mood", from the measure's client title.
    public static func subject(_ definition: InstrumentDefinition) -> String {
        let title = definition.clientTitle
        let prefix = "A few questions about "
        if title.hasPrefix(prefix) { return "your answers about " + title.dropFirst(prefix.count) }
        return "your answers on " + title.prefix(1).lowercased() + title.dropFirst()
    }

    /// One measure's story so far. `scores` oldest first; `since` the first one's date, already in words.
    public static func measure(_ definition: InstrumentDefinition, scores: [Double], since: String, numbers: Bool) -> String {
        guard let first = scores.first, let last = scores.last else { return "" }
        let subject = subject(definition)
        guard scores.count >= 2, let result = try? ChangeStatistics.change(definition, before: first, after: last) else {
            return "You've answered these once so far. After a few more times, you'll see here how things are changing."
        }
        let from = numbers ? " have gone from \(Scoring.format(first)) to \(Scoring.format(last))" : ""
        let opening = "Since \(since), \(subject)"
        switch result.reliableChange {
        case .improvement:
            let settled = result.recovery
                ? ", and they are now in the range where most people who aren't struggling answer."
                : "."
            return numbers ? "\(opening)\(from): a real change, bigger than ordinary ups and downs\(settled)"
                           : "\(opening) show a real change, bigger than ordinary ups and downs\(settled)"
        case .deterioration:
            return (numbers ? "\(opening)\(from): things look harder lately." : "\(opening) show that things look harder lately.")
                + " Please tell your therapist how the last weeks have been. If things feel like too much, the support on your home page is there any time."
        case .none:
            let gain = definition.direction == .lowerIsBetter ? first - last : last - first
            if gain == 0 {
                return numbers ? "\(opening) have stayed about the same (\(Scoring.format(first)) then, \(Scoring.format(last)) now)."
                               : "\(opening) have stayed about the same."
            }
            let way = gain > 0 ? "a little better" : "a little harder"
            let moved = numbers ? "\(opening) have moved from \(Scoring.format(first)) to \(Scoring.format(last)), \(way)."
                                : "\(opening) have moved \(gain > 0 ? "a little in a good direction" : "a little the harder way")."
            return moved + " Changes this size can be ordinary ups and downs"
                + (gain > 0 ? ", so keep noticing how things feel." : "; it may help to tell your therapist how things have been.")
        }
    }

    /// One session's feedback, as the client gave it.
    public static func feedback(total: Double, numbers: Bool) -> String {
        let uneasy = total < RuptureRules.lowTotal
        if numbers {
            return "\(Scoring.format(total)) of 40" + (uneasy ? ": you said something didn't feel quite right, and saying so helps." : "")
        }
        return uneasy ? "Something didn't feel quite right, and you said so. That helps." : "It felt good to you."
    }

    /// A repair the therapist chose to share: what the two of them did, and how it stands. Never the kind of rupture,
    /// its markers or the therapist's note.
    public static func repair(actions: [RepairAction], outcome: RepairOutcome) -> String {
        let done = actions.map { action -> String in
            switch action {
            case .namedIt: return "named what was happening between you"
            case .invitedExploration: return "looked at it together"
            case .clarifiedMisunderstanding: return "cleared up a misunderstanding"
            case .changedTaskOrGoal: return "changed how you work or what you work on"
            case .acknowledgedOwnPart: return "your therapist owned their part in it"
            case .validated: return "your therapist recognised how it felt for you"
            case .linkedToPattern: return "connected it to a pattern in your life"
            }
        }
        let list: String
        switch done.count {
        case 0: list = ""
        case 1: list = done[0]
        default: list = done.dropLast().joined(separator: ", ") + " and " + (done.last ?? "")
        }
        let how: String
        switch outcome {
        case .resolved: how = "It feels resolved now."
        case .partly: how = "It's partly resolved."
        case .notYet: how = "You're still working on it together."
        }
        return "You and your therapist talked about something that wasn't working between you" + (list.isEmpty ? ". " : ": \(list). ") + how
    }
}
