import Foundation

/// The measures Rapport knows, loaded once from the shipped definitions.
public enum InstrumentCatalogue {
    public static let shipped: [InstrumentDefinition] = ShippedInstrumentDefinitions.json.map { text in
        do {
            return try InstrumentLoader.load(json: Data(text.utf8))
        } catch {
            // Shipped definitions are checked by the tests; one that fails to load is a build mistake, not input.
            preconditionFailure("a shipped instrument definition is invalid: \(error)")
        }
    }

    public static func definition(id: String) -> InstrumentDefinition? {
        shipped.first { $0.id == id }
    }
}
