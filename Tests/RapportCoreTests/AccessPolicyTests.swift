import Foundation
import Testing
@testable import RapportCore

@Suite struct AccessPolicyTests {
    let practice = UUID()
    let otherPractice = UUID()
    let therapist = UUID()
    let colleague = UUID()
    let clientID = UUID()

    var scope: ClientScope { ClientScope(clientID: clientID, practiceID: practice, careTeam: [therapist]) }
    func actor(_ id: UUID, _ role: Role, in practiceID: UUID? = nil, client: UUID? = nil) -> Requester {
        .signedIn(Principal(userID: id, role: role, practiceID: practiceID ?? practice, clientID: client))
    }

    @Test func therapistOnCareTeamMayReadAndWriteNotes() {
        for action in [Action.viewClientRecord, .listProgressNotes, .readProgressNote, .writeProgressNote, .writePsychotherapyNote] {
            #expect(AccessPolicy.decide(actor(therapist, .therapist), action, .client(scope)) == .allow)
        }
    }

    @Test func otherTherapistIsRefusedWithoutConfirmingTheRecordExists() {
        let decision = AccessPolicy.decide(actor(colleague, .therapist), .readProgressNote, .client(scope))
        #expect(decision == .deny(.notOnCareTeam))
        #expect(DenialReason.notOnCareTeam.hidesExistence)
    }

    @Test func ownerAdministersButDoesNotReadClinicalContent() {
        #expect(AccessPolicy.decide(actor(UUID(), .owner), .inviteTherapist) == .allow)
        #expect(AccessPolicy.decide(actor(UUID(), .owner), .listProgressNotes, .client(scope)) == .deny(.notOnCareTeam))
    }

    /// A solo practice is one person: an owner who also sees clients reads their own clients' records as their
    /// therapist, keeps the practice's pages as its owner, and still reads nobody else's clients.
    @Test func anOwnerWhoSeesClientsHasBothRolesAndReadsOnlyTheirOwnClients() {
        let soloOwner = Principal(userID: therapist, roles: [.owner, .therapist], practiceID: practice)
        let ownersOnly = Principal(userID: colleague, roles: [.owner], practiceID: practice)
        for action in Action.allCases where action.isClientScoped {
            let resource: Resource = action == .readPsychotherapyNote ? .psychotherapyNote(scope, authorID: therapist) : .client(scope)
            #expect(AccessPolicy.decide(.signedIn(soloOwner), action, resource) == .allow, "\(action)")
            #expect(soloOwner.capacity(for: action) == .therapist, "\(action) is done as the client's therapist")
            #expect(AccessPolicy.decide(.signedIn(ownersOnly), action, resource) == .deny(.notOnCareTeam), "\(action)")
            #expect(ownersOnly.capacity(for: action) == .owner, "a refusal is recorded in the role they had")
        }
        for action in [Action.viewPractice, .inviteTherapist, .manageSettings] {
            #expect(AccessPolicy.decide(.signedIn(soloOwner), action) == .allow)
            #expect(soloOwner.capacity(for: action) == .owner)
        }
        for action in [Action.viewCaseload, .inviteClient] {
            #expect(AccessPolicy.decide(.signedIn(soloOwner), action) == .allow)
            #expect(AccessPolicy.decide(.signedIn(ownersOnly), action) == .deny(.wrongRole))
        }
        // Their own psychotherapy notes only, like any therapist; another practice's clients never.
        let teamOfTwo = ClientScope(clientID: clientID, practiceID: practice, careTeam: [therapist, colleague])
        #expect(AccessPolicy.decide(.signedIn(soloOwner), .readPsychotherapyNote, .psychotherapyNote(teamOfTwo, authorID: colleague)) == .deny(.notAuthor))
        let elsewhere = ClientScope(clientID: clientID, practiceID: otherPractice, careTeam: [therapist])
        #expect(AccessPolicy.decide(.signedIn(soloOwner), .viewClientRecord, .client(elsewhere)) == .deny(.otherPractice))
        #expect(AccessPolicy.decide(.signedIn(soloOwner), .viewOwnPortal) == .deny(.wrongRole))
        #expect(soloOwner.primaryRole == .owner)
        #expect(soloOwner.capacity(for: .useOwnAccount) == .owner)
    }

