import Foundation

/// A problem with one field of a form or request body, worded for the person filling it in.
public struct FieldProblem: Sendable, Equatable, Codable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Input rules shared by pages and the API, so both refuse the same things with the same words.
public enum InputRules {
    public static let minimumPasswordLength = 12
    public static let maximumPasswordLength = 128
    public static let maximumNameLength = 200
    public static let maximumNoteLength = 50_000
    /// The longest email address SMTP allows.
    public static let maximumEmailLength = 254

    /// Whether `text` is over a limit of `maximum` characters. Characters are counted as people see them, and bytes
    /// as they are stored: one letter followed by 100,000 combining marks is one character but 200 KB. Any text of
    /// at most `maximum` Unicode code points passes both counts, which is what the OpenAPI document's `maxLength`
    /// promises (JSON Schema counts code points).
    public static func isTooLong(_ text: String, maximum: Int) -> Bool {
        text.count > maximum || text.utf8.count > maximum * 4
    }

    /// A whole number from a query string or a form field, or nil when it is not one or lies outside `range`.
    /// Checked before any arithmetic: `Int.min`, `Int.max` and a hundred thousand digits never reach `q - 1`.
    public static func integer(_ raw: String?, in range: ClosedRange<Int>) -> Int? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 20, let value = Int(trimmed), range.contains(value) else { return nil }
        return value
    }

    /// A finite decimal number from a form field (an answer on a scale), or nil: never NaN, never infinite.
    public static func decimal(_ raw: String?) -> Double? {
        guard let raw else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 32, let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// A deliberately loose check: one "@", something either side, a dot in the domain, no spaces.
    /// Real validation is the invitation reaching the person.
    public static func emailProblem(_ raw: String, field: String = "email") -> FieldProblem? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if email.isEmpty { return FieldProblem(field: field, message: "Please enter an email address.") }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let looksRight = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !email.contains(where: { $0.isWhitespace }) && !isTooLong(email, maximum: maximumEmailLength)
        return looksRight ? nil : FieldProblem(field: field, message: "That doesn't look like an email address. Please check it, e.g. name@example.org.")
    }

    public static func passwordProblem(_ password: String, field: String = "password") -> FieldProblem? {
        if password.count < minimumPasswordLength {
            return FieldProblem(field: field, message: "Please choose a password of at least \(minimumPasswordLength) characters. A few unrelated words work well.")
        }
        if isTooLong(password, maximum: maximumPasswordLength) {
            return FieldProblem(field: field, message: "Please keep your password under \(maximumPasswordLength) characters.")
        }
        return nil
    }

    public static func nameProblem(_ raw: String, field: String = "name", what: String = "a name") -> FieldProblem? {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { return FieldProblem(field: field, message: "Please enter \(what).") }
        if isTooLong(name, maximum: maximumNameLength) {
            return FieldProblem(field: field, message: "Please keep this under \(maximumNameLength) characters.")
        }
        if name.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            return FieldProblem(field: field, message: "Please use letters, spaces and punctuation only.")
        }
        return nil
    }

    public static func noteProblem(_ raw: String, field: String = "body") -> FieldProblem? {
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty { return FieldProblem(field: field, message: "The note is empty. Write something before saving.") }
        if isTooLong(body, maximum: maximumNoteLength) {
            return FieldProblem(field: field, message: "This note is longer than \(maximumNoteLength) characters. Please split it into two notes.")
        }
        return nil
    }

    /// The first word of a name, for a friendly greeting ("Welcome, Sam").
    public static func firstName(of fullName: String) -> String {
        let trimmed = fullName.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.split(separator: " ").first.map(String.init) ?? trimmed
    }
}
