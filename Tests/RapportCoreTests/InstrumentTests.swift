import Foundation
import PropertyBased
import Testing
@testable import RapportCore

/// Answers that make `total` on `definition`: items filled greedily from the first, reverse-scored items answered
/// so that their score is what is needed.
func answers(summingTo total: Double, _ definition: InstrumentDefinition) -> [Double] {
    var remaining = total
    return definition.item.map { item in
        let range = definition.scoreRange(of: item)
        let score = min(range.upperBound, max(range.lowerBound, remaining))
        remaining = Scoring.roundToStep(remaining - score)
        return item.reverse == true ? range.upperBound + range.lowerBound - score : score
    }
}

func definition(_ id: String) throws -> InstrumentDefinition {
    try #require(InstrumentCatalogue.definition(id: id))
}

@Suite struct ShippedDefinitionTests {
    @Test func everyShippedDefinitionLoadsAndIsWhatPRODUCTmdSays() throws {
        #expect(InstrumentCatalogue.shipped.map(\.id) == ["phq-9", "gad-7", "session-feedback", "ors", "srs", "core-10"])
        let enabled = InstrumentCatalogue.shipped.filter(\.enabledByDefault).map(\.id)
        #expect(enabled == ["phq-9", "gad-7", "session-feedback"])
        let phq = try definition("phq-9")
        #expect(phq.item.count == 9 && phq.totalRange == 0...27)
        #expect(phq.code.first?.code == "44249-1" && phq.totalCode?.code == "44261-6")
        #expect(phq.casenessCutoff == 10 && phq.reliableChange == 6)
        #expect(phq.item.map { $0.risk == true } == Array(repeating: false, count: 8) + [true])
        let gad = try definition("gad-7")
        #expect(gad.item.count == 7 && gad.totalRange == 0...21)
        #expect(gad.code.first?.code == "69737-5" && gad.totalCode?.code == "70274-6")
        #expect(gad.casenessCutoff == 8 && gad.reliableChange == 4)
        let feedback = try definition("session-feedback")
        #expect(feedback.totalRange == 0...40 && !feedback.validated)
        for id in ["ors", "srs", "core-10"] {
            let licensed = try definition(id)
            #expect(!licensed.licence.isEmpty && !licensed.source.isEmpty)
        }
    }

    /// The published boundaries, written out here independently of the definition files.
    @Test(arguments: [
        ("phq-9", 0.0, "minimal"), ("phq-9", 4, "minimal"), ("phq-9", 5, "mild"), ("phq-9", 9, "mild"),
        ("phq-9", 10, "moderate"), ("phq-9", 14, "moderate"), ("phq-9", 15, "moderately-severe"),
        ("phq-9", 19, "moderately-severe"), ("phq-9", 20, "severe"), ("phq-9", 27, "severe"),
        ("gad-7", 0, "minimal"), ("gad-7", 4, "minimal"), ("gad-7", 5, "mild"), ("gad-7", 9, "mild"),
        ("gad-7", 10, "moderate"), ("gad-7", 14, "moderate"), ("gad-7", 15, "severe"), ("gad-7", 21, "severe"),
        ("core-10", 5, "healthy"), ("core-10", 6, "low"), ("core-10", 10, "low"), ("core-10", 11, "mild"),
        ("core-10", 14, "mild"), ("core-10", 15, "moderate"), ("core-10", 19, "moderate"),
        ("core-10", 20, "moderate-to-severe"), ("core-10", 24, "moderate-to-severe"), ("core-10", 25, "severe"),
        ("ors", 24.9, "clinical"), ("ors", 25, "non-clinical"),
    ])
    func publishedBandBoundaries(id: String, total: Double, band: String) throws {
        let d = try definition(id)
        let result = try Scoring.score(d, answers: answers(summingTo: total, d))
        #expect(result.total == total)
        #expect(result.band?.code == band)
    }

    /// And every boundary of every band of every shipped definition, straight from the data.
    @Test func everyBandBoundaryOfEveryDefinition() throws {
        for d in InstrumentCatalogue.shipped {
            for band in d.band {
                for total in [band.min, band.max] {
                    let result = try Scoring.score(d, answers: answers(summingTo: total, d))
                    #expect(result.total == total, "\(d.id) \(total)")
                    #expect(result.band == band, "\(d.id) \(total)")
                }
            }
        }
    }
}