    @Test func aClientIsOnlyEverAClient() {
        let odd = Principal(userID: UUID(), roles: [.client, .therapist], practiceID: practice, clientID: clientID)
        #expect(odd.roles == [.client])
        #expect(AccessPolicy.decide(.signedIn(odd), .viewClientRecord, .client(ClientScope(clientID: clientID, practiceID: practice, careTeam: [odd.userID])))
                == .deny(.wrongRole))
        #expect(Principal(userID: UUID(), roles: [], practiceID: practice).roles == [.client], "no role grants nothing")
    }

    @Test func onlyTheOwnerMayResetAStaffMembersTwoStepSignIn() {
        #expect(AccessPolicy.decide(actor(UUID(), .owner), .resetStaffTwoFactor) == .allow)
        #expect(AccessPolicy.decide(actor(therapist, .therapist), .resetStaffTwoFactor) == .deny(.wrongRole))
        #expect(AccessPolicy.decide(actor(UUID(), .client, client: clientID), .resetStaffTwoFactor) == .deny(.wrongRole))
        #expect(AccessPolicy.decide(.partiallySignedIn(Principal(userID: UUID(), role: .owner, practiceID: practice)), .resetStaffTwoFactor)
                == .deny(.secondFactorPending))
        #expect(!Action.resetStaffTwoFactor.isClientScoped)
    }

    @Test func anotherPracticesStaffAreRefused() {
        #expect(AccessPolicy.decide(actor(therapist, .therapist, in: otherPractice), .viewClientRecord, .client(scope)) == .deny(.otherPractice))
    }

    @Test func psychotherapyNotesAreForTheirAuthorOnly() {
        let teamOfTwo = ClientScope(clientID: clientID, practiceID: practice, careTeam: [therapist, colleague])
        let note = Resource.psychotherapyNote(teamOfTwo, authorID: therapist)
        #expect(AccessPolicy.decide(actor(therapist, .therapist), .readPsychotherapyNote, note) == .allow)
        #expect(AccessPolicy.decide(actor(colleague, .therapist), .readPsychotherapyNote, note) == .deny(.notAuthor))
        #expect(AccessPolicy.decide(actor(UUID(), .client, client: clientID), .readPsychotherapyNote, note) == .deny(.wrongRole))
    }

    @Test func clientsSeeTheirPortalButNoStaffViewEvenOfThemselves() {
        let client = actor(UUID(), .client, client: clientID)
        #expect(AccessPolicy.decide(client, .viewOwnPortal) == .allow)
        #expect(AccessPolicy.decide(client, .viewClientRecord, .client(scope)) == .deny(.wrongRole))
        #expect(AccessPolicy.decide(client, .viewCaseload) == .deny(.wrongRole))
    }

    @Test func aClientsOwnRecordIsTheirsAloneAndOthersAreNotConfirmedToExist() {
        let client = actor(UUID(), .client, client: clientID)
        for action in [Action.viewOwnPortal, .answerOwnCheckIn] {
            #expect(AccessPolicy.decide(client, action, .client(scope)) == .allow, "\(action)")
            let someoneElse = ClientScope(clientID: UUID(), practiceID: practice, careTeam: [therapist])
            #expect(AccessPolicy.decide(client, action, .client(someoneElse)) == .deny(.notOwnRecord), "\(action)")
            // The same client id in another practice is another person's record.
            let elsewhere = ClientScope(clientID: clientID, practiceID: otherPractice, careTeam: [])
            #expect(AccessPolicy.decide(client, action, .client(elsewhere)) == .deny(.otherPractice), "\(action)")
            // Staff have no "own record", whatever the scope says, and the therapist on the care team included.
            #expect(AccessPolicy.decide(actor(therapist, .therapist), action, .client(scope)) == .deny(.wrongRole), "\(action)")
        }
        #expect(DenialReason.notOwnRecord.hidesExistence)
    }

    @Test func signedOutAndHalfSignedInVisitorsOnlyReachPublicPagesAndTheSecondStep() {
        let half = Requester.partiallySignedIn(Principal(userID: therapist, role: .therapist, practiceID: practice))
        for action in Action.allCases {
            let signedOut = AccessPolicy.decide(.signedOut, action, .client(scope))
            #expect(signedOut == (action == .usePublicPage ? .allow : .deny(.notSignedIn)), "\(action)")
            let partial = AccessPolicy.decide(half, action, .client(scope))
            let expected: Decision = [.usePublicPage, .completeSignIn].contains(action) ? .allow : .deny(.secondFactorPending)
            #expect(partial == expected, "\(action)")
        }
    }

    @Test func clientScopedActionsNeedAClientResource() {
        for action in Action.allCases where action.isClientScoped {
            #expect(AccessPolicy.decide(actor(therapist, .therapist), action, .none) != .allow, "\(action)")
        }
    }
}

