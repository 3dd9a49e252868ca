import Foundation

/// Disclosures under a limit of confidentiality (issue 12, point 3): what a therapist records when they must share
/// information under one of the limits the client was told of (serious risk, safeguarding, a court order or legal
/// duty), on a ledger the client reads, with an accounting for any period (HIPAA 45 CFR 164.528 style).
public enum DisclosureRules {
    /// The limits a disclosure can be made under: those every agreement states. Supervision is not a disclosure.
    public static let limits: [ConsentDocument.LimitKind] = ConsentDocument.LimitKind.required
    public static let recipientLength = 2...200
    public static let sharedLength = 2...2000
    public static let reasonLength = 2...2000
    /// Not telling the client needs a reason in law (a request from law enforcement, a court, a safety reason).
    public static let withheldReasonLength = 10...1000
    /// How far back an accounting reaches by default: six years, as 164.528(a)(1).
    public static let accountingYears = 6

    /// What a therapist writes; each text as typed (trimmed here).
    public struct Input: Sendable, Equatable {
        public let limit: String
        public let recipient: String
        public let shared: String
        public let reason: String
        /// Empty: the client is told. Otherwise the lawful reason they are not (the owner is told instead).
        public let withheldReason: String

        public init(limit: String, recipient: String, shared: String, reason: String, withheldReason: String) {
            self.limit = limit
            self.recipient = recipient
            self.shared = shared
            self.reason = reason
            self.withheldReason = withheldReason
        }

        public var limitKind: ConsentDocument.LimitKind? {
            ConsentDocument.LimitKind(rawValue: limit).flatMap { DisclosureRules.limits.contains($0) ? $0 : nil }
        }
        public var tellsClient: Bool { withheldReason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    }

    /// Field by field: `limit`, `recipient`, `shared`, `reason`, `withheld_reason`.
    public static func problems(_ input: Input) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if input.limitKind == nil {
            problems.append(FieldProblem(field: "limit", message: "Choose the limit this disclosure is made under: serious risk, safeguarding, or the law."))
        }
        func check(_ text: String, _ field: String, _ range: ClosedRange<Int>, _ what: String) {
            let count = text.trimmingCharacters(in: .whitespacesAndNewlines).count
            if !range.contains(count) {
                problems.append(FieldProblem(field: field, message: "Write \(what) (\(range.lowerBound) to \(range.upperBound) characters)."))
            }
        }
        check(input.recipient, "recipient", recipientLength, "to whom it was shared")
        check(input.shared, "shared", sharedLength, "what was shared")
        check(input.reason, "reason", reasonLength, "why it had to be shared")
        if !input.tellsClient { check(input.withheldReason, "withheld_reason", withheldReasonLength, "the lawful reason the client is not told") }
        return problems
    }

    /// The limit in the client's words.
    public static func words(_ kind: ConsentDocument.LimitKind) -> String {
        switch kind {
        case .risk: return "a serious risk to someone's safety"
        case .safeguarding: return "safeguarding a child or an adult at risk"
        case .legal: return "a court order or a duty under law"
        case .supervision: return "supervision"
        }
    }
}
