public import Foundation

/// An ending that lasts (issue 11, point 7; seed: influence that stays after the last session): the closing letter in
/// the therapist's words, the relapse-prevention plan, and follow-up check-ins months later.

/// The letter and plan a client keeps after the last session.
public struct ClosingLetter: Sendable, Equatable, Codable {
    public let whatChanged: String
    public let whatHelped: String
    public let earlySigns: String
    public let whatToDo: String
    public let whoToContact: String

    public init(whatChanged: String, whatHelped: String, earlySigns: String, whatToDo: String, whoToContact: String) {
        self.whatChanged = whatChanged
        self.whatHelped = whatHelped
        self.earlySigns = earlySigns
        self.whatToDo = whatToDo
        self.whoToContact = whoToContact
    }

    /// The parts in order: form field, heading as the client reads it.
    public static let parts: [(field: String, heading: String)] = [
        ("what_changed", "What changed"), ("what_helped", "What helped"), ("early_signs", "Early signs to watch for"),
        ("what_to_do", "What to do if they come back"), ("who_to_contact", "Who to contact"),
    ]

    public func text(_ field: String) -> String {
        switch field {
        case "what_changed": return whatChanged
        case "what_helped": return whatHelped
        case "early_signs": return earlySigns
        case "what_to_do": return whatToDo
        case "who_to_contact": return whoToContact
        default: return ""
        }
    }
}

public enum EndingRules {
    public static let maximumPartLength = 4000
    public static let defaultFollowUpMonths = [1, 3, 6]

    /// The letter from a form's fields, or the problems by field: every part is needed (a plan without early signs or
    /// people to contact is not one), each under `maximumPartLength`.
    public static func letter(_ fields: [String: String]) -> Result<ClosingLetter, EnquiryProblems> {
        var problems: [FieldProblem] = []
        for (field, heading) in ClosingLetter.parts {
            let raw = fields[field] ?? ""
            if raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(FieldProblem(field: field, message: "Write \(heading.lowercased()): the client keeps this part too."))
            } else if InputRules.isTooLong(raw, maximum: maximumPartLength) {
                problems.append(FieldProblem(field: field, message: "Please keep this part under \(maximumPartLength) characters."))
            }
        }
        guard problems.isEmpty else { return .failure(EnquiryProblems(problems: problems)) }
        func part(_ field: String) -> String { (fields[field] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        return .success(ClosingLetter(whatChanged: part("what_changed"), whatHelped: part("what_helped"), earlySigns: part("early_signs"),
                                      whatToDo: part("what_to_do"), whoToContact: part("who_to_contact")))
    }

    /// Follow-up months as typed ("1, 3, 6"): one to six different whole months from 1 to 24; nil when not.
    public static func followUpMonths(_ raw: String) -> [Int]? {
        let parts = raw.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard (1...6).contains(parts.count), raw.utf8.count <= 40 else { return nil }
        let months = parts.compactMap { $0.utf8.count <= 2 ? Int($0) : nil }
        guard months.count == parts.count, months.allSatisfy({ (1...24).contains($0) }), Set(months).count == months.count else { return nil }
        return months.sorted()
    }

    /// When each follow-up falls: that many calendar months after the ending.
    public static func followUpDates(months: [Int], after ended: Date, calendar: Calendar) -> [Date] {
        months.compactMap { calendar.date(byAdding: .month, value: $0, to: ended) }
    }
}
