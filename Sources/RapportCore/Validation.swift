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

    /// Whether `text` is over a limit of `maximum` characters, counted as Unicode code points: what JSON Schema's
    /// `maxLength` counts, so the OpenAPI document and the server agree to the character. Bytes follow (at most four
    /// per code point): one letter followed by 100,000 combining marks is one character to the eye but 100,001 here.
    /// The limit applies to the text as sent, before any trimming, as the document's schema does.
    public static func isTooLong(_ text: String, maximum: Int) -> Bool {
        let bytes = text.utf8.count
        if bytes <= maximum { return false }
        if bytes > maximum * 4 { return true }
        return text.unicodeScalars.count > maximum
    }

    /// Spaces and line breaks, exactly as `trimmingCharacters(in: .whitespacesAndNewlines)` strips them (Unicode Zs,
    /// tab, U+000A–U+000D, U+0085, U+2028, U+2029, and, in Foundation on Linux, the zero-width space U+200B).
    /// Spelled out so that the OpenAPI document's patterns can say the same thing character for character (`openAPIWhitespace`).
    public static let whitespace: Set<Unicode.Scalar> = Set(
        ([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x202F, 0x205F, 0x3000, 0x2028, 0x2029] + Array(0x2000...0x200B))
            .compactMap { Unicode.Scalar(UInt32($0)) })

    /// Characters no name or address may hold: control characters (C0, DEL, C1), and the invisible format characters
    /// that can make a name read differently from what it is (zero-width spaces and joiners, direction marks and
    /// overrides, the byte-order mark).
    public static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// The same two sets as regular-expression classes, for the OpenAPI document (a test compares them).
    public static let openAPIWhitespace = #"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200B\u2028\u2029\u202F\u205F\u3000"#
    public static let openAPIHidden = #"\u0000-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF"#

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

    /// A deliberately loose check: one "@", something either side, a dot inside the domain, no spaces or hidden
    /// characters, at most 254 characters. Spaces around the address are forgiven. Real validation is the invitation
    /// reaching the person.
    public static func emailProblem(_ raw: String, field: String = "email") -> FieldProblem? {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if email.isEmpty { return FieldProblem(field: field, message: "Please enter an email address.") }
        // Read as code points, not as characters: "@" or "." followed by a combining mark is still an "@" or a ".",
        // as it is to the pattern in the OpenAPI document and to a mail server.
        let parts = email.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        let looksRight = parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && parts[1].first != "." && parts[1].last != "."
            && !email.unicodeScalars.contains(where: { whitespace.contains($0) || isHidden($0) })
            && !isTooLong(raw, maximum: maximumEmailLength)
        return looksRight ? nil : FieldProblem(field: field, message: "That doesn't look like an email address. Please check it, e.g. name@example.org.")
    }

    public static func passwordProblem(_ password: String, field: String = "password") -> FieldProblem? {
        if password.unicodeScalars.count < minimumPasswordLength {
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
        if isTooLong(raw, maximum: maximumNameLength) {
            return FieldProblem(field: field, message: "Please keep this under \(maximumNameLength) characters.")
        }
        // Checked after trimming, as the name is kept: spaces and line breaks around it don't matter.
        if name.unicodeScalars.contains(where: isHidden) {
            return FieldProblem(field: field, message: "Please use letters, spaces and punctuation only.")
        }
        return nil
    }

    public static func noteProblem(_ raw: String, field: String = "body") -> FieldProblem? {
        let body = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.isEmpty { return FieldProblem(field: field, message: "The note is empty. Write something before saving.") }
        if isTooLong(raw, maximum: maximumNoteLength) {
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
