public import Foundation

/// Everything a route can do, named once. Every route declares exactly one of these, and
/// `AccessPolicy.decide` is the only place that says who may do it (SECURITY.md, "Access policy").
public enum Action: String, Sendable, CaseIterable, Codable {
    // Open to anyone, signed in or not: sign-in, first-run setup, accepting an invitation, health, assets, API description.
    case usePublicPage = "public.use"
    // Steps of signing in that happen before the second factor is done.
    case completeSignIn = "session.complete"
    // Anything about one's own account: home, sign-out, two-factor enrolment.
    case useOwnAccount = "account.use"

    // Practice administration (owner).
    case viewPractice = "practice.view"
    case inviteTherapist = "practice.invite-therapist"
    /// A therapist lost their phone and recovery codes: the owner clears their two-step sign-in so they enrol again.
    case resetStaffTwoFactor = "practice.reset-two-factor"
    case manageSettings = "practice.settings"
    /// Erasing a client's record for good (crypto-shredding), by the owner or by the operator's command.
    case eraseClientRecord = "client.erase"
    /// Practice outcomes: aggregates over every episode, small cells hidden; never one client's record.
    case viewPracticeOutcomes = "practice.outcomes"
    /// The owner reads the disclosures made without telling the client (who, when, which limit, the lawful reason),
    /// each one written to the trail.
    case reviewWithheldDisclosures = "disclosures.review-withheld"

    /// Enquiries from the public reach-out page: the inbox (owner and therapists), and marking one handled.
    case viewEnquiries = "enquiries.view"
    case handleEnquiry = "enquiries.handle"

    // A therapist's caseload.
    case viewCaseload = "caseload.view"
    case inviteClient = "caseload.invite-client"

    // One client's record (therapists on the care team).
    case viewClientRecord = "client.view"
    case listProgressNotes = "progress-notes.list"
    case readProgressNote = "progress-notes.read"
    case writeProgressNote = "progress-notes.write"
    case listPsychotherapyNotes = "psychotherapy-notes.list"
    case readPsychotherapyNote = "psychotherapy-notes.read"
    case writePsychotherapyNote = "psychotherapy-notes.write"
    case listAppointments = "appointments.list"
    case scheduleAppointment = "appointments.schedule"
    case recordAttendance = "appointments.attendance"
    case listCheckIns = "check-ins.list"
    case enterCheckIn = "check-ins.enter"
    case chooseMeasures = "check-ins.measures"
    case acknowledgeRiskAlert = "risk-alerts.acknowledge"
    /// The rupture → repair log: possible ruptures, the therapist's word on them, repairs.
    case listRuptures = "ruptures.list"
    case recordRupture = "ruptures.record"
    /// Secure messages with the client: reading the thread, and writing in it.
    case listMessages = "messages.list"
    case writeMessage = "messages.write"
    /// Words to carry: short notes written for the client to keep (they are listed on the record itself).
    case writeWordsToCarry = "words-to-carry.write"
    /// The client's safety plan (Stanley–Brown), written together: reading it, saving a new version of it.
    case readSafetyPlan = "safety-plan.read"
    case writeSafetyPlan = "safety-plan.write"
    /// Practice between sessions: agreeing one with the client, or stopping it (attempts are shown on the record).
    case agreePractice = "practice-between-sessions.agree"
    /// The ending: planning it with the client, ending therapy with the closing letter, resuming it.
    case planEnding = "ending.plan"
    /// Exporting the record for a transfer of care (FHIR R4 and a printable copy), with a fresh two-step code.
    case exportClientRecord = "client.export"
    /// Recording a disclosure made under a limit of confidentiality, with a fresh two-step code.
    case recordDisclosure = "disclosures.record"
    /// The same, with the lawful reason the client is not told: kept off the client's list (`accessLogHiddenActions`).
    case recordWithheldDisclosure = "disclosures.record-withheld"

