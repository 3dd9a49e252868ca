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
        let enabled = try await row(practiceID: practiceID, on: db).map { CheckIns.ids($0.enabledInstruments) } ?? []
        return InstrumentCatalogue.shipped.filter { $0.enabledByDefault || enabled.contains($0.id) }
    }

    static func crisisResources(practiceID: UUID, keys: KeyStore, on db: any Database) async throws -> String {
        guard let envelope = try await row(practiceID: practiceID, on: db)?.crisisEnvelope else { return defaultCrisisResources }
        let key = try await keys.practiceKey(practiceID: practiceID, on: db)
        return try keys.open(envelope, key: key, PracticeSettingsRow.schema, "crisis_resources", row: practiceID)
    }

    static func save(enabled: [String], crisisResources: String, by owner: Principal, keys: KeyStore, now: Date, on db: any Database) async throws {
        let licensed = InstrumentCatalogue.shipped.filter { !$0.enabledByDefault }.map(\.id)
        var problems: [FieldProblem] = []
        if let unknown = enabled.first(where: { !licensed.contains($0) }) {
            problems.append(FieldProblem(field: "instruments", message: "\(unknown) is not a measure that needs enabling."))
        }
        let text = crisisResources.trimmingCharacters(in: .whitespacesAndNewlines)
        if InputRules.isTooLong(crisisResources, maximum: maximumCrisisLength) {
            problems.append(FieldProblem(field: "crisis_resources", message: "Please keep this under \(maximumCrisisLength) characters."))
        }
        guard problems.isEmpty else { throw RecordError.invalid(problems) }
        let row = try await self.row(practiceID: owner.practiceID, on: db) ?? PracticeSettingsRow()
        let isNew = row.id == nil
        row.id = owner.practiceID
        row.enabledInstruments = licensed.filter { enabled.contains($0) }.joined(separator: ",")
        // Empty means "use Rapport's wording": clients are never shown a blank where help should be.
        row.crisisEnvelope = text.isEmpty ? nil : try keys.seal(text, key: try await keys.practiceKey(practiceID: owner.practiceID, on: db),
                                                                 PracticeSettingsRow.schema, "crisis_resources", row: owner.practiceID)
        row.updatedBy = owner.userID
        row.updatedAt = now
        if isNew { try await row.create(on: db) } else { try await row.update(on: db) }
    }
}
