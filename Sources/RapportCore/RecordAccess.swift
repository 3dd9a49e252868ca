public import Foundation

/// "Who opened my record": one entry of the audit trail about a client's record, as the client (and their therapist)
/// read it. The trail keeps ids, an action and an outcome; this says them in plain words.
public struct RecordAccess: Sendable, Equatable {
    /// What kind of access, in the words of issue 12: read the record, read notes, wrote a note, entered answers,
    /// changed something in the record, exported, disclosed; or refused.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case readRecord = "read"
        case readNote = "read-note"
        case wroteNote = "wrote-note"
        case enteredAnswers = "entered-answers"
        case changedRecord = "changed"
        case exported
        case disclosed
        case refused
    }

    public let sequence: Int64
    public let occurredAt: Date
    public let actorID: UUID?
    /// `owner`, `therapist` or `client`: the capacity the access was made in.
    public let actorRole: String
    public let kind: Kind
    /// What was done, from the reader's side: "opened your record", "tried to open your record and was refused".
    public let words: String

    public init(sequence: Int64, occurredAt: Date, actorID: UUID?, actorRole: String, kind: Kind, words: String) {
        self.sequence = sequence
        self.occurredAt = occurredAt
        self.actorID = actorID
        self.actorRole = actorRole
        self.kind = kind
        self.words = words
    }
}

/// The rules that turn an audit entry into a line on "who opened my record". Pure, so every action has its words
/// and the one exception is in one place.
public enum RecordAccessRules {
    /// The entry in words, or nil when the access policy doesn't list it (`AccessPolicy.accessLogShows`). An action
    /// Rapport doesn't know (written by a newer version) is shown, in general words.
    public static func entry(sequence: Int64, occurredAt: Date, actorID: UUID?, actorRole: String, action: String,
                             outcome: String) -> RecordAccess? {
        guard AccessPolicy.accessLogShows(action: action, actorRole: actorRole) else { return nil }
        let (kind, words): (RecordAccess.Kind, String)
        if outcome == "allowed" {
            (kind, words) = Action(rawValue: action).map(allowedWords) ?? (.readRecord, "opened your record")
        } else {
            kind = .refused
            words = refusedWords(outcome)
        }
        return RecordAccess(sequence: sequence, occurredAt: occurredAt, actorID: actorID, actorRole: actorRole, kind: kind, words: words)
    }

    static func allowedWords(_ action: Action) -> (RecordAccess.Kind, String) {
        switch action {
        case .viewClientRecord: return (.readRecord, "opened your record")
        case .listProgressNotes: return (.readRecord, "looked at the list of progress notes")
        case .readProgressNote: return (.readNote, "read a progress note")
        case .writeProgressNote: return (.wroteNote, "wrote a progress note")
        case .listAppointments: return (.readRecord, "looked at a session")
        case .scheduleAppointment: return (.changedRecord, "booked, moved or cancelled a session")
        case .recordAttendance: return (.changedRecord, "recorded whether a session was attended")
        case .listCheckIns: return (.readRecord, "looked at your check-ins")
        case .enterCheckIn: return (.enteredAnswers, "entered answers you gave in the room")
        case .chooseMeasures: return (.changedRecord, "chose the check-ins you are asked")
        case .acknowledgeRiskAlert: return (.readRecord, "read a risk alert and marked it as seen")
        case .listRuptures: return (.readRecord, "looked at how your work together has been going")
        case .recordRupture: return (.wroteNote, "wrote about how your work together has been going")
        case .listMessages: return (.readRecord, "read your messages")
        case .writeMessage: return (.changedRecord, "wrote you a message")
        case .writeWordsToCarry: return (.wroteNote, "wrote words for you to carry")
        case .readSafetyPlan: return (.readRecord, "opened your safety plan")
        case .writeSafetyPlan: return (.changedRecord, "changed your safety plan")
        case .agreePractice: return (.changedRecord, "agreed practice between sessions with you")
        case .planEnding: return (.changedRecord, "planned or recorded the ending of therapy")
        case .listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote:
            return (.readRecord, "opened your record")
        case .inviteClient: return (.changedRecord, "invited you to join Rapport")
        case .eraseClientRecord: return (.changedRecord, "erased your record")
        case .exportClientRecord: return (.exported, "exported your record, for a transfer of care")
        case .exportOwnRecord: return (.exported, "downloaded your record")
        case .recordDisclosure: return (.disclosed, "shared information from your record under a limit of confidentiality (see your disclosures)")
        // Never listed (`AccessPolicy.accessLogHiddenActions`) while the client is not to be told.
        case .recordWithheldDisclosure: return (.disclosed, "shared information from your record under a limit of confidentiality")
        case .reviewWithheldDisclosures: return (.readRecord, "read when and why information from your record was shared")
        case .usePublicPage, .completeSignIn, .useOwnAccount, .viewPractice, .inviteTherapist, .resetStaffTwoFactor, .manageSettings,
             .viewPracticeOutcomes, .viewEnquiries, .handleEnquiry, .viewCaseload, .viewOwnPortal, .answerOwnCheckIn,
             .setOwnPreferences, .writeOwnMessage, .pinOwnWords, .writeOwnSafetyPlan, .logOwnPractice, .reachOutAgain, .answerOwnFollowUp:
            return (.changedRecord, "worked on your record")
        }
    }

    static func refusedWords(_ outcome: String) -> String {
        // Written when what was asked for isn't there (an old link to a note, a record id that doesn't exist).
        if outcome == "denied:no-such-record" { return "looked for something in your record that isn't there, an old link perhaps" }
        let reason = outcome.hasPrefix("denied:") ? DenialReason(rawValue: String(outcome.dropFirst("denied:".count))) : nil
        switch reason {
        case .notOnCareTeam: return "tried to open your record and was refused: not on your care team"
        case .otherPractice: return "tried to open your record and was refused: not part of your practice"
        case .therapyEnded: return "tried to change your record after therapy ended and was refused"
        case .wrongRole, .notAuthor, .notOwnRecord, .notSignedIn, .secondFactorPending, nil:
            return "tried to open your record and was refused"
        }
    }
}
