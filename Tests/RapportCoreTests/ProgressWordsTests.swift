import Foundation
import Testing
@testable import RapportCore

/// What a client reads about their own progress: the same classification the therapist sees, in warm words, and no
/// number at all when they choose words only.
@Suite struct ProgressWordsTests {
    static let phq9 = InstrumentCatalogue.definition(id: "phq-9")!
    static let ors = InstrumentCatalogue.definition(id: "ors")!

    @Test(arguments: [
        // scores, with numbers, words only
        ([17.0, 12, 9], "Since 2 Mar, your answers about your mood have gone from 17 to 9: a real change, bigger than ordinary ups and downs, and they are now in the range where most people who aren't struggling answer.",
         "Since 2 Mar, your answers about your mood show a real change, bigger than ordinary ups and downs, and they are now in the range where most people who aren't struggling answer."),
        ([22.0, 15], "Since 2 Mar, your answers about your mood have gone from 22 to 15: a real change, bigger than ordinary ups and downs.",
         "Since 2 Mar, your answers about your mood show a real change, bigger than ordinary ups and downs."),
        ([17.0, 14], "Since 2 Mar, your answers about your mood have moved from 17 to 14, a little better. Changes this size can be ordinary ups and downs, so keep noticing how things feel.",
         "Since 2 Mar, your answers about your mood have moved a little in a good direction. Changes this size can be ordinary ups and downs, so keep noticing how things feel."),
        ([12.0, 12], "Since 2 Mar, your answers about your mood have stayed about the same (12 then, 12 now).",
         "Since 2 Mar, your answers about your mood have stayed about the same."),
        ([9.0, 16], "Since 2 Mar, your answers about your mood have gone from 9 to 16: things look harder lately. Please tell your therapist how the last weeks have been. If things feel like too much, the support on your home page is there any time.",
         "Since 2 Mar, your answers about your mood show that things look harder lately. Please tell your therapist how the last weeks have been. If things feel like too much, the support on your home page is there any time."),
    ])
    func aMeasureInWords(scores: [Double], withNumbers: String, wordsOnly: String) {
        #expect(ProgressWords.measure(Self.phq9, scores: scores, since: "2 Mar", numbers: true) == withNumbers)
        let plain = ProgressWords.measure(Self.phq9, scores: scores, since: "2 Mar", numbers: false)
        #expect(plain == wordsOnly)
        #expect(plain.rangeOfCharacter(from: .decimalDigits.subtracting(CharacterSet(charactersIn: "2"))) == nil, "no score in words only")
    }

    @Test func higherIsBetterReadsTheRightWayAndOneScoreWaits() {
        #expect(ProgressWords.measure(Self.ors, scores: [18, 30], since: "2 Mar", numbers: true)
            .hasPrefix("Since 2 Mar, your answers on how things have been going have gone from 18 to 30: a real change"))
        #expect(ProgressWords.measure(Self.phq9, scores: [17], since: "2 Mar", numbers: true).hasPrefix("You've answered these once so far"))
    }

    @Test func feedbackAndRepairsInTheClientsWords() {
        #expect(ProgressWords.feedback(total: 38, numbers: true) == "38 of 40")
        #expect(ProgressWords.feedback(total: 31, numbers: false) == "Something didn't feel quite right, and you said so. That helps.")
        #expect(ProgressWords.repair(actions: [.namedIt, .acknowledgedOwnPart], outcome: .resolved)
            == "You and your therapist talked about something that wasn't working between you: named what was happening between you and your therapist owned their part in it. It feels resolved now.")
        #expect(!ProgressWords.repair(actions: RepairAction.allCases, outcome: .notYet).contains("rupture"))
    }
}
