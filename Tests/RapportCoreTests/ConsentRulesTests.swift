import Foundation
@testable import RapportCore
import Testing

/// The practice's agreement about confidentiality and its limits (issue 12, point 1): the text a client signs, and
/// what an owner may save.
@Suite struct ConsentRulesTests {
    @Test func theStartingTextStatesEveryRequiredLimitAndPassesItsOwnRules() {
        let document = ConsentRules.starting
        #expect(ConsentRules.problems(document).isEmpty)
        for kind in ConsentDocument.LimitKind.required {
            #expect(document.limit(kind) != nil, "\(kind)")
        }
        let text = document.signedText
        #expect(text.contains("The limits of confidentiality") && text.contains("How your record is kept"))
        #expect(text.contains("If someone's safety is at serious risk\nIf we believe you are at serious risk"))
        #expect(!text.contains("\r") && text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
    }

    @Test func theSignedTextIsTheSameWhateverLineEndingsOrTrailingSpacesABrowserSent() {
        let plain = ConsentDocument(introduction: "Private.\nReally.", limits: [.init(kind: .risk, title: "Risk", text: "We may share.")],
                                    records: "Kept safe.")
        let fromBrowser = ConsentDocument(introduction: "  Private.  \r\nReally.\r\n", limits: [.init(kind: .risk, title: "Risk ", text: "We may share.\r\n")],
                                          records: "Kept safe.\r")
        #expect(plain.signedText == fromBrowser.signedText)
        #expect(plain.signedText == "Private.\nReally.\n\nThe limits of confidentiality\n\nRisk\nWe may share.\n\nHow your record is kept\n\nKept safe.\n")
        // Any change in the words is a different text (and so a different version to sign).
        let changed = ConsentDocument(introduction: "Private.\nReally!", limits: plain.limits, records: plain.records)
        #expect(changed.signedText != plain.signedText)
    }

    @Test func anAgreementMissingALimitOrOverlongIsRefusedFieldByField() {
        let starting = ConsentRules.starting
        let noLegal = ConsentDocument(introduction: starting.introduction, limits: starting.limits.filter { $0.kind != .legal },
                                      records: starting.records)
        let problems = ConsentRules.problems(noLegal)
        #expect(problems.map(\.field) == ["limits"] && problems[0].message.contains("legal"))

        let twice = ConsentDocument(introduction: starting.introduction, limits: starting.limits + [starting.limits[0]], records: starting.records)
        #expect(ConsentRules.problems(twice).map(\.field) == ["limits"])

        let long = String(repeating: "a", count: ConsentRules.maximumIntroduction + 1)
        let empty = ConsentDocument(introduction: long, limits: [.init(kind: .risk, title: " ", text: "x"),
                                                                 .init(kind: .safeguarding, title: "S", text: "s"),
                                                                 .init(kind: .legal, title: "L", text: String(repeating: "b", count: ConsentRules.maximumLimitText + 1))],
                                    records: "\r\n")
        #expect(Set(ConsentRules.problems(empty).map(\.field)) == ["introduction", "records", "limit-risk-title", "limit-legal-text"])
        let exactlyLongest = ConsentDocument(introduction: String(repeating: "a", count: ConsentRules.maximumIntroduction),
                                             limits: starting.limits, records: starting.records)
        #expect(ConsentRules.problems(exactlyLongest).isEmpty)
    }

    @Test func aSignatureIsATypedNameOnOneLine() {
        #expect(ConsentRules.signatureProblem("Sam Lee") == nil)
        #expect(ConsentRules.signatureProblem("  Sam Lee  ") == nil)
        #expect(ConsentRules.signatureProblem("Jo") == nil)
        #expect(ConsentRules.signatureProblem("J") != nil)
        #expect(ConsentRules.signatureProblem("   ") != nil)
        #expect(ConsentRules.signatureProblem(String(repeating: "n", count: 121)) != nil)
        #expect(ConsentRules.signatureProblem(String(repeating: "n", count: 120)) == nil)
        #expect(ConsentRules.signatureProblem("Sam\nLee") != nil)
        #expect(ConsentRules.signatureProblem("Zoë Ngũgĩ") == nil)
    }
}