@Suite struct ScoringTests {
    @Test func phq9Item9AboveZeroIsARiskWhateverTheTotal() throws {
        let phq = try definition("phq-9")
        let lowTotal = try Scoring.score(phq, answers: [0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(lowTotal.total == 1 && lowTotal.band?.code == "minimal" && lowTotal.flags == ["risk"])
        let highTotal = try Scoring.score(phq, answers: [3, 3, 3, 3, 3, 3, 3, 3, 0])
        #expect(highTotal.total == 24 && !highTotal.hasRisk)
    }

    @Test func core10ReversesItemsTwoAndThreeAndFlagsItemSix() throws {
        let core = try definition("core-10")
        // Someone who always has support and always copes scores 0 on those two items.
        let result = try Scoring.score(core, answers: [0, 4, 4, 0, 0, 0, 0, 0, 0, 0])
        #expect(result.total == 0)
        #expect(try Scoring.score(core, answers: [0, 4, 4, 0, 0, 2, 0, 0, 0, 0]).flags == ["risk"])
    }

    @Test func sessionFeedbackRaisesAllianceConcernOnceForLowTotalOrLowItem() throws {
        let feedback = try definition("session-feedback")
        #expect(try Scoring.score(feedback, answers: [10, 10, 10, 10]).flags == [])
        #expect(try Scoring.score(feedback, answers: [9, 9, 9, 8]).flags == ["alliance-concern"])
        #expect(try Scoring.score(feedback, answers: [10, 10, 10, 5]).flags == ["alliance-concern", "low-item"])
        #expect(try Scoring.score(feedback, answers: [9, 9, 9, 9]).total == 36)
    }

    @Test func wrongAnswersAreRefusedWithWordsThatSayWhy() throws {
        let phq = try definition("phq-9")
        #expect(throws: ScoringError.wrongNumberOfAnswers(expected: 9, got: 8)) { try Scoring.score(phq, answers: Array(repeating: 0, count: 8)) }
        #expect(throws: ScoringError.self) { try Scoring.score(phq, answers: [0, 0, 0, 0, 0, 0, 0, 0, 4]) }
        #expect(throws: ScoringError.self) { try Scoring.score(phq, answers: [0, 0, 0, 0, 0, 0, 0, 0, 1.5]) }
        #expect(throws: ScoringError.self) { try Scoring.score(phq, answers: [0, 0, 0, 0, 0, 0, 0, 0, -1]) }
        #expect(throws: ScoringError.self) { try Scoring.score(phq, answers: [.nan, 0, 0, 0, 0, 0, 0, 0, 0]) }
        let ors = try definition("ors")
        #expect(try Scoring.score(ors, answers: [2.5, 7.3, 10, 0.1]).total == 19.9)
        #expect(throws: ScoringError.self) { try Scoring.score(ors, answers: [2.55, 7, 10, 0]) }
        let message = ScoringError.answerNotAllowed(item: 8, value: 4, allowed: "one of 0, 1, 2, 3").description
        #expect(message == "Answer 9 is 4, but that question takes one of 0, 1, 2, 3.")
    }
}

@Suite struct ChangeTests {
    /// Jacobson & Truax (1991): RC = (x₂ − x₁) / √(2·(s₁·√(1 − r))²), worked by hand.
    @Test func reliableChangeIndexWorkedExamples() {
        // s₁ = 7.5, r = 0.88: SE = 7.5·√0.12 = 2.598, S_diff = 3.674; a 10-point change gives RC = 2.722.
        #expect(abs(ChangeStatistics.reliableChangeIndex(before: 10, after: 20, s1: 7.5, r: 0.88) - 2.7217) < 0.0005)
        // PHQ-9 with s₁ = 5.41, r = 0.84: SE = 2.164, S_diff = 3.060; 20 → 8 gives RC = −3.921.
        #expect(abs(ChangeStatistics.reliableChangeIndex(before: 20, after: 8, s1: 5.41, r: 0.84) + 3.9210) < 0.0005)
        // c = (s₀·M₁ + s₁·M₀)/(s₀ + s₁): M₁ = 20, s₁ = 5, M₀ = 5, s₀ = 4 → (80 + 25)/9 = 11.667.
        #expect(abs(ChangeStatistics.clinicalCutoff(clinicalMean: 20, clinicalSD: 5, functionalMean: 5, functionalSD: 4) - 11.6667) < 0.0005)
    }

    @Test func theNHSThresholdAndTheRCIAgreeForTheShippedMeasures() throws {
        for (id, threshold) in [("phq-9", 6.0), ("gad-7", 4.0)] {
            let d = try definition(id)
            let atThreshold = try ChangeStatistics.change(d, before: 15, after: 15 - threshold)
            let below = try ChangeStatistics.change(d, before: 15, after: 15 - threshold + 1)
            #expect(atThreshold.rciIsReliable == true, "\(id)")
            #expect(below.rciIsReliable == false, "\(id)")
        }
    }

    /// NHS Talking Therapies episode outcomes.
    @Test(arguments: [
        // id, before, after, reliable change, case before, case after, recovery, reliable recovery
        ("phq-9", 15.0, 8.0, ReliableChange.improvement, true, false, true, true),
        ("phq-9", 12, 9, .none, true, false, true, false),
        ("phq-9", 10, 4, .improvement, true, false, true, true),
        ("phq-9", 16, 10, .improvement, true, true, false, false),
        ("phq-9", 8, 14, .deterioration, false, true, false, false),
        ("phq-9", 9, 3, .improvement, false, false, false, false),
        ("gad-7", 8, 4, .improvement, true, false, true, true),
        ("gad-7", 8, 7, .none, true, false, true, false),
        ("gad-7", 7, 3, .improvement, false, false, false, false),
        ("gad-7", 10, 14, .deterioration, true, true, false, false),
        ("ors", 20, 26, .improvement, true, false, true, true),
        ("ors", 30, 24, .deterioration, false, true, false, false),
    ])
    func episodeOutcomes(id: String, before: Double, after: Double, change: ReliableChange,
                         caseBefore: Bool, caseAfter: Bool, recovery: Bool, reliableRecovery: Bool) throws {
        let result = try ChangeStatistics.change(try definition(id), before: before, after: after)
        #expect(result.reliableChange == change)
        #expect(result.casenessBefore == caseBefore && result.casenessAfter == caseAfter)
        #expect(result.recovery == recovery && result.reliableRecovery == reliableRecovery)
    }

    @Test func scoresOutsideTheRangeAreRefused() throws {
        let phq = try definition("phq-9")
        #expect(throws: ChangeError.scoreOutOfRange(field: "after", value: 28, range: 0...27)) {
            try ChangeStatistics.change(phq, before: 10, after: 28)
        }
        #expect(throws: ChangeError.self) { try ChangeStatistics.change(phq, before: -1, after: 3) }
        #expect(throws: ChangeError.self) { try ChangeStatistics.change(phq, before: 9.5, after: 3) }
        #expect(try ChangeStatistics.change(try definition("ors"), before: 19.9, after: 25.3).reliableChange == .improvement)
        #expect(throws: ChangeError.notSupported(instrument: "Session feedback")) {
            try ChangeStatistics.change(try definition("session-feedback"), before: 30, after: 38)
        }
    }
}

