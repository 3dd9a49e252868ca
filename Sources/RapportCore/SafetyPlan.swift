import Foundation

/// A safety plan in the Stanley–Brown form (Stanley & Brown, 2012, "Safety Planning Intervention: A Brief
/// Intervention to Mitigate Suicide Risk"): written together by client and therapist, in the client's words, with
/// the steps in the order a person takes them when a crisis builds, and their reasons for living.
public struct SafetyPlan: Sendable, Equatable, Codable {
    /// One part of the plan: its id (the form field and the stored key), its title, and what to write in it.
    public struct Section: Sendable, Equatable {
        public let id: String
        public let title: String
        public let prompt: String
    }

    public static let sections: [Section] = [
        Section(id: "warning_signs", title: "Warning signs",
                prompt: "Thoughts, images, moods, situations or behaviours that tell me a crisis may be building."),
        Section(id: "coping", title: "Things I can do on my own",
                prompt: "Ways to take my mind off things without contacting anyone: a walk, music, a shower, breathing."),
        Section(id: "distraction", title: "People and places that take my mind off things",
                prompt: "People to be with and places to go, without needing to talk about how I feel."),
        Section(id: "helpers", title: "People I can ask for help",
                prompt: "Names and numbers of people I can tell that I am struggling."),
        Section(id: "professionals", title: "Professionals and crisis lines",
                prompt: "My therapist and the practice, my doctor, a crisis line, the nearest emergency department."),
        Section(id: "safer_environment", title: "Making where I am safer",
                prompt: "What I can put away or ask someone to keep, so that means of harm are out of reach."),
        Section(id: "reasons_for_living", title: "What matters most to me and is worth living for",
                prompt: "People, animals, hopes, plans, anything: in my own words."),
    ]

    /// Each section's text, by section id; a section not written yet is absent or empty.
    public var parts: [String: String]

    public init(parts: [String: String] = [:]) {
        self.parts = parts
    }

    public func text(_ sectionID: String) -> String { parts[sectionID] ?? "" }

    /// True when nothing has been written in any section.
    public var isEmpty: Bool { Self.sections.allSatisfy { text($0.id).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }

    /// Each section at most this long: room for a list of names and numbers, not a second set of notes.
    public static let maximumSectionLength = 2000

    /// The plan from a form's fields: known sections only, each trimmed.
    public static func from(fields: [String: String]) -> SafetyPlan {
        var parts: [String: String] = [:]
        for section in sections {
            parts[section.id] = (fields[section.id] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return SafetyPlan(parts: parts)
    }

    /// What is wrong with the plan as given (`raw`, before trimming), one problem per section at fault.
    public static func problems(_ raw: [String: String]) -> [FieldProblem] {
        var problems: [FieldProblem] = []
        for section in sections where InputRules.isTooLong(raw[section.id] ?? "", maximum: maximumSectionLength) {
            problems.append(FieldProblem(field: section.id, message: "Please keep this part under \(maximumSectionLength) characters."))
        }
        if problems.isEmpty, from(fields: raw).isEmpty {
            problems.append(FieldProblem(field: sections[0].id, message: "The plan is empty. Write at least one part before saving."))
        }
        return problems
    }
}