    // The client's own portal.
    case viewOwnPortal = "portal.view"
    case answerOwnCheckIn = "portal.check-in"
    /// How the client's own pages show things to them (their progress in numbers or in words only).
    case setOwnPreferences = "portal.preferences"
    /// Writing to one's care team (reading the thread is part of the portal).
    case writeOwnMessage = "portal.message"
    /// Pinning (or unpinning) words to carry on one's own home page.
    case pinOwnWords = "portal.pin-words"
    /// Saving a new version of one's own safety plan.
    case writeOwnSafetyPlan = "portal.safety-plan"
    /// Logging an attempt at the practice agreed, and how it felt.
    case logOwnPractice = "portal.practice"
    /// After therapy has ended: telling the care team, in one tap, that one would like to come back.
    case reachOutAgain = "portal.reach-out-again"
    /// After therapy has ended: answering a follow-up check-in.
    case answerOwnFollowUp = "portal.follow-up"
    /// Downloading one's own record (FHIR R4 and a printable copy), with one's password.
    case exportOwnRecord = "portal.export"

    /// The role an action is done in: practice administration as owner, caseloads and records as therapist, the
    /// portal as client; nil for what anyone signed in does as themselves (their account, signing in).
    public var capacity: Role? {
        switch self {
        case .usePublicPage, .completeSignIn, .useOwnAccount, .viewEnquiries, .handleEnquiry: return nil
        case .viewPractice, .inviteTherapist, .resetStaffTwoFactor, .manageSettings, .viewPracticeOutcomes, .eraseClientRecord, .reviewWithheldDisclosures: return .owner
        case .viewOwnPortal, .answerOwnCheckIn, .setOwnPreferences, .writeOwnMessage, .pinOwnWords, .writeOwnSafetyPlan, .logOwnPractice, .reachOutAgain, .answerOwnFollowUp, .exportOwnRecord: return .client
        case .viewCaseload, .inviteClient, .viewClientRecord, .listProgressNotes, .readProgressNote, .writeProgressNote,
             .listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote,
             .listAppointments, .scheduleAppointment, .recordAttendance,
             .listCheckIns, .enterCheckIn, .chooseMeasures, .acknowledgeRiskAlert, .listRuptures, .recordRupture,
             .listMessages, .writeMessage, .writeWordsToCarry, .readSafetyPlan, .writeSafetyPlan, .agreePractice, .planEnding, .exportClientRecord, .recordDisclosure, .recordWithheldDisclosure:
            return .therapist
        }
    }

    /// Actions that touch one client's record: each attempt, allowed or denied, goes into the audit trail.
    public var isClientScoped: Bool {
        switch self {
        case .viewClientRecord, .listProgressNotes, .readProgressNote, .writeProgressNote,
             .listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote,
             .listAppointments, .scheduleAppointment, .recordAttendance,
             .listCheckIns, .enterCheckIn, .chooseMeasures, .acknowledgeRiskAlert, .listRuptures, .recordRupture,
             .listMessages, .writeMessage, .writeWordsToCarry, .readSafetyPlan, .writeSafetyPlan, .agreePractice, .planEnding, .exportClientRecord, .recordDisclosure, .recordWithheldDisclosure:
            return true
        case .usePublicPage, .completeSignIn, .useOwnAccount, .viewPractice, .inviteTherapist, .resetStaffTwoFactor, .manageSettings,
             .viewPracticeOutcomes, .eraseClientRecord, .reviewWithheldDisclosures, .viewEnquiries, .handleEnquiry,
             .viewCaseload, .inviteClient, .viewOwnPortal, .answerOwnCheckIn, .setOwnPreferences, .writeOwnMessage, .pinOwnWords, .writeOwnSafetyPlan, .logOwnPractice, .reachOutAgain, .answerOwnFollowUp, .exportOwnRecord:
            return false
        }
    }
}

/// What an action is about.
public enum Resource: Sendable, Equatable {
    /// Nothing beyond the actor themselves (their account, their practice's admin pages, their caseload).
    case none
    /// A client's record.
    case client(ClientScope)
    /// One psychotherapy note: the therapist's private process notes, readable by their author only (HIPAA).
    case psychotherapyNote(ClientScope, authorID: UUID)
}

