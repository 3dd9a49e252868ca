import Foundation
@testable import RapportCore
import Testing

/// The words of "who opened my record" (issue 12, point 2).
@Suite struct RecordAccessRulesTests {
    static let moment = Date(timeIntervalSince1970: 1_800_000_000)

    static func entry(_ action: String, _ outcome: String = "allowed") -> RecordAccess? {
        RecordAccessRules.entry(sequence: 7, occurredAt: moment, actorID: UUID(), actorRole: "therapist", action: action, outcome: outcome)
    }

    /// Hidden: psychotherapy notes (outside the record), and a disclosure the client is by law not to be told of yet.
    @Test func everyClientScopedActionHasItsOwnWordsAndOnlyPsychotherapyNotesAndWithheldDisclosuresAreHidden() throws {
        var seen: Set<String> = []
        for action in Action.allCases where action.isClientScoped {
            let isPsychotherapyNote = [Action.listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote,
                                       .recordWithheldDisclosure, .reviewWithheldDisclosures].contains(action)
            #expect(AccessPolicy.accessLogShows(action: action.rawValue, actorRole: "therapist") == !isPsychotherapyNote, "\(action)")
            #expect(AccessPolicy.accessLogShows(action: action.rawValue, actorRole: "owner") == !isPsychotherapyNote, "\(action)")
            // A client's own use, or another client's refused guess at a record id, is not someone at the practice.
            #expect(!AccessPolicy.accessLogShows(action: action.rawValue, actorRole: "client"), "\(action)")
            guard !isPsychotherapyNote else {
                #expect(Self.entry(action.rawValue) == nil)
                continue
            }
            let access = try #require(Self.entry(action.rawValue))
            #expect(access.kind != .refused && !access.words.isEmpty && access.sequence == 7 && access.occurredAt == Self.moment)
            #expect(!seen.contains(access.words), "two actions read the same: \(access.words)")
            seen.insert(access.words)
            #expect(!access.words.localizedCaseInsensitiveContains("psychotherapy"))
        }
    }

    @Test func theKindsTheIssueNames() throws {
        #expect(Self.entry(Action.viewClientRecord.rawValue)?.kind == .readRecord)
        #expect(Self.entry(Action.readProgressNote.rawValue)?.kind == .readNote)
        #expect(Self.entry(Action.writeProgressNote.rawValue)?.kind == .wroteNote)
        #expect(Self.entry(Action.enterCheckIn.rawValue)?.kind == .enteredAnswers)
        #expect(Self.entry(Action.scheduleAppointment.rawValue)?.kind == .changedRecord)
        #expect(Self.entry(Action.inviteClient.rawValue)?.words == "invited you to join Rapport")
    }

    @Test func refusalsSayWhyWithoutSayingMore() throws {
        let notOnTeam = try #require(Self.entry(Action.viewClientRecord.rawValue, "denied:not-on-care-team"))
        #expect(notOnTeam.kind == .refused && notOnTeam.words.contains("not on your care team"))
        #expect(Self.entry(Action.viewClientRecord.rawValue, "denied:other-practice")?.words.contains("not part of your practice") == true)
        #expect(Self.entry(Action.writeMessage.rawValue, "denied:therapy-ended")?.words.contains("after therapy ended") == true)
        // A reason Rapport doesn't know, or an outcome of another shape, is still a refusal.
        #expect(Self.entry(Action.viewClientRecord.rawValue, "denied:something-new")?.kind == .refused)
        #expect(Self.entry(Action.viewClientRecord.rawValue, "nonsense")?.kind == .refused)
        #expect(Self.entry(Action.readProgressNote.rawValue, "denied:no-such-record")?.words.contains("isn't there") == true)
        // A refused look at a psychotherapy note is hidden like an allowed one: it would tell that notes exist.
        #expect(Self.entry(Action.readPsychotherapyNote.rawValue, "denied:not-author") == nil)
    }

    @Test func anActionFromANewerVersionIsShownInGeneralWords() throws {
        let access = try #require(Self.entry("records.something-new"))
        #expect(access.kind == .readRecord && access.words == "opened your record")
    }
}
