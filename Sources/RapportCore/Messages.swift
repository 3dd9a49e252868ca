import Foundation

/// Secure messages between a client and their care team: what a message may be, and how soon a reply can be expected.
public enum MessageRules {
    /// Long enough for a letter, short enough that a message stays a message (and a form can't fill the disk).
    public static let maximumLength = 4000

    public static func problem(_ raw: String, field: String = "body") -> FieldProblem? {
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty { return FieldProblem(field: field, message: "The message is empty. Write something before sending.") }
        if InputRules.isTooLong(raw, maximum: maximumLength) {
            return FieldProblem(field: field, message: "Please keep a message under \(maximumLength) characters, or send it in two.")
        }
        return nil
    }
}

/// How soon the practice replies to a client's message, as the owner sets it and the client reads it. A small set
/// of choices rather than free hours: each has words a client can hold the practice to.
public struct ReplyTime: Sendable, Equatable, Hashable {
    public let hours: Int

    /// The choices, in hours: a working day, two, three, five, a week.
    public static let choices: [ReplyTime] = [24, 48, 72, 120, 168].map(ReplyTime.init(hours:))
    /// Two working days, until the owner says otherwise.
    public static let standard = ReplyTime(hours: 48)

    public init(hours: Int) { self.hours = hours }

    /// The owner's stored choice, or the standard one for nothing stored or a value this version doesn't offer.
    public static func stored(_ hours: Int?) -> ReplyTime {
        guard let hours, let chosen = choices.first(where: { $0.hours == hours }) else { return standard }
        return chosen
    }

    /// A choice from a form: only one of `choices`, read as text first so no value can overflow.
    public static func chosen(_ raw: String?) -> ReplyTime? {
        guard let raw, raw.utf8.count <= 4, let hours = Int(raw) else { return nil }
        return choices.first { $0.hours == hours }
    }

    /// "within 2 working days"
    public var words: String {
        switch hours {
        case 24: return "within 1 working day"
        case 168: return "within a week"
        default: return "within \(hours / 24) working days"
        }
    }
}

/// Words to carry: short notes a therapist writes for the client to keep ("When the guilt comes after saying no,
/// remember: guilt is not proof you did something wrong"). Short on purpose: a line to open on a hard day.
public enum WordsToCarryRules {
    public static let maximumLength = 600

    public static func problem(_ raw: String, field: String = "body") -> FieldProblem? {
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty { return FieldProblem(field: field, message: "Write the words the client will carry before saving.") }
        if InputRules.isTooLong(raw, maximum: maximumLength) {
            return FieldProblem(field: field, message: "Words to carry are short: please keep them under \(maximumLength) characters.")
        }
        return nil
    }
}