@Suite struct ShippedDefinitionFileTests {
    @Test func everyDefinitionFileInTheBuildIsInTheCatalogueInItsOrder() throws {
        #expect(ShippedInstrumentDefinitions.filesInBuild().sorted() == ShippedInstrumentDefinitions.ids.map { "\($0).json" }.sorted())
        #expect(InstrumentCatalogue.shipped.map(\.id) == ShippedInstrumentDefinitions.ids)
        // Each file's name is the id inside it, so the file a person edits is the measure they meant.
        for (id, text) in zip(ShippedInstrumentDefinitions.ids, try ShippedInstrumentDefinitions.load()) {
            #expect(try InstrumentLoader.load(json: Data(text.utf8)).id == id)
        }
    }
}

@Suite struct InstrumentLoaderTests {
    /// The PHQ-9 definition as a mutable JSON object.
    func phqJSON() throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(ShippedInstrumentDefinitions.json[0].utf8)) as? [String: Any])
    }

    func load(_ object: [String: Any]) throws -> InstrumentDefinition {
        try InstrumentLoader.load(json: JSONSerialization.data(withJSONObject: object))
    }

    func rejection(_ mutate: (inout [String: Any]) -> Void) throws -> InstrumentDefinitionError? {
        var object = try phqJSON()
        mutate(&object)
        do {
            _ = try load(object)
            return nil
        } catch let error as InstrumentDefinitionError {
            return error
        }
    }

    func editItem(_ object: inout [String: Any], _ index: Int, _ change: (inout [String: Any]) -> Void) {
        var items = object["item"] as! [[String: Any]]
        change(&items[index])
        object["item"] = items
    }

    func editBand(_ object: inout [String: Any], _ index: Int, _ change: (inout [String: Any]) -> Void) {
        var bands = object["band"] as! [[String: Any]]
        change(&bands[index])
        object["band"] = bands
    }

    @Test func theUnchangedDefinitionLoads() throws {
        #expect(try load(try phqJSON()).id == "phq-9")
    }

    @Test func malformedDefinitionsAreRefusedNamingTheField() throws {
        #expect(try rejection { editItem(&$0, 2) { $0.removeValue(forKey: "linkId") } }?.field == "item[2].linkId")
        #expect(try rejection { editItem(&$0, 3) { $0["linkId"] = "1" } }?.field == "item[3].linkId")
        #expect(try rejection { editItem(&$0, 4) { $0["text"] = 5 } }?.field == "item[4].text")
        #expect(try rejection { editBand(&$0, 1) { $0["min"] = 4 } }?.field == "band[1].min")
        #expect(try rejection { editBand(&$0, 2) { $0["min"] = 12 } }?.field == "band[2].min")
        #expect(try rejection { editBand(&$0, 4) { $0["max"] = 30 } }?.field == "band[4].max")
        #expect(try rejection { $0["resourceType"] = "Patient" }?.field == "resourceType")
        #expect(try rejection { $0["id"] = "PHQ 9" }?.field == "id")
        #expect(try rejection { $0["casenessCutoff"] = 40 }?.field == "casenessCutoff")
        #expect(try rejection { $0["reliableChange"] = 0 }?.field == "reliableChange")
        #expect(try rejection { $0.removeValue(forKey: "licence") }?.field == "licence")
        #expect(try rejection { $0["item"] = [Any]() }?.field == "item")
        #expect(try rejection {
            var rci = $0["rci"] as! [String: Any]
            rci["r"] = 1.5
            $0["rci"] = rci
        }?.field == "rci.r")
        #expect(try rejection {
            $0["answerOption"] = [["value": 0, "display": "Not at all"], ["value": 0, "display": "Again"]]
        }?.field == "answerOption[1].value")
        #expect(try rejection { $0.removeValue(forKey: "answerOption") }?.field == "item[0].answerOption")
        // A misspelt key must not silently drop a rule: "Risk" instead of "risk" on item 9.
        #expect(try rejection { editItem(&$0, 8) { $0.removeValue(forKey: "risk"); $0["Risk"] = true } }?.field == "item[8].Risk")
        #expect(try rejection { $0["casenessCutOff"] = 10 }?.field == "casenessCutOff")
        #expect(try rejection {
            var rci = $0["rci"] as! [String: Any]
            rci["sd"] = 5
            $0["rci"] = rci
        }?.field == "rci.sd")
    }
}

