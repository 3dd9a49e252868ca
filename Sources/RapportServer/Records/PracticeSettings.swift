import Fluent
import Foundation
import RapportCore
import RapportVault

/// The owner's settings for the practice.
enum PracticeSettings {
    /// Shown until the owner writes their own: where to turn now, in calm words, without assuming a country.
    static let defaultCrisisResources = """
        If you are in danger now, or feel you might act on thoughts of harming yourself, please call your local emergency number or go to the nearest emergency department.
        You can also talk to someone at any hour: in the UK and Ireland, Samaritans on 116 123; in the US, call or text 988.
        """
    static let maximumCrisisLength = 2000

    static func row(practiceID: UUID, on db: any Database) async throws -> PracticeSettingsRow? {
        try await PracticeSettingsRow.find(practiceID, on: db)
    }

    /// The measures this practice can use: those enabled by default, and the licensed ones the owner enabled.
    static func availableMeasures(practiceID: UUID, on db: any Database) async throws -> [InstrumentDefinition] {
        availableMeasures(try await row(practiceID: practiceID, on: db))
    }

    /// The same, from the settings row the caller has already read (nil: the practice's defaults).
    static func availableMeasures(_ settings: PracticeSettingsRow?) -> [InstrumentDefinition] {
        let enabled = settings.map { CheckIns.ids($0.enabledInstruments) } ?? []
        return InstrumentCatalogue.shipped.filter { $0.enabledByDefault || enabled.contains($0.id) }
    }

    /// The owner's crisis resources, from the settings row the caller has already read, or Rapport's wording.
    static func crisisResources(_ settings: PracticeSettingsRow?, practiceID: UUID, keys: KeyStore, on db: any Database) async throws -> String {
        guard let envelope = settings?.crisisEnvelope else { return defaultCrisisResources }
        let key = try await keys.practiceKey(practiceID: practiceID, on: db)
        return try keys.open(envelope, key: key, PracticeSettingsRow.schema, "crisis_resources", row: practiceID)
    }

    /// The zone every time is typed and shown in: the owner's choice, or the server's configured zone until then.
    static func timeZone(_ settings: PracticeSettingsRow?, default fallback: TimeZone) -> TimeZone {
        settings?.timeZone.flatMap(zone) ?? fallback
    }

    /// The zones an owner can choose from: every IANA zone this system knows, by name, and UTC (which Foundation's
    /// list leaves out, though servers often run in it).
    static let zones: [String] = (TimeZone.knownTimeZoneIdentifiers + ["UTC"]).sorted()

    /// A zone by its IANA name, only if it is one of `zones` (not an abbreviation or an offset Foundation would guess at).
    static func zone(_ identifier: String) -> TimeZone? {
        guard identifier.utf8.count <= 64, zones.contains(identifier) else { return nil }
        return TimeZone(identifier: identifier)
    }

    /// `timeZone` nil or empty leaves the practice's zone as it is (a form without the choice, or "choose…" left);
    /// `replyTime` (hours, one of `ReplyTime.choices`) nil leaves the expected reply time as it is.
    static func save(enabled: [String], crisisResources: String, timeZone: String? = nil, replyTime: String? = nil, by owner: Principal,
                     keys: KeyStore, now: Date, on db: any Database) async throws {
        let licensed = InstrumentCatalogue.shipped.filter { !$0.enabledByDefault }.map(\.id)
        var problems: [FieldProblem] = []
        if let unknown = enabled.first(where: { !licensed.contains($0) }) {
            problems.append(FieldProblem(field: "instruments", message: "\(unknown) is not a measure that needs enabling."))
        }
        let text = crisisResources.trimmingCharacters(in: .whitespacesAndNewlines)
        if InputRules.isTooLong(crisisResources, maximum: maximumCrisisLength) {
            problems.append(FieldProblem(field: "crisis_resources", message: "Please keep this under \(maximumCrisisLength) characters."))
        }
        let timeZone = timeZone.flatMap { $0.isEmpty ? nil : $0 }
        if let timeZone, zone(timeZone) == nil {
            problems.append(FieldProblem(field: "time_zone", message: "Please choose the practice's time zone from the list."))
        }
        let reply = replyTime.flatMap { $0.isEmpty ? nil : $0 }
        if let reply, ReplyTime.chosen(reply) == nil {
            problems.append(FieldProblem(field: "reply_within_hours", message: "Please choose how soon the practice replies from the list."))
        }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let row = try await self.row(practiceID: owner.practiceID, on: db) ?? PracticeSettingsRow()
        let isNew = row.id == nil
        row.id = owner.practiceID
        row.enabledInstruments = licensed.filter { enabled.contains($0) }.joined(separator: ",")
        // Empty means "use Rapport's wording": clients are never shown a blank where help should be.
        row.crisisEnvelope = text.isEmpty ? nil : try keys.seal(text, key: try await keys.practiceKey(practiceID: owner.practiceID, on: db),
                                                                 PracticeSettingsRow.schema, "crisis_resources", row: owner.practiceID)
        if let timeZone { row.timeZone = timeZone }
        if let hours = ReplyTime.chosen(reply)?.hours { row.replyWithinHours = hours }
        row.updatedBy = owner.userID
        row.updatedAt = now
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }
}
