import Foundation

/// The practice's agreement about confidentiality: what stays private, the limits (told up front: "no surprises"),
/// and how records are kept. A client signs one exact version of it; a disclosure under a limit names the limit of
/// the version they signed (issue 12). Versions are kept as the owner saved them; the SHA-256 of `signedText` is
/// stored with each signature (worked out where the cryptography lives, outside this module).
public struct ConsentDocument: Sendable, Equatable, Codable {
    /// The limits of confidentiality a practice tells its clients (PRODUCT.md, "Limits of confidentiality").
    public enum LimitKind: String, Sendable, Codable, CaseIterable {
        /// Serious risk to the client's own safety or to someone else's (duty to warn and protect).
        case risk
        /// Suspected abuse or neglect of a child or an adult at risk.
        case safeguarding
        /// A court order or another duty under law.
        case legal
        /// Talking about the work, without identifying the client, in supervision or consultation.
        case supervision

        /// The limits every agreement must state; a disclosure can be made only under one the client signed.
        public static let required: [LimitKind] = [.risk, .safeguarding, .legal]
    }

    public struct Limit: Sendable, Equatable, Codable {
        public let kind: LimitKind
        public let title: String
        public let text: String

        public init(kind: LimitKind, title: String, text: String) {
            self.kind = kind
            self.title = title
            self.text = text
        }
    }

    /// What stays private, and why it matters.
    public let introduction: String
    public let limits: [Limit]
    /// How records are kept, who can read them, and for how long.
    public let records: String

    public init(introduction: String, limits: [Limit], records: String) {
        self.introduction = introduction
        self.limits = limits
        self.records = records
    }

    /// The exact text the client reads and signs, and the one the signature's SHA-256 is taken over: the parts in
    /// order, under their headings, lines ending in "\n" only.
    public var signedText: String {
        var parts = [ConsentRules.normalised(introduction), "The limits of confidentiality"]
        for limit in limits {
            parts.append(ConsentRules.normalised(limit.title) + "\n" + ConsentRules.normalised(limit.text))
        }
        parts.append("How your record is kept")
        parts.append(ConsentRules.normalised(records))
        return parts.joined(separator: "\n\n") + "\n"
    }

    public func limit(_ kind: LimitKind) -> Limit? { limits.first { $0.kind == kind } }
}

public enum ConsentRules {
    public static let maximumIntroduction = 4_000
    public static let maximumLimitTitle = 120
    public static let maximumLimitText = 1_500
    public static let maximumRecords = 2_000
    /// A typed name, as a signature.
    public static let signatureNames = 2...120

    /// Line endings as "\n" (a browser sends CRLF), no spaces at the ends of lines or of the whole.
    public static func normalised(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                var line = line
                while line.last?.isWhitespace == true { line.removeLast() }
                return line
            }
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What is wrong with an agreement the owner wrote, each problem named by its field: `introduction`, `records`,
    /// `limit-<kind>-title`, `limit-<kind>-text`, `limits` (a required limit missing or one given twice).
    public static func problems(_ document: ConsentDocument) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        func check(_ text: String, _ field: String, _ name: String, maximum: Int) {
            let clean = normalised(text)
            if clean.isEmpty {
                problems.append(FieldProblem(field: field, message: "Please write \(name)."))
            } else if clean.count > maximum {
                problems.append(FieldProblem(field: field, message: "Please keep \(name) to \(maximum) characters (it has \(clean.count))."))
            }
        }
        check(document.introduction, "introduction", "what stays private", maximum: maximumIntroduction)
        check(document.records, "records", "how records are kept", maximum: maximumRecords)
        var seen: Set<ConsentDocument.LimitKind> = []
        for limit in document.limits {
            if !seen.insert(limit.kind).inserted {
                problems.append(FieldProblem(field: "limits", message: "Each limit can be stated once."))
            }
            check(limit.title, "limit-\(limit.kind.rawValue)-title", "the limit's heading", maximum: maximumLimitTitle)
            check(limit.text, "limit-\(limit.kind.rawValue)-text", "what the limit means", maximum: maximumLimitText)
        }
        let missing = ConsentDocument.LimitKind.required.filter { !seen.contains($0) }
        if !missing.isEmpty {
            problems.append(FieldProblem(field: "limits", message: "The agreement must state these limits: "
                + missing.map(\.rawValue).joined(separator: ", ") + "."))
        }
        return problems
    }

    /// What is wrong with a typed signature (nil: nothing).
    public static func signatureProblem(_ typedName: String) -> FieldProblem? {
        let name = typedName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard signatureNames.contains(name.count) else {
            return FieldProblem(field: "signature", message: "Please type your name to sign (2 to 120 characters).")
        }
        guard !name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            return FieldProblem(field: "signature", message: "Please type your name on one line.")
        }
        return nil
    }

    /// The plain-language starting text Rapport ships; the owner adapts it to the practice and its country.
    public static let starting = ConsentDocument(
        introduction: """
            What you say in therapy stays between you and your therapist. That privacy is what lets the work happen: \
            you can say what is really going on without worrying about being judged, or about it being used against you later.
            Your record here (your sessions, your check-ins, your messages and your therapist's notes) is encrypted, and \
            only the people caring for you can open it. Every time someone opens it, it is written down, and you can see who \
            and when on your own page.
            There are a few limits to this privacy. We tell you about them now, before anything else, so there are no surprises.
            """,
        limits: [
            ConsentDocument.Limit(kind: .risk, title: "If someone's safety is at serious risk",
                  text: "If we believe you are at serious risk of harming yourself, or that someone else is at serious risk of harm, we may need to share what is necessary to keep people safe. Wherever we can, we will talk with you first."),
            ConsentDocument.Limit(kind: .safeguarding, title: "If a child or an adult at risk may be harmed",
                  text: "If we learn that a child, or an adult who cannot protect themselves, is being harmed or neglected, or is at risk of it, we have a duty to tell the people whose job is to protect them."),
            ConsentDocument.Limit(kind: .legal, title: "If the law requires it",
                  text: "If a court orders us to, or another law requires us to share information, we will share only what is required, and tell you unless the law forbids it."),
            ConsentDocument.Limit(kind: .supervision, title: "Supervision",
                  text: "Your therapist talks about their work in supervision with an experienced colleague, to make sure you get good care. They do this without saying who you are."),
        ],
        records: """
            Your record is kept encrypted, with keys that are not stored with it. Your therapist and the people caring for you \
            can read it; the practice owner runs the practice but does not read it.
            We keep your record for as long as the law requires after therapy ends, and then it is erased so that nobody can read it again. \
            You can ask for a copy of your record at any time, and take it with you.
            Any time we share something under one of the limits above, it is written down, and you can see it on your own page.
            """)
}