/// Why something was refused. The HTTP layer maps these to status codes; the audit trail records them.
public enum DenialReason: String, Sendable, Equatable, CaseIterable {
    case notSignedIn = "not-signed-in"
    case secondFactorPending = "second-factor-pending"
    case wrongRole = "wrong-role"
    case otherPractice = "other-practice"
    case notOnCareTeam = "not-on-care-team"
    case notAuthor = "not-author"
    /// A client asking for another client's record.
    case notOwnRecord = "not-own-record"
    /// The client's therapy has ended: what is theirs stays readable, nothing more is written to it.
    case therapyEnded = "therapy-ended"

    /// Whether the refusal should look like "there is nothing here". Records of other practices, other
    /// therapists' clients and other people's private notes must not even be confirmed to exist.
    public var hidesExistence: Bool {
        switch self {
        case .otherPractice, .notOnCareTeam, .notAuthor, .notOwnRecord: return true
        case .notSignedIn, .secondFactorPending, .wrongRole, .therapyEnded: return false
        }
    }
}

public enum Decision: Sendable, Equatable {
    case allow
    case deny(DenialReason)

    public var isAllowed: Bool { self == .allow }
}

/// Who the request comes from, as far as the policy is concerned.
public enum Requester: Sendable, Equatable {
    case signedOut
    /// Password accepted, second factor (or its enrolment) still to do.
    case partiallySignedIn(Principal)
    case signedIn(Principal)
}

/// The access policy: one pure function, used by every route. Nothing else decides who may see what.
public enum AccessPolicy {
    /// Which entries of the audit trail about a client's record are listed on "who opened my record" (the client's
    /// page and the therapist's copy of it). Staff only: what the owner and therapists did or tried. The client's own
    /// use (their calendar feed) and another client's refused guess at a record id are not someone at the practice
    /// opening the record. Never psychotherapy notes, read, written or refused: they are the therapist's private
    /// process notes, kept apart from the record (HIPAA, 45 CFR 164.501), outside the client's right of access
    /// (164.524(a)(1)(i)) and an accounting of disclosures, so whether any exist is for their author alone to say.
    /// Every entry stays in the trail, which `rapport audit verify` checks whole. An action this version doesn't know
    /// is listed: an access log never hides what it can't name.
    public static func accessLogShows(action: String, actorRole: String) -> Bool {
        // The client's own download is listed too: every export shows on the list, whoever made it.
        if actorRole == Role.client.rawValue { return accessLogClientActions.map(\.rawValue).contains(action) }
        guard actorRole == Role.owner.rawValue || actorRole == Role.therapist.rawValue else { return false }
        guard let known = Action(rawValue: action) else { return true }
        return !accessLogHiddenActions.contains(known)
    }

    /// The actions `accessLogShows` never lists, for the statement that reads the list.
    public static let accessLogHiddenActions: [Action] = [.listPsychotherapyNotes, .readPsychotherapyNote, .writePsychotherapyNote,
                                                          .recordWithheldDisclosure, .reviewWithheldDisclosures]

    /// The client's own actions `accessLogShows` lists.
    public static let accessLogClientActions: [Action] = [.exportOwnRecord]

    /// The roles whose entries `accessLogShows` lists.
    public static let accessLogRoles: [Role] = [.owner, .therapist]