@Suite struct InstrumentProperties {
    /// Random valid answers on every shipped measure: the total stays in range, a band is always found, and
    /// risk is raised exactly when a risk item is above 0.
    @Test func totalsStayInRangeAndRiskFollowsTheRiskItems() async throws {
        for d in InstrumentCatalogue.shipped {
            let generators = d.item.map { item -> [Double] in
                if let range = item.range {
                    return stride(from: range.min, through: range.max + 1e-9, by: range.step).map(Scoring.roundToStep)
                }
                return (d.options(for: item) ?? []).map(\.value)
            }
            await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max / 2).array(of: d.item.count)) { picks in
                let answers = zip(generators, picks).map { values, pick in values[pick % values.count] }
                guard let result = try? Scoring.score(d, answers: answers) else {
                    Issue.record("valid answers refused on \(d.id): \(answers)")
                    return
                }
                #expect(d.totalRange.contains(result.total), "\(d.id) \(result.total)")
                if !d.band.isEmpty { #expect(result.band != nil, "\(d.id) \(result.total) has no band") }
                let riskAnswered = zip(d.item, answers).contains { $0.risk == true && $1 > 0 }
                #expect(result.hasRisk == riskAnswered)
            }
        }
    }

    /// A higher total never falls in an earlier band.
    @Test func bandsAreOrderedByTotal() async throws {
        for d in InstrumentCatalogue.shipped where !d.band.isEmpty {
            let range = d.totalRange
            let step = InstrumentLoader.smallestStep(d)
            await propertyCheck(count: 200, input: Gen.double(in: range), Gen.double(in: range)) { a, b in
                // Totals a measure can actually produce: whole multiples of its smallest step.
                let low = Scoring.roundToStep((min(a, b) / step).rounded(.down) * step)
                let high = Scoring.roundToStep((max(a, b) / step).rounded(.down) * step)
                let lowIndex = d.band.firstIndex { $0 == Scoring.band(for: low, in: d) }
                let highIndex = d.band.firstIndex { $0 == Scoring.band(for: high, in: d) }
                guard let lowIndex, let highIndex else {
                    Issue.record("\(d.id): \(low) or \(high) falls in no band")
                    return
                }
                #expect(lowIndex <= highIndex, "\(d.id): \(low) in band \(lowIndex), \(high) in band \(highIndex)")
            }
        }
    }
}
