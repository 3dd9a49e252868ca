import Foundation

/// The measures Rapport ships: FHIR-shaped JSON files in `Resources/Instruments/`, one per measure. Each is read
/// through `InstrumentLoader`, exactly like a definition an owner adds later, and a test loads every one. To change
/// a measure, edit its JSON file; to add one, add the file and its id to `ids`.
public enum ShippedInstrumentDefinitions {
    /// Catalogue order: the order measures are offered and shown in.
    static let ids = ["phq-9", "gad-7", "session-feedback", "ors", "srs", "core-10"]

    /// A definition file the package manifest should have copied into the build is not there.
    public struct MissingFile: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "The measure definition \(name) is missing from this build (Resources/Instruments)." }
    }

    /// The text of each shipped definition, in catalogue order. The server calls this once at start, so a build
    /// without its files stops there with the file's name, never in the middle of a client's check-in.
    public static func load() throws -> [String] {
        try ids.map { id in
            guard let url = Bundle.module.url(forResource: id, withExtension: "json", subdirectory: "Instruments"),
                  let data = try? Data(contentsOf: url)
            else { throw MissingFile(name: "\(id).json") }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The JSON files the build carries, whether or not `ids` names them (a test checks the two agree).
    static func filesInBuild() -> [String] {
        guard let folder = Bundle.module.url(forResource: "Instruments", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else { return [] }
        return names.filter { $0.hasSuffix(".json") }
    }

    static let json: [String] = (try? load()) ?? []
}