    public static func decide(_ requester: Requester, _ action: Action, _ resource: Resource = .none) -> Decision {
        switch action {
        case .usePublicPage:
            return .allow
        case .completeSignIn:
            switch requester {
            case .signedOut: return .deny(.notSignedIn)
            case .partiallySignedIn, .signedIn: return .allow
            }
        default:
            break
        }

        let actor: Principal
        switch requester {
        case .signedOut: return .deny(.notSignedIn)
        case .partiallySignedIn: return .deny(.secondFactorPending)
        case .signedIn(let signedIn): actor = signedIn
        }

        switch action {
        case .usePublicPage, .completeSignIn, .useOwnAccount:
            return .allow
        case .viewPractice, .inviteTherapist, .resetStaffTwoFactor, .manageSettings, .viewPracticeOutcomes, .eraseClientRecord,
             .reviewWithheldDisclosures:
            return actor.has(.owner) ? .allow : .deny(.wrongRole)
        case .viewCaseload, .inviteClient:
            return actor.has(.therapist) ? .allow : .deny(.wrongRole)
        case .viewEnquiries, .handleEnquiry:
            // Whoever answers first contact: the owner, and every therapist of the practice. Never a client.
            return actor.has(.owner) || actor.has(.therapist) ? .allow : .deny(.wrongRole)
        case .viewOwnPortal, .answerOwnCheckIn, .setOwnPreferences, .writeOwnMessage, .pinOwnWords, .writeOwnSafetyPlan, .logOwnPractice, .reachOutAgain, .answerOwnFollowUp, .exportOwnRecord:
            guard actor.has(.client) else { return .deny(.wrongRole) }
            switch resource {
            case .none: return .allow
            // A client's own record (their sessions, their check-ins): theirs alone, and never confirmed to exist
            // for anyone else's.
            case .client(let scope):
                let own = ownRecordDecision(actor, scope)
                guard own == .allow else { return own }
                return endedDecision(action, scope)
            case .psychotherapyNote: return .deny(.wrongRole)
            }
        case .viewClientRecord, .listProgressNotes, .readProgressNote, .writeProgressNote,
             .listPsychotherapyNotes, .writePsychotherapyNote, .listAppointments, .scheduleAppointment, .recordAttendance,
             .listCheckIns, .enterCheckIn, .chooseMeasures, .acknowledgeRiskAlert, .listRuptures, .recordRupture,
             .listMessages, .writeMessage, .writeWordsToCarry, .readSafetyPlan, .writeSafetyPlan, .agreePractice, .planEnding,
             .exportClientRecord, .recordDisclosure, .recordWithheldDisclosure:
            // Decided on the role alone first, so a client learns nothing about which record ids exist.
            if actor.isClient { return .deny(.wrongRole) }
            guard case .client(let scope) = resource else { return .deny(.notOnCareTeam) }
            return careTeamDecision(actor, scope)
        case .readPsychotherapyNote:
            if actor.isClient { return .deny(.wrongRole) }
            guard case .psychotherapyNote(let scope, let authorID) = resource else { return .deny(.notOnCareTeam) }
            let onTeam = careTeamDecision(actor, scope)
            guard onTeam == .allow else { return onTeam }
            return authorID == actor.userID ? .allow : .deny(.notAuthor)
        }
    }

    /// After the ending the client reads what is theirs (letter, plan, words, safety plan) and may reach out again;
    /// before it, reaching out again has no meaning (they write a message).
    private static func endedDecision(_ action: Action, _ scope: ClientScope) -> Decision {
        switch action {
        case .viewOwnPortal, .setOwnPreferences, .exportOwnRecord: return .allow
        case .reachOutAgain, .answerOwnFollowUp: return scope.ended ? .allow : .deny(.wrongRole)
        default: return scope.ended ? .deny(.therapyEnded) : .allow
        }
    }

    private static func ownRecordDecision(_ actor: Principal, _ scope: ClientScope) -> Decision {
        guard actor.practiceID == scope.practiceID else { return .deny(.otherPractice) }
        return actor.clientID == scope.clientID ? .allow : .deny(.notOwnRecord)
    }

    /// Clinical content is for the therapists on the client's care team: not the owner as owner (who administers but
    /// does not read other therapists' clients; an owner who also sees clients reads their own, as their therapist),
    /// not other therapists, never anyone from another practice.
    private static func careTeamDecision(_ actor: Principal, _ scope: ClientScope) -> Decision {
        guard actor.practiceID == scope.practiceID else { return .deny(.otherPractice) }
        // An owner without a caseload is refused as not on the care team, which keeps the record's existence hidden.
        guard actor.has(.therapist) else { return .deny(.notOnCareTeam) }
        return scope.careTeam.contains(actor.userID) ? .allow : .deny(.notOnCareTeam)
    }
}
