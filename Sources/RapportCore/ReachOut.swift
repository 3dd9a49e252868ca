public import Foundation

/// Reaching out (issue 11, point 1; seed: "Open chat — Thank you for reaching out"): what a first message from someone
/// who is not a client yet may be, and the owner's settings for the public page.

/// How the person would like to be contacted.
public enum ContactRoute: String, Sendable, Codable, CaseIterable {
    case email
    case phone
    case text

    public var words: String {
        switch self {
        case .email: return "Email"
        case .phone: return "A phone call"
        case .text: return "A text message"
        }
    }

    /// What the contact field is asked as, for this route.
    public var detailLabel: String {
        switch self {
        case .email: return "Your email address"
        case .phone, .text: return "Your phone number"
        }
    }
}

/// One enquiry as the person sent it.
public struct Enquiry: Sendable, Equatable, Codable {
    public let message: String
    public let name: String?
    public let route: ContactRoute
    public let contact: String

    public init(message: String, name: String?, route: ContactRoute, contact: String) {
        self.message = message
        self.name = name
        self.route = route
        self.contact = contact
    }
}

public enum EnquiryRules {
    public static let maximumMessageLength = 3000
    public static let maximumContactLength = 254
    /// Enquiries one address may send in `burstWindow` before it is asked to wait.
    public static let burstLimit = 5
    public static let burstWindow: TimeInterval = 3600
    public static let defaultRetentionDays = 90
    public static let retentionDays = 7...730

    /// The enquiry from a form's raw fields, or every problem with them, by field.
    public static func enquiry(message: String, name: String, route: String?, contact: String) -> Result<Enquiry, EnquiryProblems> {
        var problems: [FieldProblem] = []
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            problems.append(FieldProblem(field: "message", message: "Write a few words about what brings you here. There's no wrong way to say it."))
        } else if InputRules.isTooLong(message, maximum: maximumMessageLength) {
            problems.append(FieldProblem(field: "message", message: "Please keep your message under \(maximumMessageLength) characters: there will be time to say more."))
        }
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmedName.isEmpty, let problem = InputRules.nameProblem(name, what: "a name") { problems.append(problem) }
        let chosen = route.flatMap(ContactRoute.init(rawValue:))
        if chosen == nil {
            problems.append(FieldProblem(field: "route", message: "Choose how you'd like us to contact you."))
        }
        let detail = contact.trimmingCharacters(in: .whitespacesAndNewlines)
        switch chosen {
        case .email?:
            if let problem = InputRules.emailProblem(contact, field: "contact") { problems.append(problem) }
        case .phone?, .text?:
            if let problem = phoneProblem(contact) { problems.append(problem) }
        case nil:
            if detail.isEmpty { problems.append(FieldProblem(field: "contact", message: "Tell us where to reach you.")) }
        }
        guard problems.isEmpty, let chosen else { return .failure(EnquiryProblems(problems: problems)) }
        return .success(Enquiry(message: text, name: trimmedName.isEmpty ? nil : trimmedName, route: chosen, contact: detail))
    }

    /// A phone number as people write them: digits with spaces, dashes, dots, brackets and one leading plus; 6 to 20 digits.
    public static func phoneProblem(_ raw: String) -> FieldProblem? {
        let number = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let digits = number.unicodeScalars.filter { ("0"..."9").contains($0) }.count
        let allowed = number.unicodeScalars.enumerated().allSatisfy { index, scalar in
            ("0"..."9").contains(scalar) || " -.()".unicodeScalars.contains(scalar) || (scalar == "+" && index == 0)
        }
        guard !number.isEmpty, allowed, (6...20).contains(digits), number.utf8.count <= 40 else {
            return FieldProblem(field: "contact", message: "That doesn't look like a phone number. Please check it, e.g. 07700 900123.")
        }
        return nil
    }

    /// The page's address: lower-case letters, digits and single hyphens, 3 to 60 characters.
    public static func slugProblem(_ raw: String) -> FieldProblem? {
        let valid = (3...60).contains(raw.utf8.count)
            && raw.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            && !raw.hasPrefix("-") && !raw.hasSuffix("-") && !raw.contains("--")
        return valid ? nil : FieldProblem(field: "slug", message: "Use 3 to 60 lower-case letters, digits and single hyphens, e.g. harbour-street.")
    }

    /// The one site allowed to show the small version in a frame: an origin (scheme, host, port), nothing else.
    /// Empty: none. Returns the origin as browsers compare it, or the problem.
    public static func frameOrigin(_ raw: String) -> Result<String?, EnquiryProblems> {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return .success(nil) }
        let problem = EnquiryProblems(problems: [FieldProblem(field: "frame_origin", message:
            "Give your website's address as its origin only, e.g. https://www.harbourstreet.example (no path, no *).")])
        guard text.utf8.count <= 200, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme),
              let host = url.host?.lowercased(), !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil,
              url.user == nil, !text.contains("*"),
              host.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" })
        else { return .failure(problem) }
        if let port = url.port {
            guard (1...65_535).contains(port) else { return .failure(problem) }
            return .success("\(scheme)://\(host):\(port)")
        }
        return .success("\(scheme)://\(host)")
    }
}

public struct EnquiryProblems: Error, Sendable, Equatable {
    public let problems: [FieldProblem]
}