@Suite struct InputRulesTests {
    @Test func emails() {
        #expect(InputRules.emailProblem("sam@example.org") == nil)
        #expect(InputRules.emailProblem("  sam@example.org ") == nil)
        for bad in ["", "sam", "sam@", "@example.org", "sam@example", "sam @example.org", "a@b@c.org", "sam@.org"] {
            #expect(InputRules.emailProblem(bad) != nil, "\(bad)")
        }
    }

    @Test func passwordsNeedTwelveCharacters() {
        #expect(InputRules.passwordProblem(String(repeating: "a", count: 11)) != nil)
        #expect(InputRules.passwordProblem(String(repeating: "a", count: 12)) == nil)
        #expect(InputRules.passwordProblem(String(repeating: "a", count: 129)) != nil)
    }

    @Test func namesAndNotes() {
        #expect(InputRules.nameProblem("   ") != nil)
        #expect(InputRules.nameProblem("Sam\u{0}Lee") != nil)
        #expect(InputRules.nameProblem("Sam Lee") == nil)
        #expect(InputRules.noteProblem(" \n ") != nil)
        #expect(InputRules.noteProblem("Talked about boundaries.") == nil)
        #expect(InputRules.firstName(of: "  Sam Lee ") == "Sam")
    }

    /// Limits count characters and bytes; anything within the limit in code points (JSON Schema's maxLength) passes.
    @Test func textLimitsCountBytesAsWellAsCharacters() {
        let marks = "a" + String(repeating: "\u{0301}", count: 100_000)
        #expect(marks.count == 1)
        #expect(InputRules.nameProblem(marks) != nil)
        #expect(InputRules.noteProblem("x" + String(repeating: "\u{0301}", count: 100_000)) != nil)
        #expect(InputRules.passwordProblem("long enough " + String(repeating: "\u{0301}", count: 1_000)) != nil)
        // 200 code points of four bytes each: exactly at the limit, accepted.
        #expect(InputRules.nameProblem(String(repeating: "\u{1F600}", count: 200)) == nil)
        #expect(InputRules.nameProblem(String(repeating: "\u{1F600}", count: 201)) != nil)
        #expect(!InputRules.isTooLong(String(repeating: "é", count: 200), maximum: 200))
    }

    @Test func numbersFromOutsideAreRangeCheckedBeforeUse() {
        #expect(InputRules.integer("3", in: 1...9) == 3)
        #expect(InputRules.integer(" 9 ", in: 1...9) == 9)
        for bad in ["0", "10", "-9223372036854775808", "9223372036854775807", "99999999999999999999", "1e3", "NaN", "", "3.0",
                    String(repeating: "9", count: 100_000)] {
            #expect(InputRules.integer(bad, in: 1...9) == nil, "\(bad.prefix(20))")
        }
        #expect(InputRules.integer(nil, in: 1...9) == nil)
        #expect(InputRules.decimal("7.5") == 7.5)
        for bad in ["NaN", "nan", "inf", "-infinity", "1e309", "", "abc", String(repeating: "9", count: 100_000)] {
            #expect(InputRules.decimal(bad) == nil, "\(bad.prefix(20))")
        }
    }
}

@Suite struct ICalendarTests {
    @Test func textIsEscapedAsRFC5545Says() {
        #expect(ICalendar.escape("Room 2; floor 1, back\\door\nring bell") == "Room 2\\; floor 1\\, back\\\\door\\nring bell")
    }

    @Test func longLinesFoldAt75OctetsWithoutSplittingACharacter() {
        let line = "LOCATION:" + String(repeating: "é", count: 60)
        let folded = ICalendar.fold(line)
        let physical = folded.components(separatedBy: "\r\n")
        #expect(physical.count > 1)
        #expect(physical.allSatisfy { $0.utf8.count <= 75 })
        #expect(physical.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(physical.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }.joined() == line)
    }

    @Test func aFeedHasTheRequiredPropertiesInUTC() {
        let event = CalendarEvent(uid: "a@rapport", start: Date(timeIntervalSince1970: 1_800_000_000), minutes: 50,
                                  summary: "Session", location: nil, description: nil, cancelled: true)
        let feed = ICalendar.feed(name: "Sessions", events: [event], stamp: Date(timeIntervalSince1970: 1_700_000_000))
        #expect(feed.contains("\r\nDTSTART:20270115T080000Z\r\nDTEND:20270115T085000Z\r\n"))
        #expect(feed.contains("STATUS:CANCELLED") && feed.contains("PRODID:") && feed.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!feed.contains("\n\n") && !feed.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }
}
